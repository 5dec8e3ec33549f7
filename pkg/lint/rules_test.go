package lint

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/report"
)

var update = flag.Bool("update", false, "rewrite generated fixtures and golden files under testdata")

// formatOnly lists rules whose fixtures exist in fewer formats because the
// other formats cannot express the problem.
var formatOnly = map[string]string{
	// Export-Clixml and ConvertTo-Json never cut lists short.
	"lint.input.truncated": ".txt",
}

func load(t *testing.T, paths ...string) *Config {
	t.Helper()
	var srcs []Source
	for _, p := range paths {
		srcs = append(srcs, Source{Name: p})
	}
	c, err := Load(srcs, LoadOptions{})
	if err != nil {
		t.Fatalf("load %v: %v", paths, err)
	}
	return c
}

// loadAll loads without dropping the properties no rule reads.
func loadAll(t *testing.T, paths ...string) *Config {
	t.Helper()
	testOnlyKeepAll = true
	defer func() { testOnlyKeepAll = false }()
	return load(t, paths...)
}

// TestCompactChangesNothing: dropping the properties outside ruleProps
// changes no finding of any rule fixture, to the evidence line. A rule
// that reads a property missing from ruleProps fails here.
func TestCompactChangesNothing(t *testing.T) {
	files, _ := filepath.Glob("testdata/rules/*/*")
	defaults, _ := filepath.Glob("testdata/defaults/*")
	for _, f := range append(files, defaults...) {
		switch filepath.Ext(f) {
		case ".txt", ".xml", ".json", ".yaml":
		default:
			continue
		}
		got, want := Check(load(t, f), Options{}), Check(loadAll(t, f), Options{})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: findings differ when properties are dropped:\n got %+v\nwant %+v", f, got, want)
		}
	}
}

// goldenLines renders findings for comparison: with lines for the file
// the fixture was written in, without for the generated formats.
func goldenLines(fs []report.Finding, withLines bool) []string {
	var out []string
	for _, f := range fs {
		l := fmt.Sprintf("%s\t%s\t%s", f.ID, f.Severity, f.Subject)
		if withLines {
			l += fmt.Sprintf("\t%s:%d", filepath.Base(f.Location.File), f.Location.Line)
		}
		if f.Incomplete {
			l += "\tincomplete"
		}
		out = append(out, l)
	}
	return out
}

func checkGolden(t *testing.T, path string, got []string) {
	t.Helper()
	text := strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != text {
		t.Errorf("%s differs:\n--- want\n%s--- got\n%s", path, want, text)
	}
}

// TestGeneratedFixtures keeps the CliXml and JSON fixtures in step with
// the Format-List ones they are generated from.
func TestGeneratedFixtures(t *testing.T) {
	srcs, _ := filepath.Glob("testdata/rules/*/*.txt")
	for _, src := range srcs {
		rule := filepath.Base(filepath.Dir(src))
		if formatOnly[rule] != "" {
			continue
		}
		c := loadAll(t, src)
		base := strings.TrimSuffix(src, ".txt")
		for ext, gen := range map[string]func([]*Object) string{".xml": writeCliXML, ".json": writeJSON} {
			path, text := base+ext, gen(c.Objects)
			if *update {
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if got, err := os.ReadFile(path); err != nil || string(got) != text {
				t.Errorf("%s is out of date with %s: run go test -update", path, src)
			}
		}
	}
}

// TestRuleFixtures runs every rule over its positive ("bad") and negative
// ("good") fixtures in every format: the bad ones must produce the rule's
// finding, the good ones must not, and all formats must agree.
func TestRuleFixtures(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/rules/*")
	covered := map[string]bool{}
	for _, dir := range dirs {
		rule := filepath.Base(dir)
		if Lookup(rule) == nil {
			t.Errorf("%s: no rule %q", dir, rule)
			continue
		}
		covered[rule] = true
		t.Run(rule, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			var sources []string
			for _, f := range files {
				switch filepath.Ext(f) {
				case ".txt", ".yaml":
					sources = append(sources, f)
				}
			}
			seen := map[string]bool{}
			for _, src := range sources {
				stem := strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
				seen[strings.SplitN(stem, "-", 2)[0]] = true
				fs := Check(load(t, src), Options{})
				checkGolden(t, src+".golden", goldenLines(fs, true))
				ids := map[string]bool{}
				for _, f := range fs {
					ids[f.ID] = true
					if f.Location == nil || f.Location.File != src || f.Location.Line < 1 {
						t.Errorf("%s: finding %s without a location in the file: %+v", src, f.ID, f.Location)
					}
				}
				if bad := strings.HasPrefix(stem, "bad"); bad != ids[rule] {
					t.Errorf("%s: rule %s fired=%v, want %v", src, rule, ids[rule], bad)
				}
				if filepath.Ext(src) != ".txt" || formatOnly[rule] != "" {
					continue
				}
				want := goldenLines(fs, false)
				for _, ext := range []string{".xml", ".json"} {
					other := strings.TrimSuffix(src, ".txt") + ext
					got := goldenLines(Check(load(t, other), Options{}), false)
					if !slices.Equal(got, want) {
						t.Errorf("%s disagrees with %s:\n got %q\nwant %q", other, src, got, want)
					}
				}
			}
			if !seen["bad"] || !seen["good"] {
				t.Errorf("%s needs a bad (positive) and a good (negative) fixture", dir)
			}
		})
	}
	for _, r := range Rules() {
		if !r.Live && !covered[r.ID] {
			t.Errorf("rule %s has no fixtures under testdata/rules/%s", r.ID, r.ID)
		}
	}
}
