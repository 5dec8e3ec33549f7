package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/report"
)

func init() {
	register(func(e *Env) *cobra.Command {
		return &cobra.Command{
			Use:   "demo",
			Short: "Start the built-in lab, run every diagnosis against it and show the results",
			Long: `Start the built-in lab on loopback, run each mailflow command against its
seeded faults, print what each one reports, and stop the lab. No internet
access is needed. Each scenario knows the exit code its command must end
with (most show a fault, so 1); the demo lists them at the end and exits 1
when any command ended otherwise, which makes it a self-test of mailflow.`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				if err := e.RequireFormat("text", "markdown"); err != nil {
					return err
				}
				l, err := lab.Start(lab.Options{})
				if err != nil {
					return err
				}
				defer l.Close()
				st := report.NewStyler(!e.NoColor && e.IO.ColorEnabled(e.Color))
				w := e.IO.Out
				fmt.Fprintf(w, "%s\n\n", st.Bold(fmt.Sprintf("mailflow lab: DNS %s, SMTP port %d", l.DNSAddr, l.SMTPPort)))
				summary := &report.Table{Header: []string{"Scenario", "Exit"}}
				var unexpected []string
				for _, s := range lab.Scenarios() {
					args := s.Args(l)
					fmt.Fprintf(w, "%s\n%s\n\n", st.Bold("## "+s.Title), st.Faint("$ mailflow "+report.ShellJoin(args)))
					code := Run(e.IO, append(args, "--format", e.Format, "--color", colorFlag(e)))
					exit := strconv.Itoa(code) + " (" + report.StatusText(code) + ")"
					if code != s.Exit {
						exit += fmt.Sprintf(", expected %d", s.Exit)
						unexpected = append(unexpected, fmt.Sprintf("%q exited %d, expected %d", s.Title, code, s.Exit))
					}
					summary.Rows = append(summary.Rows, []string{s.Title, exit})
					fmt.Fprintln(w)
				}
				fmt.Fprintln(w, st.Bold("## Demo summary"))
				report.WriteTable(w, summary, "  ")
				if len(unexpected) > 0 {
					return fmt.Errorf("%d of %d demo scenarios ended unexpectedly: %s", len(unexpected), len(summary.Rows), strings.Join(unexpected, "; "))
				}
				return nil
			}),
		}
	})
}

func colorFlag(e *Env) string {
	if e.NoColor {
		return "never"
	}
	return e.Color
}
