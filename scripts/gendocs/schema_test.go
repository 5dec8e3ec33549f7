package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// TestSchemasCurrent fails when docs/schema is not what the Go types
// generate: a JSON field was added, renamed or documented differently
// without running go run ./scripts/gendocs.
func TestSchemasCurrent(t *testing.T) {
	t.Chdir(filepath.Join("..", ".."))
	files, err := schemaFiles()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files[report.ReportSchemaFile]; !ok {
		t.Fatalf("no %s generated", report.ReportSchemaFile)
	}
	dir := filepath.Join("docs", "schema")
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s/%s is out of date; run: go run ./scripts/gendocs", dir, name)
		}
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range old {
		if _, ok := files[filepath.Base(f)]; !ok {
			t.Errorf("%s is no longer generated; run: go run ./scripts/gendocs", f)
		}
	}
}
