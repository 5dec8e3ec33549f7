package serve

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mailflowkit/mailflow/pkg/dnsbl"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// The metrics of a /probe answer. Labels hold only bounded values that
// come from the DNS or the check registry after validation (host names,
// addresses, list zones, check IDs, TLS versions), never free text such
// as a banner or a finding's message.
var (
	descSuccess = prometheus.NewDesc("mailflow_probe_success",
		"1 when the diagnosis found nothing at or above the module's fail_on severity and every check could be made, else 0.", nil, nil)
	descDuration = prometheus.NewDesc("mailflow_probe_duration_seconds",
		"How long the probe took.", nil, nil)
	descExit = prometheus.NewDesc("mailflow_probe_exit_code",
		"The exit code the command would have ended with: 0 fine, 1 a problem was found, 3 a check could not be made.", nil, nil)
	descFindings = prometheus.NewDesc("mailflow_findings",
		"Findings of the probe by check ID and severity (ok, info, warning, error; unchecked when the check could not be made).", []string{"id", "severity"}, nil)

	descMXTargets = prometheus.NewDesc("mailflow_mx_targets",
		"MX targets of the domain; the implicit MX counts as one.", nil, nil)
	descMXUsable = prometheus.NewDesc("mailflow_mx_route_usable",
		"1 when a sender has an MX target with an address to deliver to that is not this MTA, else 0.", nil, nil)

	hostLabels     = []string{"host", "ip"}
	descSMTPUp     = prometheus.NewDesc("mailflow_smtp_up", "1 when the SMTP server greeted with a 2xx banner, else 0.", hostLabels, nil)
	descGreetDelay = prometheus.NewDesc("mailflow_smtp_greeting_delay_seconds",
		"Time from connect to the server's banner.", hostLabels, nil)
	descStartTLS = prometheus.NewDesc("mailflow_smtp_starttls_offered",
		"1 when the server offered STARTTLS in its plain-text EHLO reply, else 0.", hostLabels, nil)
	descTLSVersion = prometheus.NewDesc("mailflow_smtp_tls_version_info",
		"The TLS version negotiated, as the version label.", append(slices.Clone(hostLabels), "version"), nil)
	descAuthBeforeTLS = prometheus.NewDesc("mailflow_smtp_auth_before_tls",
		"1 when the server offered AUTH on the plain-text session, else 0.", hostLabels, nil)
	descCertNotAfter = prometheus.NewDesc("mailflow_smtp_cert_not_after_timestamp_seconds",
		"When the server's certificate expires, in seconds since the Unix epoch.", hostLabels, nil)
	descOpenRelay = prometheus.NewDesc("mailflow_smtp_open_relay",
		"1 when the server relayed between reserved domains in the relay test, 0 when it refused; absent when not tested or inconclusive.", hostLabels, nil)

	listLabels      = []string{"zone", "checked"}
	descListed      = prometheus.NewDesc("mailflow_dnsbl_listed", "1 when the address or name is listed on the block list, 0 when it is not; absent when the list could not be checked.", listLabels, nil)
	descAllowListed = prometheus.NewDesc("mailflow_dnsbl_allowlisted", "1 when the address or name is on the allow-list, 0 when it is not; absent when the list could not be checked.", listLabels, nil)
)

// verdict is a gauge for a check that can pass: 1 when its findings are
// all ok or info, 0 when one is a warning or an error, absent when the
// probe did not report the check or could not complete it. The gauge for
// a new check, such as DANE verification of a session or an MTA-STS
// policy, is one more entry in verdicts.
type verdict struct {
	// ids are check IDs or whole namespaces ("mtasts" covers mtasts.*).
	ids  []string
	desc *prometheus.Desc
}

func newVerdict(name, help string, ids ...string) verdict {
	return verdict{ids: ids, desc: prometheus.NewDesc(name, help+" (checks "+strings.Join(ids, ", ")+"; absent when not reported).", nil, nil)}
}

func (v verdict) covers(id string) bool {
	for _, p := range v.ids {
		if id == p || strings.HasPrefix(id, p+".") {
			return true
		}
	}
	return false
}

var verdicts = []verdict{
	newVerdict("mailflow_dane_ok", "1 when DANE is in effect and the server's certificate matches its TLSA records, or DANE is not published; 0 when TLSA records are published but do not match or senders ignore them", "mx.dane", "dane"),
	newVerdict("mailflow_mta_sts_ok", "1 when the MTA-STS record and policy are valid and cover every MX, or MTA-STS is not published; 0 when something fails", "mtasts"),
	newVerdict("mailflow_tls_rpt_ok", "1 when the TLS-RPT record is well formed or absent, 0 when it is malformed or ambiguous", "tlsrpt"),
	newVerdict("mailflow_dnssec_ok", "1 when no answer on the mail route is bogus, 0 when DNSSEC validation fails for one", "dnssec"),
}

// sample is one value of a metric.
type sample struct {
	desc   *prometheus.Desc
	value  float64
	labels []string
}

// gauges collects the samples of one probe. A metric and label set is
// kept once (the first value), so hosts met twice cannot break the answer.
type gauges struct {
	samples []sample
	seen    map[string]bool
}

func (g *gauges) add(d *prometheus.Desc, v float64, labels ...string) {
	key := d.String() + "\x00" + strings.Join(labels, "\x00")
	if g.seen == nil {
		g.seen = map[string]bool{}
	}
	if g.seen[key] {
		return
	}
	g.seen[key] = true
	g.samples = append(g.samples, sample{desc: d, value: v, labels: labels})
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (g *gauges) probe(o *Outcome) {
	g.add(descSuccess, bit(o.Success()))
	g.add(descDuration, o.Duration.Seconds())
	g.add(descExit, float64(o.Exit))
}

// findings counts the findings by registered check ID and severity.
func (g *gauges) findings(fs []report.Finding) {
	counts := map[[2]string]int{}
	var order [][2]string
	for _, f := range fs {
		id := "unregistered"
		if c, ok := report.LookupCheck(f.ID); ok {
			id = c.ID
		}
		sev := f.Severity.String()
		if f.Incomplete {
			sev = "unchecked"
		}
		k := [2]string{id, sev}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	for _, k := range order {
		g.add(descFindings, float64(counts[k]), k[0], k[1])
	}
}

func (g *gauges) verdicts(fs []report.Finding) {
	for _, v := range verdicts {
		seen, ok := false, true
		for _, f := range fs {
			if !v.covers(f.ID) {
				continue
			}
			if f.Incomplete {
				seen = false
				break
			}
			seen, ok = true, ok && f.Severity <= report.Info
		}
		if seen {
			g.add(v.desc, bit(ok))
		}
	}
}

// route describes an MX route.
func (g *gauges) route(res *mx.Result) {
	if res == nil || res.Outcome == mx.OutcomeUnchecked {
		return
	}
	g.add(descMXTargets, float64(len(res.Targets)))
	usable := false
	if res.Outcome == mx.OutcomeMX || res.Outcome == mx.OutcomeImplicit {
		for _, t := range res.Targets {
			usable = usable || (!t.Self && !t.Dropped && len(t.Addrs) > 0)
		}
	}
	g.add(descMXUsable, bit(usable))
}

// session describes one SMTP session with host at ip.
func (g *gauges) session(r *smtpprobe.Result, host, ip string) {
	if r == nil {
		return
	}
	greeted := r.Banner != nil && r.Banner.Code/100 == 2
	g.add(descSMTPUp, bit(greeted), host, ip)
	if r.Banner != nil {
		g.add(descGreetDelay, r.BannerDelay/1000, host, ip)
	}
	if r.ExtensionsBeforeTLS != nil { // a plain-text EHLO was answered
		g.add(descStartTLS, bit(r.StartTLSOffered), host, ip)
		g.add(descAuthBeforeTLS, bit(len(r.AuthBeforeTLS) > 0), host, ip)
	}
	if r.TLS != nil {
		g.add(descTLSVersion, 1, host, ip, r.TLS.Version)
		if len(r.TLS.Chain) > 0 {
			g.add(descCertNotAfter, float64(r.TLS.Chain[0].NotAfter.Unix()), host, ip)
		}
	}
	if r.Relay != nil && r.Relay.Verdict != "inconclusive" {
		g.add(descOpenRelay, bit(r.Relay.Verdict == "open"), host, ip)
	}
}

// lists describes a block-list result, one sample per list and address
// or name looked up.
func (g *gauges) lists(res *dnsbl.Result) {
	for _, lr := range res.Lists {
		if lr.Status != dnsbl.StatusClean && lr.Status != dnsbl.StatusListed {
			continue
		}
		d := descListed
		if lr.Allow {
			d = descAllowListed
		}
		g.add(d, bit(lr.Status == dnsbl.StatusListed), lr.Zone, lr.Checked())
	}
}

// probeCollector hands a probe's samples to a registry.
type probeCollector []sample

// Describe sends nothing: the samples' metrics depend on the probe, which
// makes this an unchecked collector.
func (probeCollector) Describe(chan<- *prometheus.Desc) {}

func (c probeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, s.value, s.labels...)
	}
}
