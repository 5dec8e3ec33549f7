package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

func sarifSample() (*Report, []SARIFRule) {
	r := &Report{
		Command: "lint",
		Findings: []Finding{
			{ID: "lint.send.smarthost_self", Severity: Error, Subject: `SendConnector "Relay" .SmartHosts`, Message: "smart host is the server itself",
				Evidence: []string{"SmartHosts : {ex01}"}, Fix: "point it at the next hop", Location: &Location{File: "exports/send connectors.txt", Line: 14}},
			{ID: "lint.recv.internal_open", Severity: Warning, Message: "open to all", Location: &Location{File: "/srv/exports/recv.xml", Line: 3}},
			{ID: "lint.input.unrecognized", Severity: Info, Message: "unknown object", Location: &Location{File: "x.txt"}},
			{ID: "not.in.catalog", Severity: OK, Message: "fine", Incomplete: true},
		},
	}
	rules := []SARIFRule{
		{ID: "lint.send.smarthost_self", Name: "Smart host is self", Short: "Smart host is self", Full: "checks smart hosts", Help: "Prevents: loops", Severity: Error},
		{ID: "lint.recv.internal_open", Short: "Open internal connector", Full: "checks ranges", Help: "Prevents: refusals", Severity: Warning},
		{ID: "lint.input.unrecognized", Short: "Unknown object", Full: "checks kinds", Help: "Prevents: silence", Severity: Info},
	}
	return r, rules
}

// The log is checked structurally against what SARIF 2.1.0 and GitHub code
// scanning require, not byte for byte.
func TestWriteSARIF(t *testing.T) {
	r, rules := sarifSample()
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, r, rules, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name    string `json:"name"`
					Version string `json:"version"`
					Rules   []struct {
						ID               string            `json:"id"`
						ShortDescription map[string]string `json:"shortDescription"`
						FullDescription  map[string]string `json:"fullDescription"`
						Help             map[string]string `json:"help"`
						Default          map[string]string `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string            `json:"ruleId"`
				RuleIndex *int              `json:"ruleIndex"`
				Level     string            `json:"level"`
				Message   map[string]string `json:"message"`
				Locations []struct {
					Physical struct {
						Artifact map[string]string `json:"artifactLocation"`
						Region   *struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Properties map[string]any `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if log.Version != "2.1.0" || log.Schema == "" || len(log.Runs) != 1 {
		t.Fatalf("header: version %q schema %q runs %d", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "mailflow" || run.Tool.Driver.Version != "1.2.3" || len(run.Tool.Driver.Rules) != len(rules) {
		t.Fatalf("driver: %+v", run.Tool.Driver)
	}
	for i, rl := range run.Tool.Driver.Rules {
		if rl.ID != rules[i].ID || rl.ShortDescription["text"] == "" || rl.FullDescription["text"] == "" || rl.Help["text"] == "" || rl.Default["level"] == "" {
			t.Errorf("rule %d incomplete: %+v", i, rl)
		}
	}
	tests := []struct {
		level, uri string
		line       int
		ruleIndex  int // -1: none
	}{
		{"error", "exports/send%20connectors.txt", 14, 0},
		{"warning", "file:///srv/exports/recv.xml", 3, 1},
		{"note", "x.txt", 0, 2},
		{"note", "", 0, -1},
	}
	if len(run.Results) != len(tests) {
		t.Fatalf("got %d results, want %d", len(run.Results), len(tests))
	}
	for i, tt := range tests {
		res := run.Results[i]
		if res.RuleID != r.Findings[i].ID || res.Level != tt.level || res.Message["text"] == "" {
			t.Errorf("result %d: ruleId %q level %q message %q", i, res.RuleID, res.Level, res.Message["text"])
		}
		if (tt.ruleIndex < 0) != (res.RuleIndex == nil) || (res.RuleIndex != nil && *res.RuleIndex != tt.ruleIndex) {
			t.Errorf("result %d: ruleIndex %v, want %d", i, res.RuleIndex, tt.ruleIndex)
		}
		if tt.uri == "" {
			if len(res.Locations) != 0 {
				t.Errorf("result %d: location without a file", i)
			}
			continue
		}
		if len(res.Locations) != 1 || res.Locations[0].Physical.Artifact["uri"] != tt.uri {
			t.Errorf("result %d: locations %+v, want uri %s", i, res.Locations, tt.uri)
			continue
		}
		reg := res.Locations[0].Physical.Region
		if (tt.line == 0) != (reg == nil) || (reg != nil && reg.StartLine != tt.line) {
			t.Errorf("result %d: region %+v, want line %d", i, reg, tt.line)
		}
	}
	first := run.Results[0]
	if first.Message["text"] != `SendConnector "Relay" .SmartHosts: smart host is the server itself. Fix: point it at the next hop` {
		t.Errorf("message %q", first.Message["text"])
	}
	if ev, _ := first.Properties["evidence"].([]any); len(ev) != 1 {
		t.Errorf("evidence not carried: %v", first.Properties)
	}
	if run.Results[3].Properties["incomplete"] != true {
		t.Errorf("incomplete not carried: %v", run.Results[3].Properties)
	}
}
