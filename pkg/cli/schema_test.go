package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/schemacheck"
)

const repoRoot = "../.."

func loadSchemas(t *testing.T) *schemacheck.Schemas {
	t.Helper()
	s, err := schemacheck.Load(filepath.Join(repoRoot, "docs", "schema"))
	if err != nil {
		t.Fatalf("docs/schema: %v", err)
	}
	return s
}

// scenarioOutput runs every demo scenario against one lab in each of
// formats and hands check the stdout of each run that ended with the
// scenario's exit code.
func scenarioOutput(t *testing.T, formats []string, check func(s lab.Scenario, args []string, format string, out []byte)) {
	t.Helper()
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, format := range formats {
		for _, s := range lab.Scenarios() {
			var out, errOut bytes.Buffer
			io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
			args := append(s.Args(l), "--format", format)
			if format == "jsonl" && !hasRecords(scenarioCommand(t, args)) {
				continue // the command has no --format jsonl
			}
			if code := Run(io, args); code != s.Exit {
				t.Errorf("%s (%s): exit %d, want %d: %s", s.Title, format, code, s.Exit, errOut.String())
				continue
			}
			check(s, args, format, out.Bytes())
		}
	}
}

func hasRecords(command string) bool {
	for _, sh := range JSONShapes() {
		if sh.Command == command {
			return sh.Records != nil
		}
	}
	return false
}

// scenarioCommand is the subcommand a scenario runs.
func scenarioCommand(t *testing.T, args []string) string {
	for _, a := range args {
		for _, sh := range JSONShapes() {
			if a == sh.Command {
				return a
			}
		}
	}
	t.Fatalf("no command in %q", args)
	return ""
}

// TestScenarioOutputMatchesSchema validates the JSON and JSON lines of
// every demo scenario against docs/schema: the output of every command,
// its faults and its bulk modes, as users see it.
func TestScenarioOutputMatchesSchema(t *testing.T) {
	schemas := loadSchemas(t)
	seen := map[string]bool{}
	scenarioOutput(t, []string{"json", "jsonl"}, func(s lab.Scenario, args []string, format string, out []byte) {
		cmd := scenarioCommand(t, args)
		seen[cmd] = true
		if err := schemas.Output(cmd, format, out); err != nil {
			t.Errorf("%s (%s): %v\n%s", s.Title, format, err, out)
		}
	})
	for _, sh := range JSONShapes() {
		if !seen[sh.Command] {
			t.Errorf("no scenario shows the JSON of %s", sh.Command)
		}
	}
}

// TestGoldenJSONMatchesSchema validates the JSON that golden files in the
// repository hold: report documents under pkg/*/testdata, and the JSON
// and JSON lines that cmd/mailflow's scripts compare stdout with.
func TestGoldenJSONMatchesSchema(t *testing.T) {
	schemas := loadSchemas(t)
	n := 0
	goldens, err := filepath.Glob(filepath.Join(repoRoot, "pkg", "*", "testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range goldens {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.HasPrefix(b, []byte("{")) {
			continue // a directory, or not JSON
		}
		var doc struct{ Tool, Command string }
		if json.Unmarshal(b, &doc) != nil || doc.Tool != "mailflow" {
			continue // JSON input of a parser, not output
		}
		n++
		if err := schemas.Document(doc.Command, b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	scripts, err := filepath.Glob(filepath.Join(repoRoot, "cmd", "mailflow", "testdata", "script", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range scripts {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range scriptGoldens(string(ar.Comment)) {
			i := slices.IndexFunc(ar.Files, func(af txtar.File) bool { return af.Name == g.file })
			if i < 0 {
				t.Errorf("%s: cmp stdout %s: no such file in the archive", f, g.file)
				continue
			}
			n++
			if err := schemas.Output(g.command, g.format, ar.Files[i].Data); err != nil {
				t.Errorf("%s: %s (%s %s): %v", f, g.file, g.command, g.format, err)
			}
		}
	}
	if n < 3 {
		t.Errorf("only %d JSON goldens found: is the walk looking in the right places?", n)
	}
}

type scriptGolden struct{ command, format, file string }

var formatFlag = regexp.MustCompile(`(?:--format[= ]|-o )(jsonl?)\b`)

// scriptGoldens finds the files a testscript compares the stdout of a
// mailflow run with JSON output to.
func scriptGoldens(script string) []scriptGolden {
	var out []scriptGolden
	var last scriptGolden
	for _, line := range strings.Split(script, "\n") {
		words := strings.Fields(line)
		switch {
		case len(words) >= 3 && words[0] == "cmp" && words[1] == "stdout":
			if last.format != "" {
				out = append(out, scriptGolden{last.command, last.format, words[2]})
			}
		case slices.Contains(words, "mailflow"):
			last = scriptGolden{}
			if m := formatFlag.FindStringSubmatch(line); m != nil {
				last.format = m[1]
			}
			for _, w := range words {
				for _, sh := range JSONShapes() {
					if w == sh.Command && last.command == "" {
						last.command = w
					}
				}
			}
		}
	}
	return out
}

// TestSchemaEnumsSnakeCase: every enumerated value in docs/schema is lower
// snake_case, the one convention docs/json.md promises for finding IDs and
// enumerations alike.
func TestSchemaEnumsSnakeCase(t *testing.T) {
	word := regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "schema", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no schemas: %v", err)
	}
	var walk func(file, path string, v any)
	walk = func(file, path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if enum, ok := v["enum"].([]any); ok {
				for _, e := range enum {
					if s, ok := e.(string); ok && !word.MatchString(s) {
						t.Errorf("%s %s: enum value %q is not lower snake_case", filepath.Base(file), path, s)
					}
				}
			}
			for k, sub := range v {
				walk(file, path+"/"+k, sub)
			}
		case []any:
			for _, sub := range v {
				walk(file, path, sub)
			}
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		walk(f, "", doc)
	}
}
