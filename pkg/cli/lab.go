package cli

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/report"
)

type labOptions struct {
	dnsAddr  string
	smtpPort int
	stsPort  int
	caOut    string
}

func init() {
	register(func(e *Env) *cobra.Command {
		o := &labOptions{}
		cmd := &cobra.Command{
			Use:   "lab",
			Short: "Serve the built-in lab (DNS, SMTP, DNSBL with seeded faults) on loopback",
			Long: `Start the built-in lab in the foreground: an authoritative DNS server, SMTP
servers, a DNS block list and an HTTPS host serving MTA-STS policies on
127.0.0.0/8, seeded with the faults that break mail flow in the field. It
prints the lab's hosts and the commands that point mailflow at it, then
serves until interrupted (Ctrl-C).

The examples in docs/ expect the lab on fixed ports, with its CA (new on
every start) copied to ca.pem in docs/examples, where they run.`,
			Example: `  mailflow lab
  cd docs/examples && mailflow lab --dns-addr 127.0.0.1:5300 --smtp-port 2525 --mta-sts-port 8443 --ca-out ca.pem`,
			Args: cobra.NoArgs,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				l, err := lab.Start(lab.Options{DNSAddr: o.dnsAddr, SMTPPort: o.smtpPort, MTASTSPort: o.stsPort})
				if err != nil {
					return err
				}
				defer l.Close()
				// Listen for Ctrl-C before anything announces the lab, so a
				// script that waits for --ca-out can stop it at once.
				ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
				defer stop()
				if o.caOut != "" {
					// The CA is new on every start; the copy lets examples
					// name it (--ca-file ca.pem) instead of a temporary path.
					if err := os.WriteFile(o.caOut, l.CA.PEM(), 0o644); err != nil {
						return Inputf("--ca-out: %v", err)
					}
				}
				printLab(e, l)
				<-ctx.Done()
				fmt.Fprintln(e.IO.ErrOut, "mailflow: lab stopped")
				return nil
			}),
		}
		cmd.Flags().StringVar(&o.dnsAddr, "dns-addr", "127.0.0.1:0", "address for the lab DNS server (UDP and TCP)")
		cmd.Flags().IntVar(&o.smtpPort, "smtp-port", 0, "port for every lab SMTP host (0 picks a free one)")
		cmd.Flags().IntVar(&o.stsPort, "mta-sts-port", 0, "HTTPS port of the lab's MTA-STS policy host (0 picks a free one)")
		cmd.Flags().StringVar(&o.caOut, "ca-out", "", "also write the lab CA certificate (PEM) to this file, for --ca-file")
		return cmd
	})
}

func printLab(e *Env, l *lab.Lab) {
	w := e.IO.Out
	fmt.Fprintf(w, "mailflow lab is up (DNS %s, SMTP port %d, MTA-STS policy host port %d, CA %s)\n\n", l.DNSAddr, l.SMTPPort, l.MTASTSPort, l.CAFile)
	fmt.Fprintln(w, "Hosts:")
	for _, h := range l.Hosts {
		fmt.Fprintf(w, "  %-38s %-11s %s\n", h.Name, h.IP, h.Fault)
	}
	fmt.Fprintln(w, "\nDNS faults:")
	for _, f := range lab.DNSFaults() {
		fmt.Fprintf(w, "  %-38s %-11s %s\n", f.Name, f.Type, f.Fault)
	}
	fmt.Fprintln(w, "\nTry:")
	for _, s := range lab.Scenarios() {
		fmt.Fprintf(w, "  mailflow %s\n", report.ShellJoin(s.Args(l)))
	}
	fmt.Fprintln(w, "\nPress Ctrl-C to stop.")
}
