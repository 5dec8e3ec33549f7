// Command gendocs writes mailflow's man pages and Markdown command reference
// from the cobra command tree, so the docs always say what the binary does.
//
// Run it from the repository root after changing a command or flag:
//
//	go run ./scripts/gendocs
//
// It writes docs/man/*.1 and docs/reference/*.md, replacing the pages of
// commands that no longer exist. Output is reproducible (fixed date, no
// "auto generated" stamp, no environment-dependent defaults), which is what
// lets scripts/check-docs.sh compare a fresh run with the checked-in files.
// It does not write the hand-written pages in docs/.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/mailflowkit/mailflow/pkg/cli"
)

// manDate is stamped into every man page header. A fixed date keeps the
// pages byte-identical between runs and machines; bump it when the pages
// change meaningfully.
var manDate = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

func main() {
	manDir := flag.String("man", filepath.Join("docs", "man"), "directory for the man pages")
	mdDir := flag.String("md", filepath.Join("docs", "reference"), "directory for the Markdown reference")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "gendocs: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*manDir, *mdDir); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

func run(manDir, mdDir string) error {
	root := newRoot()
	if err := prepare(manDir, "*.1"); err != nil {
		return err
	}
	if err := prepare(mdDir, "*.md"); err != nil {
		return err
	}
	header := &doc.GenManHeader{Date: &manDate, Source: "mailflow", Manual: "mailflow manual"}
	if err := doc.GenManTree(root, header, manDir); err != nil {
		return fmt.Errorf("man pages in %s: %w", manDir, err)
	}
	if err := doc.GenMarkdownTree(root, mdDir); err != nil {
		return fmt.Errorf("markdown reference in %s: %w", mdDir, err)
	}
	return nil
}

// newRoot builds the command tree the way the binary does, but with an
// environment that reads nothing from the developer's shell, so flag
// defaults cannot leak into the generated pages.
func newRoot() *cobra.Command {
	env := &cli.Env{IO: &cli.IOStreams{
		In:     strings.NewReader(""),
		Out:    io.Discard,
		ErrOut: io.Discard,
		Getenv: func(string) string { return "" },
	}}
	root := cli.NewRoot(env)
	// Cobra adds the completion command and the --version flag only when
	// the binary runs; add them now so the pages show them too.
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()
	disableAutoGenTag(root)
	return root
}

func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}

// prepare makes dir exist and removes the pages a previous run generated,
// so a removed or renamed command leaves no stale page behind. Only files
// named like generated pages are touched.
func prepare(dir, pattern string) error {
	if parent := filepath.Dir(filepath.Clean(dir)); parent != "." {
		if _, err := os.Stat(parent); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s does not exist (run gendocs from the repository root)", parent)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "mailflow"+pattern))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return nil
}
