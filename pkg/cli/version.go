package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Stamped in by scripts/build.sh and the release build with -ldflags -X
// (see .goreleaser.yaml). Without them, a `go build` in a clone still names
// its commit: Go stamps vcs.* build settings unless -buildvcs=false.
var (
	version  = ""
	commit   = ""
	date     = "" // commit time, RFC 3339 UTC: reproducible, unlike the clock
	modified = "" // "true" when built from a tree with uncommitted changes
)

// build is what `mailflow version` reports.
type build struct {
	version  string
	commit   string
	date     string
	modified bool
}

// readBuild combines the -ldflags values with the build information the
// Go toolchain embeds; values given explicitly win.
func readBuild() build {
	b := build{version: version, commit: commit, date: date, modified: modified == "true"}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if b.version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.version = bi.Main.Version
	}
	if b.commit != "" {
		return b
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.time":
			b.date = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// Version is the release version, the module version of a `go install`
// build or a VCS-stamped build, or "devel".
func Version() string {
	if v := readBuild().version; v != "" {
		return v
	}
	return "devel"
}

// versionString is one line for bug reports: what was built, from which
// commit and when that was committed, with which Go, for which platform.
func versionString() string {
	b := readBuild()
	v := b.version
	if v == "" {
		v = "devel"
	}
	parts := []string{"commit unknown"}
	if b.commit != "" {
		parts[0] = "commit " + shortCommit(b.commit)
		if b.modified {
			parts[0] += " with local changes"
		}
	}
	if b.date != "" {
		parts = append(parts, "committed "+b.date)
	}
	parts = append(parts, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("mailflow %s (%s)", v, strings.Join(parts, ", "))
}

// shortCommit keeps the first 12 hex digits, which git accepts and which
// stay unique in any repository of this size.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func init() {
	register(func(e *Env) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print version, commit and Go version",
			Long: `Print mailflow's version, the commit it was built from (with "with local
changes" when the tree had uncommitted edits) and that commit's date, the Go
version and the platform: the line to paste into a bug report.

A release archive and scripts/build.sh stamp these in; a plain go build in a
clone has them from Go's VCS stamping (unless -buildvcs=false).`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				_, err := fmt.Fprintln(e.IO.Out, versionString())
				return err
			}),
		}
	})
}
