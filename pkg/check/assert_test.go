package check_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/check"
	"github.com/mailflowkit/mailflow/pkg/dmarc"
	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
	"github.com/mailflowkit/mailflow/pkg/spf"
)

// Sessions as smtpprobe reports them, for judging assertions without a
// network.
var (
	tls13 = &smtpprobe.Result{Connected: true, StartTLSOffered: true,
		TLS:      &smtpprobe.TLSReport{Version: "TLS 1.3", Chain: []smtpprobe.CertInfo{{}}, Trusted: true, NameMatch: true, DaysLeft: 90},
		Relay:    &smtpprobe.RelayResult{Verdict: "refused", Reply: &smtpprobe.Reply{Code: 554, Enhanced: "5.7.1"}},
		Findings: []report.Finding{{ID: "smtp.starttls"}, {ID: "smtp.auth_tls_only"}}}
	tls10 = &smtpprobe.Result{Connected: true, StartTLSOffered: true,
		TLS:      &smtpprobe.TLSReport{Version: "TLS 1.0", Chain: []smtpprobe.CertInfo{{}}, Trusted: true, NameMatch: true, DaysLeft: 10},
		Findings: []report.Finding{{ID: "smtp.starttls"}, {ID: "smtp.tls_version", Severity: report.Warning, Message: "old TLS"}}}
	wrongName = &smtpprobe.Result{Connected: true, StartTLSOffered: true,
		TLS:      &smtpprobe.TLSReport{Version: "TLS 1.2", ServerName: "mx.a.example", Chain: []smtpprobe.CertInfo{{}}, Trusted: true, DaysLeft: 300},
		Relay:    &smtpprobe.RelayResult{Verdict: "open"},
		Findings: []report.Finding{{ID: "smtp.starttls"}, {ID: "smtp.cert_name", Severity: report.Error, Message: "wrong name"}}}
	plain = &smtpprobe.Result{Connected: true, AuthBeforeTLS: []string{"PLAIN"},
		Relay: &smtpprobe.RelayResult{Verdict: "inconclusive"},
		Findings: []report.Finding{{ID: "smtp.starttls", Severity: report.Warning, Message: "no STARTTLS"},
			{ID: "smtp.auth_tls_only", Severity: report.Error, Message: "PLAIN before TLS"}}}
	handshakeFailed = &smtpprobe.Result{Connected: true, StartTLSOffered: true,
		Findings: []report.Finding{{ID: "smtp.starttls"}, {ID: "smtp.tls_handshake", Severity: report.Error, Message: "handshake failed"}}}
	timedOut = &smtpprobe.Result{Findings: []report.Finding{{ID: "smtp.timeout", Severity: report.Error, Incomplete: true, Message: "no answer to banner in time"}}}
	refused  = &smtpprobe.Result{Connected: true, Banner: &smtpprobe.Reply{Code: 554},
		Findings: []report.Finding{{ID: "smtp.banner", Severity: report.Error, Message: "the server refuses this client"}}}
	implicit = &smtpprobe.Result{Connected: true, ImplicitTLS: true, TLS: tls13.TLS}
)

func lists(status dnsbl.Status) *dnsbl.Result {
	lr := dnsbl.ListResult{Zone: "bl.example", Status: status, Err: "timeout"}
	if status == dnsbl.StatusListed {
		lr.Codes = []dnsbl.Code{{Code: netip.MustParseAddr("127.0.0.2")}}
	}
	return &dnsbl.Result{Lists: []dnsbl.ListResult{lr}}
}

func host(name, ip string, s *smtpprobe.Result, d *dnsbl.Result) *check.Host {
	return &check.Host{Host: name, Preference: 10, Address: mx.Address{IP: netip.MustParseAddr(ip)}, SMTP: s, DNSBL: d, Findings: s.Findings}
}

func route(outcome mx.Outcome, targets ...mx.Target) *mx.Result {
	return &mx.Result{Outcome: outcome, Targets: targets}
}

// result is a checked a.example with healthy policies unless changed.
func result(r *mx.Result, hosts ...*check.Host) *check.Result {
	return &check.Result{Domain: "a.example", Route: r, Hosts: hosts,
		SPF:   &spf.Result{Record: "v=spf1 -all"},
		DMARC: &dmarc.Result{Record: "v=DMARC1; p=reject", Policy: "reject"}}
}

func TestEvaluate(t *testing.T) {
	mxA := mx.Target{Host: "mx.a.example", Preference: 10}
	ok := route(mx.OutcomeMX, mxA)
	tests := []struct {
		name string
		spec string // the entry's keys, indented for the entry
		res  *check.Result
		// want lists "assertion subject: verdict" in order; the subject
		// is empty for domain-wide assertions.
		want []string
	}{
		{name: "tls passes", spec: "starttls: true\n    min_tls: \"1.2\"\n    cert_days: 30",
			res:  result(ok, host("mx.a.example", "192.0.2.1", tls13, nil)),
			want: []string{"starttls mx.a.example [192.0.2.1]: pass", "min_tls mx.a.example [192.0.2.1]: pass", "cert_days mx.a.example [192.0.2.1]: pass"}},
		{name: "tls failures", spec: "starttls: true\n    min_tls: \"1.2\"\n    cert_days: 30",
			res: result(ok, host("mx.a.example", "192.0.2.1", tls10, nil), host("mx.a.example", "192.0.2.2", plain, nil), host("mx.a.example", "192.0.2.3", wrongName, nil)),
			want: []string{
				"starttls mx.a.example [192.0.2.1]: pass", "starttls mx.a.example [192.0.2.2]: fail", "starttls mx.a.example [192.0.2.3]: pass",
				"min_tls mx.a.example [192.0.2.1]: fail", "min_tls mx.a.example [192.0.2.2]: fail", "min_tls mx.a.example [192.0.2.3]: pass",
				"cert_days mx.a.example [192.0.2.1]: fail", "cert_days mx.a.example [192.0.2.2]: fail", "cert_days mx.a.example [192.0.2.3]: fail"}},
		{name: "sessions that ended early", spec: "starttls: true",
			res:  result(ok, host("mx.a.example", "192.0.2.1", handshakeFailed, nil), host("mx.a.example", "192.0.2.2", timedOut, nil), host("mx.a.example", "192.0.2.3", refused, nil)),
			want: []string{"starttls mx.a.example [192.0.2.1]: fail", "starttls mx.a.example [192.0.2.2]: skipped", "starttls mx.a.example [192.0.2.3]: fail"}},
		{name: "block lists", spec: "not_listed: [bl.example]",
			res: result(ok, host("mx.a.example", "192.0.2.1", tls13, lists(dnsbl.StatusClean)), host("mx.a.example", "192.0.2.2", tls13, lists(dnsbl.StatusListed)),
				host("mx.a.example", "192.0.2.3", tls13, lists(dnsbl.StatusError)), host("mx.a.example", "192.0.2.4", tls13, nil)),
			want: []string{"not_listed mx.a.example [192.0.2.1]: pass", "not_listed mx.a.example [192.0.2.2]: fail",
				"not_listed mx.a.example [192.0.2.3]: skipped", "not_listed mx.a.example [192.0.2.4]: skipped"}},
		{name: "relay", spec: "no_open_relay: true",
			res: result(ok, host("mx.a.example", "192.0.2.1", tls13, nil), host("mx.a.example", "192.0.2.2", wrongName, nil),
				host("mx.a.example", "192.0.2.3", plain, nil), host("mx.a.example", "192.0.2.4", timedOut, nil)),
			want: []string{"no_open_relay mx.a.example [192.0.2.1]: pass", "no_open_relay mx.a.example [192.0.2.2]: fail",
				"no_open_relay mx.a.example [192.0.2.3]: skipped", "no_open_relay mx.a.example [192.0.2.4]: skipped"}},
		{name: "mx matches", spec: "mx: [\"10 mx.a.example\"]", res: result(ok), want: []string{"mx: pass"}},
		{name: "mx any preference", spec: "mx: [mx.a.example]", res: result(ok), want: []string{"mx: pass"}},
		{name: "mx wrong preference", spec: "mx: [\"20 mx.a.example\"]", res: result(ok), want: []string{"mx: fail"}},
		{name: "mx missing and unexpected", spec: "mx: [mx.b.example]", res: result(ok), want: []string{"mx: fail"}},
		{name: "mx null", spec: "mx: [mx.a.example]", res: result(route(mx.OutcomeNullMX)), want: []string{"mx: fail"}},
		{name: "mx no answer", spec: "mx: [mx.a.example]", res: result(route(mx.OutcomeUnchecked)), want: []string{"mx: skipped"}},
		{name: "no host to probe", spec: "starttls: true", res: result(route(mx.OutcomeNullMX)), want: []string{"starttls: fail"}},
		{name: "no answer, no host", spec: "starttls: true", res: result(route(mx.OutcomeUnchecked)), want: []string{"starttls: skipped"}},
		{name: "policies pass", spec: "spf: true\n    dmarc: true\n    dmarc_policy: quarantine", res: result(ok),
			want: []string{"spf: pass", "dmarc: pass", "dmarc_policy: pass"}},
		{name: "policies missing or weak", spec: "spf: true\n    dmarc: true\n    dmarc_policy: quarantine",
			res: func() *check.Result {
				r := result(ok)
				r.SPF = &spf.Result{Findings: []report.Finding{{ID: "spf.missing", Severity: report.Warning, Message: "no SPF"}}}
				r.DMARC = &dmarc.Result{Record: "v=DMARC1; p=none", Policy: "none", Findings: []report.Finding{{ID: "dmarc.policy_none", Severity: report.Info}}}
				return r
			}(),
			want: []string{"spf: fail", "dmarc: pass", "dmarc_policy: fail"}},
		{name: "policy lookups failed", spec: "spf: true\n    dmarc_policy: reject",
			res: func() *check.Result {
				r := result(ok)
				r.SPF = &spf.Result{Findings: []report.Finding{{ID: "spf.lookup_failed", Severity: report.Warning, Incomplete: true}}}
				r.DMARC = &dmarc.Result{Findings: []report.Finding{{ID: "dmarc.lookup_failed", Severity: report.Warning, Incomplete: true}}}
				return r
			}(),
			want: []string{"spf: skipped", "dmarc_policy: skipped"}},
		{name: "broken SPF record", spec: "spf: true",
			res: func() *check.Result {
				r := result(ok)
				r.SPF = &spf.Result{Record: "v=spf1 +all", Findings: []report.Finding{{ID: "spf.all_pass", Severity: report.Error}}}
				return r
			}(),
			want: []string{"spf: fail"}},
		{name: "submission", spec: "no_auth_before_tls: [\"smtp.a.example:587\", \"smtp.a.example:465\", \"smtp.b.example:587\", \"gone.a.example:587\", \"slow.a.example:587\"]",
			res: func() *check.Result {
				r := result(ok)
				r.Submit = []*check.Submission{
					{Target: "smtp.a.example:587", SMTP: plain},
					{Target: "smtp.a.example:465", SMTP: implicit},
					{Target: "smtp.b.example:587", SMTP: tls13},
					{Target: "gone.a.example:587", Findings: []report.Finding{{ID: "check.submission", Severity: report.Error, Message: "no address"}}},
					{Target: "slow.a.example:587", Findings: []report.Finding{{ID: "check.submission", Severity: report.Warning, Incomplete: true, Message: "timeout"}}},
				}
				return r
			}(),
			want: []string{"no_auth_before_tls smtp.a.example:587: fail", "no_auth_before_tls smtp.a.example:465: pass", "no_auth_before_tls smtp.b.example:587: pass",
				"no_auth_before_tls gone.a.example:587: fail", "no_auth_before_tls slow.a.example:587: skipped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := check.LoadSpec("s.yaml", []byte("version: 1\ndomains:\n  - domain: a.example\n    "+tt.spec+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range s.Domains[0].Evaluate(tt.res) {
				verdict := "fail"
				switch {
				case a.Pass:
					verdict = "pass"
				case a.Skipped != "":
					verdict = "skipped"
				}
				got = append(got, strings.TrimSpace(a.Name+" "+a.Subject)+": "+verdict)
				if a.Domain != "a.example" || !strings.HasPrefix(a.Source, "s.yaml:") {
					t.Errorf("%s: domain %q, source %q", a.Name, a.Domain, a.Source)
				}
				if verdict == "fail" && (a.Want == "" || a.Got == "" || a.Fix == "") {
					t.Errorf("%s: a failure needs want, got and fix: %+v", a.Name, a)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// A failed assertion carries the findings that explain it, and its
// finding points at the spec line.
func TestAssertionFinding(t *testing.T) {
	s, err := check.LoadSpec("s.yaml", []byte("version: 1\ndomains:\n  - domain: a.example\n    starttls: true\n    min_tls: \"1.2\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := result(route(mx.OutcomeMX), host("mx.a.example", "192.0.2.1", plain, nil), host("mx.a.example", "192.0.2.2", timedOut, nil))
	as := s.Domains[0].Evaluate(res)
	tests := []struct {
		i          int
		id         string
		sev        report.Severity
		incomplete bool
		line       int
		evidence   string
	}{
		{0, "check.spec.starttls", report.Error, false, 4, "smtp.starttls: no STARTTLS"},
		{1, "check.spec.starttls", report.Warning, true, 4, "smtp.timeout: no answer to banner in time"},
		{2, "check.spec.min_tls", report.Error, false, 5, "smtp.starttls: no STARTTLS"},
	}
	for _, tt := range tests {
		f := as[tt.i].Finding()
		if f.ID != tt.id || f.Severity != tt.sev || f.Incomplete != tt.incomplete || f.Location == nil || f.Location.Line != tt.line {
			t.Errorf("%d: got %s %s incomplete=%v at %+v", tt.i, f.ID, f.Severity, f.Incomplete, f.Location)
		}
		if len(f.Evidence) == 0 || f.Evidence[0] != tt.evidence {
			t.Errorf("%d: evidence %q, want %q first", tt.i, f.Evidence, tt.evidence)
		}
	}
	if got := as[0].Finding().Subject; got != "mx.a.example [192.0.2.1]" {
		t.Errorf("subject %q", got)
	}
}

func TestSuite(t *testing.T) {
	fs := []report.Finding{
		{ID: "a.ok", Severity: report.OK, Subject: "x"},
		{ID: "a.info", Severity: report.Info},
		{ID: "a.warn", Severity: report.Warning, Message: "careful"},
		{ID: "a.err", Severity: report.Error, Message: "broken", Evidence: []string{"seen"}, Fix: "mend it", Ref: "RFC 1"},
		{ID: "a.unchecked", Severity: report.Warning, Incomplete: true, Message: "timeout"},
	}
	tests := []struct {
		failOn               report.Severity
		failures, skipped    []string
		firstName, firstText string
	}{
		{report.Error, []string{"broken"}, []string{"timeout"}, "a.ok x", "seen\nfix: mend it\nsee: RFC 1"},
		{report.Warning, []string{"careful", "broken"}, []string{"timeout"}, "a.ok x", ""},
	}
	for _, tt := range tests {
		s := check.Suite("a.example", fs, tt.failOn)
		var failures, skipped []string
		for _, c := range s.Cases {
			if c.Failure != "" {
				failures = append(failures, c.Failure)
			}
			if c.Skipped != "" {
				skipped = append(skipped, c.Skipped)
			}
			if c.Classname != "mailflow.check.a.example" {
				t.Errorf("classname %q", c.Classname)
			}
		}
		if s.Name != "a.example" || len(s.Cases) != len(fs) || s.Cases[0].Name != tt.firstName {
			t.Errorf("suite %q with %d cases, first %q", s.Name, len(s.Cases), s.Cases[0].Name)
		}
		if strings.Join(failures, "|") != strings.Join(tt.failures, "|") || strings.Join(skipped, "|") != strings.Join(tt.skipped, "|") {
			t.Errorf("fail-on %s: failures %q skipped %q", tt.failOn, failures, skipped)
		}
		if tt.firstText != "" && s.Cases[3].Details != tt.firstText {
			t.Errorf("details %q, want %q", s.Cases[3].Details, tt.firstText)
		}
	}
}

// The lab's demo spec: the healthy domain passes every assertion, the
// listed one fails exactly the block-list assertion.
func TestEvaluateAgainstLab(t *testing.T) {
	s, err := check.LoadSpec("lab.yaml", []byte(theLab.CheckSpec()))
	if err != nil {
		t.Fatal(err)
	}
	var targets []check.Target
	for _, d := range s.Domains {
		targets = append(targets, check.Target{Domain: d.Domain, Submission: d.NoAuthBeforeTLS})
	}
	o := labOptions(t)
	o.Lists, err = s.Lists()
	if err != nil {
		t.Fatal(err)
	}
	o.Probe.RelayTest = true
	results, err := check.Run(context.Background(), labResolver(t), targets, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, wantFailed := range []string{"", "not_listed mx.listed.lab.test [127.0.0.14]"} {
		var failed []string
		for _, a := range s.Domains[i].Evaluate(results[i]) {
			if !a.Pass {
				failed = append(failed, a.Name+" "+a.Subject)
			}
		}
		if strings.Join(failed, ", ") != wantFailed {
			t.Errorf("%s: failed %q, want %q", s.Domains[i].Domain, failed, wantFailed)
		}
	}
}
