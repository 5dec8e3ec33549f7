package lint

import (
	"os"
	"path/filepath"
	"testing"
)

// fuzzParse feeds arbitrary bytes through detection, parsing and every
// rule: bad input may be refused, never crash.
func fuzzParse(f *testing.F, name, glob string) {
	files, _ := filepath.Glob(glob)
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, _, err := Parse(name, data)
		if err != nil {
			return
		}
		Check(&Config{Inputs: []Input{{File: name}}, Objects: objs}, Options{})
	})
}

func FuzzFormatList(f *testing.F) { fuzzParse(f, "fuzz.txt", "testdata/rules/*/bad.txt") }
func FuzzCliXML(f *testing.F)     { fuzzParse(f, "fuzz.xml", "testdata/rules/*/bad.xml") }
func FuzzJSON(f *testing.F)       { fuzzParse(f, "fuzz.json", "testdata/rules/*/bad.json") }
func FuzzLegacyYAML(f *testing.F) { fuzzParse(f, "fuzz.yaml", "testdata/rules/*/bad*.yaml") }
