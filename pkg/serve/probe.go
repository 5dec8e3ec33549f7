package serve

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/check"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// maxTarget bounds a target parameter: a domain name is at most 253
// octets, and anything much longer is not a target.
const maxTarget = 512

// Target is a /probe target, validated for the module's command.
type Target struct {
	// Input is the target exactly as given.
	Input string
	// key names what the target reaches (domain, host or address), for
	// the per-target limit: "@example.org" and "example.org" share one.
	key    string
	domain string
	smtp   smtpprobe.Target
	dnsbl  dnsbl.Target
}

// ParseTarget validates a target for the module: a domain for mx and
// check; host[:port], an IP address or @domain for smtp; an IP address or
// a host or domain name for dnsbl.
func (m *Module) ParseTarget(s string) (Target, error) {
	t := Target{Input: s}
	switch {
	case s == "":
		return t, errors.New("empty target")
	case len(s) > maxTarget:
		return t, fmt.Errorf("target longer than %d bytes", maxTarget)
	}
	switch m.Command {
	case "mx", "check":
		n, err := mx.ParseDomain(s)
		if err != nil {
			return t, fmt.Errorf("module %s wants a mail domain: %v", m.Name, err)
		}
		t.domain, t.key = n.ASCII, n.ASCII
	case "smtp":
		st, err := smtpprobe.ParseTarget(s)
		switch {
		case err != nil:
			return t, fmt.Errorf("module %s wants host[:port], an IP address or @domain: %v", m.Name, err)
		case st.Recipient != "":
			return t, fmt.Errorf("module %s: target %q names a recipient; give @%s (the module's to: sets recipients)", m.Name, s, st.Domain)
		}
		t.smtp, t.key = st, st.Domain+st.Host
	case "dnsbl":
		dt, err := dnsbl.ParseTarget(s)
		switch {
		case err != nil:
			return t, fmt.Errorf("module %s wants an IP address or a host name: %v", m.Name, err)
		case dt.Kind == dnsbl.TargetRange:
			return t, fmt.Errorf("module %s: %s is a range; probe one address per target", m.Name, s)
		}
		t.dnsbl, t.key = dt, strings.ToLower(dt.String())
	}
	return t, nil
}

// Outcome is one probe's result.
type Outcome struct {
	// ID numbers the probes of a server, for links to their findings.
	ID       uint64
	Module   *Module
	Target   string
	Started  time.Time
	Duration time.Duration
	Findings []report.Finding
	// Exit is the exit code the command would have had under the
	// module's fail_on; 0 is a successful probe.
	Exit   int
	Report *report.Report

	samples []sample
}

// Success says the probe found nothing at or above fail_on and every
// check could be made.
func (o *Outcome) Success() bool { return o.Exit == report.ExitOK }

// Probe runs the module's diagnosis of t until ctx ends. It never fails:
// what could not be checked is in the findings, as for the command.
func (m *Module) Probe(ctx context.Context, t Target) *Outcome {
	started := time.Now()
	rep := &report.Report{Command: m.Command, Targets: []string{t.Input}, Started: started, Resolver: m.r.String()}
	var g gauges
	switch m.Command {
	case "mx":
		res, err := mx.Route(ctx, m.r, t.domain, m.mx)
		if err != nil { // ParseTarget validated the domain
			rep.Findings = []report.Finding{internalFinding(t.Input, err)}
			break
		}
		rep.Sections, rep.Findings, rep.Summary = res.Sections(), res.Findings, res.Domain.String()+": "+res.Brief()
		g.route(res)
	case "smtp":
		rr := smtpprobe.Run(ctx, m.r, t.smtp, m.smtp)
		rep.Sections, rep.Findings = rr.Sections(false), rr.AllFindings()
		var lines []string
		for _, res := range rr.Results {
			lines = append(lines, res.Target+": "+res.Brief())
			g.session(res, res.Host, res.IP)
		}
		rep.Summary = strings.Join(lines, "\n")
		if rr.Route != nil {
			g.route(rr.Route)
		}
	case "dnsbl":
		res, err := dnsbl.Check(ctx, m.r, t.dnsbl.Input, dnsbl.Options{Lists: m.lists, Limiter: m.limiter})
		if err != nil {
			rep.Findings = []report.Finding{internalFinding(t.Input, err)}
			break
		}
		rep.Findings = res.Findings
		rep.Summary = res.Target + ": " + res.Verdict.String()
		if on := res.ListedOn(); len(on) > 0 {
			rep.Summary += " on " + strings.Join(on, ", ")
		}
		g.lists(res)
	case "check":
		results, err := check.Run(ctx, m.r, []check.Target{{Domain: t.domain}}, m.check)
		if err != nil {
			rep.Findings = []report.Finding{internalFinding(t.Input, err)}
			break
		}
		res := results[0]
		rep.Sections = append([]report.Section{{Title: "Summary", Table: check.SummaryTable(results)}}, res.Sections()...)
		rep.Findings, rep.Summary = res.Findings, res.Domain+": "+res.Verdict()
		g.route(res.Route)
		for _, h := range res.Hosts {
			g.session(h.SMTP, h.Host, h.Address.IP.String())
			if h.DNSBL != nil {
				g.lists(h.DNSBL)
			}
		}
	}
	rep.Duration = time.Since(started)
	out := &Outcome{Module: m, Target: t.Input, Started: started, Duration: rep.Duration, Findings: rep.Findings, Report: rep}
	out.Exit = report.ExitCode(out.Findings, m.FailOn)
	g.verdicts(out.Findings)
	g.findings(out.Findings)
	g.probe(out)
	out.samples = g.samples
	return out
}

// internalFinding reports an error a capability package returned for input
// the module had already validated: a bug, shown rather than hidden.
func internalFinding(subject string, err error) report.Finding {
	return report.Finding{ID: "serve.probe", Severity: report.Error, Incomplete: true, Subject: subject,
		Message: "the probe could not run: " + err.Error(), Fix: "report this as a mailflow bug, with the module and target"}
}

func init() {
	report.Register(report.Check{ID: "serve.probe", Ref: "docs/serve.md"})
}
