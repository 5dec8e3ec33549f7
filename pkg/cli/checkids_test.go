package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/report"
)

// TestCheckRegistry enforces the finding-ID convention over every check the
// linked packages register.
func TestCheckRegistry(t *testing.T) {
	if len(report.Checks()) < 50 {
		t.Fatalf("only %d checks registered: a capability package does not register its checks", len(report.Checks()))
	}
	for _, err := range report.RegistryErrors() {
		t.Error(err)
	}
}

// TestEmittedFindingsRegistered runs every demo scenario with JSON output
// and checks each finding it prints: the ID is registered, and an ok
// finding belongs to a check that can pass (so its ID does not name a
// failure).
func TestEmittedFindingsRegistered(t *testing.T) {
	seen := 0
	scenarioOutput(t, []string{"json"}, func(s lab.Scenario, _ []string, _ string, out []byte) {
		fs, err := findingsIn(out)
		if err != nil {
			t.Errorf("%s: %v", s.Title, err)
			return
		}
		for _, f := range fs {
			seen++
			if err := report.ValidateFinding(f); err != nil {
				t.Errorf("%s: %v", s.Title, err)
			}
		}
	})
	if seen == 0 {
		t.Fatal("no findings seen in any scenario's JSON")
	}
}

// findingsIn walks every JSON value in b and collects the objects shaped
// like findings, wherever a command nests them.
func findingsIn(b []byte) ([]report.Finding, error) {
	var out []report.Finding
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			id, _ := v["id"].(string)
			sev, _ := v["severity"].(string)
			if id != "" && sev != "" {
				s, err := report.ParseSeverity(sev)
				if err == nil {
					out = append(out, report.Finding{ID: id, Severity: s})
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		walk(v)
	}
}
