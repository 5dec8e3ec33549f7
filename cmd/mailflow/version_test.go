package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A binary built from a clone must say which commit it is, both ways the
// docs offer: a plain go build (Go's VCS stamping) and scripts/build.sh
// (-ldflags -X, for environments with GOFLAGS=-buildvcs=false). A bug
// report quoting `mailflow version` is worthless without it.
func TestVersionNamesCommit(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to check the version stamping of builds from a clone")
	}
	head := strings.TrimSpace(run(t, root, nil, "git", "rev-parse", "HEAD"))
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(head) {
		t.Fatalf("git rev-parse HEAD = %q", head)
	}
	stamp := regexp.MustCompile(`\(commit ` + head[:12] + `( with local changes)?, committed \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, go`)
	bin := filepath.Join(t.TempDir(), "mailflow")

	t.Run("go build", func(t *testing.T) {
		// Go stamps only where .git is a directory; a git worktree has a
		// .git file, so build from a fresh clone of the same commit there.
		dir := root
		if fi, err := os.Stat(filepath.Join(root, ".git")); err != nil || !fi.IsDir() {
			dir = filepath.Join(t.TempDir(), "clone")
			run(t, root, nil, "git", "clone", "-q", "--no-checkout", root, dir)
			run(t, dir, nil, "git", "checkout", "-q", head)
		}
		run(t, dir, []string{"GOFLAGS="}, goTool(t), "build", "-trimpath", "-buildvcs=true", "-o", bin, "./cmd/mailflow")
		if out := run(t, dir, nil, bin, "version"); !stamp.MatchString(out) {
			t.Errorf("mailflow version = %q, want the commit %s and its date", out, head[:12])
		}
	})
	t.Run("scripts/build.sh", func(t *testing.T) {
		run(t, root, []string{"GOFLAGS=-buildvcs=false"}, filepath.Join(root, "scripts", "build.sh"), "-o", bin)
		if out := run(t, root, nil, bin, "version"); !stamp.MatchString(out) {
			t.Errorf("mailflow version = %q, want the commit %s and its date", out, head[:12])
		}
	})
}

// goTool is the go command on PATH, the one that runs this test.
func goTool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("the go command is not on PATH")
	}
	return p
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
