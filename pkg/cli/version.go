package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the release build (-ldflags -X); otherwise read from build info.
var (
	version = ""
	commit  = ""
)

// Version is the release version, or the module version for `go install`
// builds, or "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func buildCommit() string {
	if commit != "" {
		return commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}

func versionString() string {
	return fmt.Sprintf("mailflow %s (commit %s, %s, %s/%s)", Version(), buildCommit(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func init() {
	register(func(e *Env) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print version, commit and Go version",
			Args:  cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				_, err := fmt.Fprintln(e.IO.Out, versionString())
				return err
			}),
		}
	})
}
