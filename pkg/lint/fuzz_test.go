package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
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

// FuzzEncodings: the same export read as UTF-8 and as the UTF-16 Windows
// PowerShell writes gives the same objects, whatever the text; the
// streaming decoder and sniffer must agree with the plain one.
func FuzzEncodings(f *testing.F) {
	files, _ := filepath.Glob("testdata/rules/*/bad.*")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 && utf8.Valid(data) {
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) || strings.ContainsRune(text, 0) || strings.HasPrefix(text, "\uFEFF") {
			return
		}
		want, wf, werr := Parse("fuzz.txt", []byte(text))
		for _, bigEndian := range []bool{false, true} {
			got, gf, gerr := Parse("fuzz.txt", utf16Bytes(text, bigEndian))
			if (werr == nil) != (gerr == nil) || gf != wf {
				t.Fatalf("UTF-8: %v %s; UTF-16: %v %s", werr, wf, gerr, gf)
			}
			if werr != nil {
				if werr.Error() != gerr.Error() {
					t.Fatalf("errors differ: %q vs %q", werr, gerr)
				}
				continue
			}
			if len(got) != len(want) {
				t.Fatalf("%d objects from UTF-16, %d from UTF-8", len(got), len(want))
			}
			for i := range got {
				if g, w := dumpObject(got[i]), dumpObject(want[i]); g != w {
					t.Fatalf("object %d differs:\n%s\n%s", i, g, w)
				}
			}
		}
	})
}

func dumpObject(o *Object) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", o.Kind, o.Line)
	for _, p := range o.Props() {
		fmt.Fprintf(&b, "|%s=%s@%d", p.Name, p.Text(), p.Line)
	}
	return b.String()
}
