package schemacheck_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/schemacheck"
)

// doc is a minimal valid mx report; the cases below break it one way each.
const doc = `{"schema_version": 2, "tool": "mailflow", "version": "devel", "command": "mx",
 "duration_ms": 1.5, "status": "ok", "exit_code": 0, "counts": {"ok": 1},
 "findings": [{"id": "mx.routing", "severity": "ok", "message": "fine"}],
 "data": {"results": [{"domain": "example.org", "outcome": "mx", "dnssec": false}]}}`

func TestOutput(t *testing.T) {
	s, err := schemacheck.Load(filepath.Join("..", "..", "docs", "schema"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, command, format, out string
		want                       string // part of the error, "" for valid
	}{
		{"valid document", "mx", "json", doc, ""},
		{"valid document on one line", "lint", "jsonl",
			`{"schema_version":2,"tool":"mailflow","version":"v1","command":"lint","duration_ms":0,"status":"ok","exit_code":0,"counts":{},"findings":[],"data":{"inputs":[]}}`, ""},
		{"other command", "dnsbl", "json", doc, "not a report of dnsbl"},
		{"unknown field", "mx", "json", strings.Replace(doc, `"dnssec": false`, `"dnssec": false, "dnsec": true`, 1), "dnsec"},
		{"empty string left in", "mx", "json", strings.Replace(doc, `"dnssec": false`, `"dnssec": false, "domain_unicode": ""`, 1), "minLength"},
		{"null for an array", "mx", "json", strings.Replace(doc, `"dnssec": false`, `"dnssec": false, "targets": null`, 1), "targets"},
		{"data of another command", "mx", "json", strings.Replace(doc, `"command": "mx"`, `"command": "lint"`, 1), "not a report of mx"},
		{"severity outside the enum", "mx", "json", strings.Replace(doc, `"severity": "ok"`, `"severity": "fatal"`, 1), "severity"},
		{"kebab-case ID", "mx", "json", strings.Replace(doc, `"mx.routing"`, `"mx.no-route"`, 1), "id"},
		{"newer schema version", "mx", "json", strings.Replace(doc, `"schema_version": 2`, `"schema_version": 3`, 1), "schema_version"},
		{"record", "mx", "jsonl", `{"type":"error","source":"list.txt:2","target":"a b","error":"two words"}` + "\n", ""},
		{"record of another command", "mx", "jsonl", `{"type":"summary","targets":1,"listed":0,"clean":1,"incomplete":0,"duration_ms":1,"status":"ok","exit_code":0}` + "\n", "oneOf"},
		{"blank line", "ndr", "jsonl", `{"type":"result","target":"5.1.1","source":"5.1.1","kind":"code","recipients":[]}` + "\n\n", "empty"},
		{"two documents", "mx", "json", doc + doc, "not one JSON document"},
	}
	for _, tt := range tests {
		err := s.Output(tt.command, tt.format, []byte(tt.out))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one about %q", tt.name, err, tt.want)
		}
	}
}
