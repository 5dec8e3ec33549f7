package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadInput(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.txt")
	if err := os.WriteFile(small, []byte("12345"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &Env{IO: &IOStreams{In: strings.NewReader("from stdin")}}
	tests := []struct {
		path  string
		limit int64
		want  string
		err   string
	}{
		{small, 5, "12345", ""},
		{small, 4, "", "--x " + small + ": larger than 4 bytes"},
		{"-", 100, "from stdin", ""},
		{filepath.Join(dir, "nope"), 5, "", "--x " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{dir, 5, "", "is a directory"},
	}
	for _, tt := range tests {
		got, err := readInput(e, "--x", tt.path, tt.limit)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.path, err, tt.err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %q, %v", tt.path, got, err)
		}
	}
	if _, err := certPool(e, "--ca-file", small); err == nil || !strings.Contains(err.Error(), "--ca-file "+small+": no PEM certificate") {
		t.Errorf("certPool on a non-PEM file: %v", err)
	}
}
