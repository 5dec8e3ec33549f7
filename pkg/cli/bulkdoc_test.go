package cli

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// TestDocStream: a document written as a run goes parses to the same value
// as the one pkg/report renders at the end from everything held.
func TestDocStream(t *testing.T) {
	type result struct {
		Target string   `json:"target"`
		Codes  []string `json:"codes,omitempty"`
	}
	type data struct {
		Results []result       `json:"results"`
		Lists   []string       `json:"lists"`
		Summary map[string]int `json:"summary"`
	}
	type rest struct {
		Results []result       `json:"results"`
		Lists   []string       `json:"lists"`
		Summary map[string]int `json:"summary"`
	}
	findings := [][]report.Finding{
		{{ID: "dnsbl.listed", Severity: report.Error, Subject: "192.0.2.1", Message: "listed", Evidence: []string{"a", "b"}}},
		nil,
		{{ID: "dnsbl.clean", Severity: report.OK, Message: "clean"}, {ID: "dnsbl.query_failed", Severity: report.Warning, Incomplete: true, Message: "timeout"}},
	}
	results := []result{{"192.0.2.1", []string{"127.0.0.2"}}, {"192.0.2.2", nil}, {"192.0.2.3", nil}}
	for _, n := range []int{0, 1, 3} {
		started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		rep := &report.Report{Command: "dnsbl", Targets: []string{"--file x"}, Started: started, Duration: time.Second, Resolver: "127.0.0.1:53", Summary: "sum"}
		full := *rep
		d := data{Results: []result{}, Lists: []string{"bl.test"}, Summary: map[string]int{"targets": n}}
		var stream bytes.Buffer
		ds := newDocStream(&stream)
		for i := range n {
			d.Results = append(d.Results, results[i])
			full.Findings = append(full.Findings, findings[i]...)
			if err := ds.result(results[i]); err != nil {
				t.Fatal(err)
			}
			if err := ds.findings(findings[i]); err != nil {
				t.Fatal(err)
			}
		}
		full.Data = d
		exit := report.ExitCode(full.Findings, report.Error)
		if err := ds.finish(rep, rest{Lists: d.Lists, Summary: d.Summary}, exit); err != nil {
			t.Fatal(err)
		}
		want, err := full.MarshalJSONDoc(Version(), exit)
		if err != nil {
			t.Fatal(err)
		}
		var got, wantV any
		if err := json.Unmarshal(stream.Bytes(), &got); err != nil {
			t.Fatalf("%d results: streamed document does not parse: %v\n%s", n, err, stream.String())
		}
		json.Unmarshal(want, &wantV) //nolint:errcheck
		// rest has its own (empty) results: the streamed ones win.
		if !reflect.DeepEqual(got, wantV) {
			t.Errorf("%d results:\nstreamed %s\nwant     %s", n, stream.String(), want)
		}
	}
}
