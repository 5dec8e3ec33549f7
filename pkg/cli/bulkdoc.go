package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// docStream writes the JSON document of a bulk run (docs/json.md) while
// the run goes, so --format json costs no more memory than JSON lines:
// each result goes out under "data"."results" as it comes, findings wait
// in a temporary file, and the fields that need the whole run (counts,
// status, exit code, duration) come last. The document has the same
// fields and values as one rendered at the end; only its keys are in
// another order, which JSON readers do not see.
type docStream struct {
	w       io.Writer
	begun   bool
	results int
	spool   *os.File
	finds   int
	counts  map[string]int
	err     error
}

// newDocStream returns a document for w. Nothing is written before the
// first result or finish, so a run that fails on its input leaves stdout
// empty.
func newDocStream(w io.Writer) *docStream {
	return &docStream{w: w, counts: map[string]int{}}
}

func (d *docStream) write(s string) {
	if !d.begun {
		d.begun = true
		d.write("{\n  \"data\": {\n    \"results\": [")
	}
	if d.err == nil {
		_, d.err = io.WriteString(d.w, s)
	}
}

// indented marshals v as the document would, at the given depth.
func indented(v any, depth int) (string, error) {
	pad := strings.Repeat("  ", depth)
	b, err := report.MarshalJSONIndent(v, pad, "  ")
	return string(b), err
}

// result writes one element of data.results.
func (d *docStream) result(v any) error {
	s, err := indented(v, 3)
	if err != nil {
		return err
	}
	if d.results > 0 {
		d.write(",")
	}
	d.results++
	d.write("\n      " + s)
	return d.err
}

// findings puts findings aside for the document's findings array.
func (d *docStream) findings(fs []report.Finding) error {
	if d.err != nil {
		return d.err
	}
	if d.spool == nil && len(fs) > 0 {
		if d.spool, d.err = os.CreateTemp("", "mailflow-findings-*.json"); d.err != nil {
			return fmt.Errorf("a temporary file for the findings: %w", d.err)
		}
		os.Remove(d.spool.Name()) // gone once closed; nothing is left behind
	}
	addCounts(d.counts, fs)
	for _, f := range fs {
		s, err := indented(f, 2)
		if err != nil {
			return err
		}
		sep := ",\n    "
		if d.finds == 0 {
			sep = "\n    "
		}
		d.finds++
		if _, err := io.WriteString(d.spool, sep+s); err != nil {
			d.err = err
			return err
		}
	}
	return nil
}

// finish writes the rest: the other fields of data (rest, whose own
// "results" must be empty), the findings, and the fields of rep's
// document, with exit as its exit code. rep.Findings must be empty: its
// findings went through findings.
func (d *docStream) finish(rep *report.Report, rest any, exit int) error {
	defer func() {
		if d.spool != nil {
			d.spool.Close()
		}
	}()
	if d.results > 0 {
		d.write("\n    ]")
	} else {
		d.write("]")
	}
	if rest != nil {
		fields, err := objectFields(report.MarshalJSON(rest))
		if err != nil {
			return err
		}
		for _, f := range fields {
			if f.key != "results" {
				d.field(f, 2)
			}
		}
	}
	d.write("\n  },\n  \"findings\": [")
	if d.spool != nil && d.err == nil {
		if _, err := d.spool.Seek(0, io.SeekStart); err != nil {
			return err
		}
		_, d.err = io.Copy(d.w, d.spool)
	}
	if d.finds > 0 {
		d.write("\n  ]")
	} else {
		d.write("]")
	}
	// The document's own fields, so a streamed document carries exactly
	// what pkg/report puts in one.
	fields, err := objectFields(rep.MarshalJSONDoc(Version(), exit))
	if err != nil {
		return err
	}
	for _, f := range fields {
		switch f.key {
		case "data", "findings":
			continue
		case "counts":
			if f.value, err = report.MarshalJSON(d.counts); err != nil {
				return err
			}
		}
		d.field(f, 1)
	}
	d.write("\n}\n")
	return d.err
}

// field writes ",\n" and one object member at the given depth.
func (d *docStream) field(f docField, depth int) {
	pad := strings.Repeat("  ", depth)
	var buf bytes.Buffer
	if err := json.Indent(&buf, f.value, pad, "  "); err != nil && d.err == nil {
		d.err = err
	}
	key, _ := report.MarshalJSON(f.key)
	d.write(",\n" + pad + string(key) + ": " + buf.String())
}

type docField struct {
	key   string
	value json.RawMessage
}

// objectFields returns the members of the JSON object b in order; it
// takes a marshaller's results as they come.
func objectFields(b []byte, err error) ([]docField, error) {
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var out []docField
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, docField{key: t.(string), value: v})
	}
	return out, nil
}
