package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mailflowkit/mailflow/pkg/cli"
	"github.com/mailflowkit/mailflow/pkg/schemacheck"
)

var update = flag.Bool("update", false, "rewrite the golden output in testdata/script/*.txtar")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"mailflow": func() { os.Exit(cli.Main()) },
	})
}

// TestScripts runs the CLI golden tests: each txtar file is a session of
// mailflow commands with their expected output. Run with -update after an
// intended output change.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			// Output must not depend on the developer's terminal settings.
			env.Setenv("NO_COLOR", "")
			env.Setenv("TERM", "dumb")
			env.Setenv("MAILFLOW_PASSWORD", "")
			// Markdown stamps the time; pin it so goldens stay golden.
			env.Setenv("SOURCE_DATE_EPOCH", "1795424400")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":      exits,
			"waitfile":   waitFile,
			"jsonschema": jsonSchema,
		},
	})
}

// exits N PROG ARGS... runs PROG like exec and asserts its exit code is N:
// exit codes are mailflow's contract with CI, so scripts pin them exactly.
func exits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// waitfile FILE waits (up to 30 s) until a background command has written
// FILE, for commands such as `mailflow lab` that run until stopped.
func waitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if fi, err := os.Stat(ts.MkAbs(args[0])); err == nil && fi.Size() > 0 {
			return
		}
	}
	ts.Fatalf("%s was not written within 30s", args[0])
}

var schemas = sync.OnceValues(func() (*schemacheck.Schemas, error) {
	return schemacheck.Load(filepath.Join("..", "..", "docs", "schema"))
})

// jsonschema COMMAND FORMAT validates the stdout of the last command, the
// --format FORMAT (json or jsonl) output of mailflow COMMAND, against the
// schemas in docs/schema: every JSON output a script produces is checked,
// not only the fields its stdout patterns name.
func jsonSchema(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: jsonschema COMMAND json|jsonl")
	}
	s, err := schemas()
	if err != nil {
		ts.Fatalf("docs/schema: %v", err)
	}
	if err := s.Output(args[0], args[1], []byte(ts.ReadFile("stdout"))); err != nil {
		ts.Fatalf("stdout does not match the %s %s schema: %v", args[0], args[1], err)
	}
}
