// Package schemacheck validates mailflow's JSON output against the JSON
// Schemas in docs/schema, for tests.
//
// It validates more strictly than the published schemas say: an object
// may carry only the properties its schema names. The published schemas
// let readers meet fields they do not know (fields are added within a
// schema version); the tests must not, or a field added to a Go type
// without regenerating docs/schema, or a field a MarshalJSON adds behind
// reflection's back, would go unnoticed. It does not generate schemas:
// scripts/gendocs does.
package schemacheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// Schemas are the compiled schemas of one docs/schema directory.
type Schemas struct {
	report  *jsonschema.Schema
	records map[string]*jsonschema.Schema
}

// Load compiles every *.schema.json in dir. Schemas refer only to their
// own $defs, so nothing is fetched.
func Load(dir string) (*Schemas, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseLoader(noLoader{})
	ids := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		m, ok := doc.(map[string]any)
		id, _ := m["$id"].(string)
		if !ok || id == "" {
			return nil, fmt.Errorf("%s: no $id", f)
		}
		closeObjects(m)
		if err := c.AddResource(id, m); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		ids[filepath.Base(f)] = id
	}
	s := &Schemas{records: map[string]*jsonschema.Schema{}}
	for name, id := range ids {
		sch, err := c.Compile(id)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if name == report.ReportSchemaFile {
			s.report = sch
			continue
		}
		if cmd, ok := strings.CutSuffix(name, report.RecordsSchemaFile("")); ok {
			s.records[cmd] = sch
		}
	}
	if s.report == nil {
		return nil, fmt.Errorf("%s: no %s", dir, report.ReportSchemaFile)
	}
	return s, nil
}

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s: schemas may refer only to their own definitions", url)
}

// closeObjects forbids properties an object schema does not name. if/then
// schemas have no "type" and are left open: they constrain the document,
// they do not describe all of it.
func closeObjects(v any) {
	switch v := v.(type) {
	case map[string]any:
		if _, props := v["properties"]; props && v["type"] == "object" {
			if _, set := v["additionalProperties"]; !set {
				v["additionalProperties"] = false
			}
		}
		for _, x := range v {
			closeObjects(x)
		}
	case []any:
		for _, x := range v {
			closeObjects(x)
		}
	}
}

// HasRecords reports whether the command has a schema for --format jsonl
// records.
func (s *Schemas) HasRecords(command string) bool { return s.records[command] != nil }

// Document validates one --format json document of the command.
func (s *Schemas) Document(command string, b []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if m, ok := v.(map[string]any); !ok || m["command"] != command {
		return fmt.Errorf("not a report of %s", command)
	}
	return s.report.Validate(v)
}

// Lines validates --format jsonl output of the command: each line a record
// of the command, or, for commands without records, the report document
// on one line.
func (s *Schemas) Lines(command string, b []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	var errs []error
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			errs = append(errs, fmt.Errorf("line %d: empty", n))
			continue
		}
		var err error
		if sch := s.records[command]; sch != nil {
			var v any
			if v, err = jsonschema.UnmarshalJSON(bytes.NewReader(line)); err == nil {
				err = sch.Validate(v)
			}
		} else {
			err = s.Document(command, line)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
		}
	}
	return errors.Join(append(errs, sc.Err())...)
}

// Output validates what the command printed in format (json or jsonl).
func (s *Schemas) Output(command, format string, b []byte) error {
	switch format {
	case "json":
		if !json.Valid(b) {
			return errors.New("not one JSON document")
		}
		return s.Document(command, b)
	case "jsonl":
		return s.Lines(command, b)
	}
	return fmt.Errorf("format %q has no schema", format)
}
