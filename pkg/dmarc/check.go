package dmarc

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// maxReportChecks bounds the authorization lookups one record can cause:
// a hostile record may list hundreds of destinations, receivers send to a
// couple.
const maxReportChecks = 8

// Result is what Check found.
type Result struct {
	Domain string `json:"domain"`
	// OrgDomain is the organizational domain (RFC 7489 §3.2), from the
	// public suffix list.
	OrgDomain string `json:"org_domain,omitempty"`
	// Source is the domain whose record applies: Domain itself or, when it
	// publishes none, OrgDomain.
	Source string `json:"source,omitempty"`
	Record string `json:"record,omitempty"`
	// Policy is what receivers do with failing mail from Domain: p= of its
	// own record, or the subdomain policy of the organizational domain's.
	Policy string `json:"policy,omitempty"`
	// SubdomainPolicy and NonexistentPolicy are what the record asks for
	// subdomains of Source and for subdomains that do not exist.
	SubdomainPolicy   string `json:"subdomain_policy,omitempty"`
	NonexistentPolicy string `json:"nonexistent_policy,omitempty"`
	// Percent is pct=: the share of failing mail the policy applies to.
	Percent *int `json:"pct,omitempty"`
	// ADKIM and ASPF are the alignment modes: r (relaxed) or s (strict).
	ADKIM    string           `json:"adkim,omitempty"`
	ASPF     string           `json:"aspf,omitempty"`
	Reports  []ReportURI      `json:"reports,omitempty"`
	Findings []report.Finding `json:"-"`
}

// OrgDomain returns the organizational domain of domain: one label more
// than its public suffix. A name that is itself a public suffix is its own
// organizational domain.
func OrgDomain(domain string) string {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	org, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		return domain
	}
	return org
}

type checker struct {
	r   *resolver.Resolver
	res *Result
	mu  sync.Mutex
}

// finding builds a finding about the checked domain with the registered
// reference and fix of id.
func (c *checker) finding(id string, sev report.Severity, msg string, evidence ...string) report.Finding {
	ck, _ := report.LookupCheck(id)
	return ck.Finding(sev, c.res.Domain, msg, evidence...)
}

// add records a finding; report destinations are checked concurrently.
func (c *checker) add(id string, sev report.Severity, msg string, evidence ...string) {
	c.addFinding(c.finding(id, sev, msg, evidence...))
}

func (c *checker) addFinding(f report.Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Findings = append(c.res.Findings, f)
}

// unchecked records a check the DNS did not let us make.
func (c *checker) unchecked(id, msg string) {
	f := c.finding(id, report.Warning, msg)
	f.Incomplete = true
	c.addFinding(f)
}

// Check fetches and validates the DMARC policy that applies to domain,
// falling back to the organizational domain's record as receivers do
// (RFC 7489 §6.6.3).
func Check(ctx context.Context, r *resolver.Resolver, domain string) *Result {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	c := &checker{r: r, res: &Result{Domain: domain, OrgDomain: OrgDomain(domain)}}
	res := c.res
	records, ok := c.lookup(ctx, domain)
	if !ok {
		return res
	}
	source := domain
	if len(records) == 0 && res.OrgDomain != domain {
		if records, ok = c.lookup(ctx, res.OrgDomain); !ok {
			return res
		}
		source = res.OrgDomain
	}
	switch {
	case len(records) == 0:
		msg := fmt.Sprintf("no DMARC record at _dmarc.%s", domain)
		if res.OrgDomain != domain {
			msg += fmt.Sprintf(" nor at its organizational domain _dmarc.%s", res.OrgDomain)
		}
		c.add("dmarc.missing", report.Warning, msg)
		return res
	case len(records) > 1:
		c.add("dmarc.multiple", report.Error,
			fmt.Sprintf("%d DMARC records at _dmarc.%s: receivers ignore them all (RFC 7489 §6.6.3)", len(records), source), records...)
		return res
	}
	res.Source, res.Record = source, records[0]
	rec, err := Parse(records[0])
	if err != nil {
		c.add("dmarc.syntax", report.Error, fmt.Sprintf("the DMARC record at _dmarc.%s does not parse: %v", source, err), records...)
		return res
	}
	c.describe(rec)
	if source != domain {
		c.add("dmarc.inherited", report.Info,
			fmt.Sprintf("%s publishes no DMARC record of its own: receivers apply the record of its organizational domain %s, with its subdomain policy %s", domain, source, res.Policy),
			"_dmarc."+source+" TXT "+records[0])
	}
	c.judgePolicy(rec, source)
	c.checkReports(ctx, rec, source)
	return res
}

// lookup returns the DMARC records at _dmarc.<name>; ok is false when the
// lookup failed, which it reports.
func (c *checker) lookup(ctx context.Context, name string) ([]string, bool) {
	_, txts, err := c.r.LookupTXT(ctx, "_dmarc."+name)
	if err != nil {
		c.unchecked("dmarc.lookup_failed", fmt.Sprintf("could not fetch _dmarc.%s: %v", name, err))
		return nil, false
	}
	var recs []string
	for _, t := range txts {
		if IsDMARC(t) {
			recs = append(recs, t)
		}
	}
	return recs, true
}

// describe fills in the result's view of the record.
func (c *checker) describe(rec *Record) {
	res := c.res
	res.Policy = rec.Policy()
	if res.Source != res.Domain {
		res.Policy = rec.SubdomainPolicy()
	}
	res.SubdomainPolicy, res.NonexistentPolicy = rec.SubdomainPolicy(), rec.NonexistentPolicy()
	pct := rec.Percent()
	res.Percent = &pct
	res.ADKIM, res.ASPF = rec.Alignment()
	res.Reports = rec.Reports()
}

// judgePolicy reports what the policy leaves unprotected.
func (c *checker) judgePolicy(rec *Record, source string) {
	res := c.res
	ev := "_dmarc." + source + " TXT " + res.Record
	if res.Policy == "none" {
		c.add("dmarc.policy_none", report.Info,
			"the DMARC policy that applies is none: receivers only report, they do not act on failures", ev)
	}
	if pct := rec.Percent(); pct < 100 && res.Policy != "none" {
		msg := fmt.Sprintf("the policy applies to only %d%% of failing mail; receivers treat the rest with the next weaker policy", pct)
		if pct == 0 {
			msg = fmt.Sprintf("pct=0: the %s policy applies to no failing mail at all; receivers treat it all with the next weaker policy", res.Policy)
		}
		c.add("dmarc.partial", report.Info, msg, ev)
	}
	// Only the organizational domain's own record speaks for subdomains.
	if source == res.Domain && source == res.OrgDomain {
		p := rec.Policy()
		if sp := rec.SubdomainPolicy(); Weaker(sp, p) {
			c.add("dmarc.subdomain_policy", report.Info,
				fmt.Sprintf("subdomains of %s get sp=%s, weaker than p=%s: mail forged from any.%s is treated more leniently", source, sp, p, source), ev)
		} else if np := rec.NonexistentPolicy(); Weaker(np, p) {
			c.add("dmarc.subdomain_policy", report.Info,
				fmt.Sprintf("subdomains of %s that do not exist get np=%s, weaker than p=%s: forgers can invent subdomain names (RFC 9091)", source, np, p), ev)
		}
	}
	if dkim, spf := rec.Alignment(); dkim == "s" || spf == "s" {
		var strict []string
		if dkim == "s" {
			strict = append(strict, "adkim=s (the DKIM d= domain must equal the From domain)")
		}
		if spf == "s" {
			strict = append(strict, "aspf=s (the envelope sender's domain must equal the From domain)")
		}
		c.add("dmarc.strict_alignment", report.Info,
			"strict alignment: "+strings.Join(strict, ", ")+"; mail signed or bounced through a subdomain (bounces.example.com, a provider's d=mail.example.com) fails DMARC", ev)
	}
	for _, t := range rec.Unknown {
		c.add("dmarc.unknown_tag", report.Info,
			fmt.Sprintf("the record has a tag receivers do not know, %s=; they ignore it (RFC 7489 §6.3)", t), ev)
	}
	if _, ok := rec.Tags["rua"]; !ok {
		c.add("dmarc.no_rua", report.Info, "the record has no rua= tag: nobody receives aggregate reports, so failures go unseen", ev)
	}
}

// checkReports asks every report destination outside the policy's
// organizational domain whether it accepts the reports: without a
// v=DMARC1 record at <source>._report._dmarc.<destination>, receivers drop
// them (RFC 7489 §7.1).
func (c *checker) checkReports(ctx context.Context, rec *Record, source string) {
	org := OrgDomain(source)
	var wg sync.WaitGroup
	checked := map[string]bool{}
	for i := range c.res.Reports {
		ru := &c.res.Reports[i]
		if OrgDomain(ru.Domain) == org || checked[ru.Domain] || len(checked) == maxReportChecks {
			continue
		}
		checked[ru.Domain] = true
		wg.Go(func() { c.authorize(ctx, source, ru) })
	}
	wg.Wait()
	// Destinations listed twice share the first one's answer.
	for i := range c.res.Reports {
		for j := range i {
			if c.res.Reports[j].Domain == c.res.Reports[i].Domain {
				c.res.Reports[i].Authorized = c.res.Reports[j].Authorized
			}
		}
	}
}

func (c *checker) authorize(ctx context.Context, source string, ru *ReportURI) {
	name := source + "._report._dmarc." + ru.Domain
	a, txts, err := c.r.LookupTXT(ctx, name)
	if err != nil {
		c.unchecked("dmarc.report_auth", fmt.Sprintf("could not check whether %s accepts DMARC reports for %s: %v", ru.Domain, source, err))
		return
	}
	ok := false
	for _, t := range txts {
		ok = ok || IsDMARC(t)
	}
	ru.Authorized = &ok
	if ok {
		c.add("dmarc.report_auth", report.OK, fmt.Sprintf("%s accepts %s reports for %s (%s)", ru.Domain, ru.Tag, source, name))
		return
	}
	what := strings.ToUpper(a.Status.String())
	if a.Status == resolver.StatusOK {
		what = "no v=DMARC1 record"
	}
	c.add("dmarc.report_auth", report.Warning,
		fmt.Sprintf("%s=%s sends reports outside %s, but %s has not agreed to receive them (%s: %s): receivers drop these reports", ru.Tag, ru.URI, OrgDomain(source), ru.Domain, name, what))
}
