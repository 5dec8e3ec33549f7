package cli

import (
	"fmt"
	"strconv"

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
access is needed. The demo exits 0 when every command ran; the commands' own
exit codes are listed at the end.`,
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
				failed := 0
				for _, s := range lab.Scenarios() {
					argv := append(s.Args(l), "--format", e.Format, "--color", colorFlag(e))
					fmt.Fprintf(w, "%s\n%s\n\n", st.Bold("## "+s.Title), st.Faint("$ mailflow "+shellJoin(s.Args(l))))
					code := Run(e.IO, argv)
					if code == report.ExitUsage {
						failed++
					}
					summary.Rows = append(summary.Rows, []string{s.Title, strconv.Itoa(code) + " (" + report.StatusName(code) + ")"})
					fmt.Fprintln(w)
				}
				fmt.Fprintln(w, st.Bold("## Demo summary"))
				report.WriteTable(w, summary, "  ")
				if failed > 0 {
					return fmt.Errorf("%d demo commands failed with a usage error", failed)
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
