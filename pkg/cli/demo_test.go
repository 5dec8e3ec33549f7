package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/lab"
)

// TestDemo runs the whole demo against a fresh lab: every scenario must end
// with the exit code it declares, so the demo doubles as an end-to-end test
// of every command over the built-in faults.
func TestDemo(t *testing.T) {
	for _, format := range []string{"text", "markdown"} {
		t.Run(format, func(t *testing.T) {
			var out, errOut bytes.Buffer
			io := &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
			if code := Run(io, []string{"demo", "--format", format}); code != 0 {
				t.Fatalf("demo exit %d: %s\n%s", code, errOut.String(), out.String())
			}
			for _, s := range lab.Scenarios() {
				if !strings.Contains(out.String(), "## "+s.Title) {
					t.Errorf("scenario %q missing from the output", s.Title)
				}
			}
			if strings.Contains(out.String(), "\x1b[") {
				t.Error("color escapes in output that is not a terminal")
			}
		})
	}
}
