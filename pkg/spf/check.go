package spf

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// RFC 7208 §4.6.4 limits.
const (
	MaxLookups     = 10 // terms that cause DNS queries
	MaxVoidLookups = 2  // queries answered NXDOMAIN or with no records
	MaxMXNames     = 10 // MX names looked up for one "mx" mechanism
)

// Result is what Check found.
type Result struct {
	Domain      string           `json:"domain"`
	Record      string           `json:"record,omitempty"`
	Lookups     int              `json:"dns_lookups"`
	VoidLookups int              `json:"void_lookups"`
	Includes    []string         `json:"includes,omitempty"`
	Findings    []report.Finding `json:"-"`
}

type checker struct {
	r       *resolver.Resolver
	res     *Result
	visited map[string]bool
}

// Check fetches and checks the SPF policy of domain, following include and
// redirect to count DNS lookups the way a receiver will.
func Check(ctx context.Context, r *resolver.Resolver, domain string) *Result {
	c := &checker{r: r, res: &Result{Domain: domain}, visited: map[string]bool{}}
	rec, txt := c.fetch(ctx, domain, "")
	if rec != nil {
		c.res.Record = txt
		c.policyFindings(domain, rec)
		c.walk(ctx, domain, rec, 0)
	}
	c.limits(domain)
	return c.res
}

func (c *checker) add(f report.Finding) {
	if f.Ref == "" {
		f.Ref = "RFC 7208"
	}
	c.res.Findings = append(c.res.Findings, f)
}

// fetch returns the one SPF record of domain; via names the include or
// redirect that led here ("" at the top).
func (c *checker) fetch(ctx context.Context, domain, via string) (*Record, string) {
	a, txts, err := c.r.LookupTXT(ctx, domain)
	if err != nil {
		c.add(report.Finding{ID: "spf.lookup_failed", Severity: report.Warning, Subject: domain, Incomplete: true,
			Message: fmt.Sprintf("could not fetch the SPF record of %s: %v", domain, err),
			Fix:     "Receivers treat a DNS failure here as a temporary error (temperror); make the domain's nameservers answer."})
		return nil, ""
	}
	var spfs []string
	for _, t := range txts {
		if IsSPF(t) {
			spfs = append(spfs, t)
		}
	}
	switch {
	case len(spfs) == 0 && via == "":
		msg := fmt.Sprintf("%s publishes no SPF record", domain)
		if a.Status == resolver.StatusNXDomain {
			msg = fmt.Sprintf("%s does not exist (NXDOMAIN), so it has no SPF record", domain)
		}
		c.add(report.Finding{ID: "spf.missing", Severity: report.Warning, Subject: domain, Message: msg,
			Fix: "Publish one TXT record starting with v=spf1 that lists every host that sends as this domain, ending in -all or ~all; large receivers reject or junk unauthenticated mail."})
		return nil, ""
	case len(spfs) == 0:
		c.add(report.Finding{ID: "spf.include_no_record", Severity: report.Error, Subject: domain,
			Message:  fmt.Sprintf("%s points at %s, which publishes no SPF record: receivers return permerror and the whole policy fails", via, domain),
			Evidence: txts,
			Fix:      "Remove the include/redirect or correct the domain name; the provider's documentation names the right one."})
		return nil, ""
	case len(spfs) > 1:
		c.add(report.Finding{ID: "spf.multiple", Severity: report.Error, Subject: domain,
			Message: fmt.Sprintf("%s publishes %d SPF records; receivers treat that as permerror and ignore them all", domain, len(spfs)), Evidence: spfs,
			Fix: "Merge them into one record: combine the mechanisms and keep a single all at the end."})
		return nil, ""
	}
	rec, err := Parse(spfs[0])
	if err != nil {
		c.add(report.Finding{ID: "spf.syntax", Severity: report.Error, Subject: domain,
			Message: fmt.Sprintf("the SPF record of %s does not parse: %v; receivers return permerror", domain, err), Evidence: []string{spfs[0]},
			Fix: "Correct the record; every term must be a known mechanism or name=value modifier."})
		return nil, ""
	}
	return rec, spfs[0]
}

func (c *checker) policyFindings(domain string, rec *Record) {
	all, hasAll := rec.All()
	switch {
	case hasAll && all.Qualifier == '+':
		c.add(report.Finding{ID: "spf.all_pass", Severity: report.Error, Subject: domain,
			Message: "the SPF record ends in +all: every host on the internet is authorized to send as this domain", Evidence: []string{rec.String()},
			Fix: "End the record with -all (or ~all while you confirm the list of senders)."})
	case hasAll && all.Qualifier == '?':
		c.add(report.Finding{ID: "spf.all_neutral", Severity: report.Warning, Subject: domain,
			Message: "the SPF record ends in ?all: it says nothing about unlisted hosts, so it protects nothing", Evidence: []string{rec.String()},
			Fix: "End the record with -all or ~all."})
	case !hasAll && rec.Redirect() == "":
		c.add(report.Finding{ID: "spf.no_all", Severity: report.Info, Subject: domain,
			Message: "the SPF record has neither an all mechanism nor a redirect: unlisted hosts get a neutral result", Evidence: []string{rec.String()},
			Fix: "End the record with -all or ~all."})
	}
	for _, t := range rec.Terms {
		if t.Name == "ptr" && !t.Modifier {
			c.add(report.Finding{ID: "spf.ptr", Severity: report.Warning, Subject: domain,
				Message: "the SPF record uses the ptr mechanism, which RFC 7208 §5.5 says not to use: it is slow and many receivers skip it", Evidence: []string{t.String()},
				Fix: "Replace ptr with ip4/ip6 or a mechanisms for the sending hosts."})
		}
	}
}

// walk counts lookups through the record and what it includes.
func (c *checker) walk(ctx context.Context, domain string, rec *Record, depth int) {
	if c.visited[domain] || depth > MaxLookups {
		return
	}
	c.visited[domain] = true
	for _, t := range rec.Terms {
		if t.Modifier && t.Name != "redirect" {
			continue
		}
		switch t.Name {
		case "include":
			c.res.Lookups++
			target := strings.ToLower(strings.TrimSuffix(t.Value, "."))
			if strings.Contains(target, "%") {
				continue // macros depend on the message; nothing more to count statically
			}
			c.res.Includes = append(c.res.Includes, target)
			if sub, _ := c.fetch(ctx, target, "include:"+target); sub != nil {
				c.walk(ctx, target, sub, depth+1)
			}
		case "redirect":
			if _, hasAll := rec.All(); hasAll {
				continue // RFC 7208 §6.1: redirect is ignored when all is present
			}
			c.res.Lookups++
			target := strings.ToLower(strings.TrimSuffix(t.Value, "."))
			if strings.Contains(target, "%") {
				continue
			}
			if sub, _ := c.fetch(ctx, target, "redirect="+target); sub != nil {
				c.walk(ctx, target, sub, depth+1)
			}
		case "a", "mx", "exists", "ptr":
			c.res.Lookups++
			c.countVoid(ctx, domain, t)
		}
	}
}

// countVoid resolves a and mx targets to count void lookups and MX names,
// as receivers do.
func (c *checker) countVoid(ctx context.Context, domain string, t Term) {
	target, _ := splitCIDR(t.Value)
	if target == "" {
		target = domain
	}
	if strings.Contains(target, "%") || t.Name == "ptr" {
		return
	}
	qtype := dns.TypeA
	if t.Name == "mx" {
		qtype = dns.TypeMX
	}
	a, err := c.r.Query(ctx, target, qtype)
	if err != nil {
		return
	}
	if t.Name == "a" && a.Status == resolver.StatusNoData {
		// An a mechanism matches on AAAA too: only void if both are empty.
		if b, err := c.r.Query(ctx, target, dns.TypeAAAA); err == nil && b.Status == resolver.StatusOK {
			return
		}
	}
	if a.Status == resolver.StatusNXDomain || a.Status == resolver.StatusNoData {
		c.res.VoidLookups++
	}
	if n := len(resolver.Records[*dns.MX](a)); t.Name == "mx" && n > MaxMXNames {
		c.add(report.Finding{ID: "spf.mx_names", Severity: report.Error, Subject: domain,
			Message: fmt.Sprintf("the mx mechanism for %s yields %d MX names; more than %d is a permerror", target, n, MaxMXNames),
			Fix:     "List the sending hosts with ip4/ip6 instead of mx."})
	}
}

func (c *checker) limits(domain string) {
	if c.res.Lookups > MaxLookups {
		c.add(report.Finding{ID: "spf.too_many_lookups", Severity: report.Error, Subject: domain,
			Message:  fmt.Sprintf("evaluating the SPF policy takes %d DNS lookups; receivers stop at %d with permerror, so the policy fails for everyone", c.res.Lookups, MaxLookups),
			Evidence: []string{"includes: " + strings.Join(c.res.Includes, ", ")},
			Fix:      "Remove includes you no longer use, replace a/mx with ip4/ip6, or ask providers for a narrower include."})
	}
	if c.res.VoidLookups > MaxVoidLookups {
		c.add(report.Finding{ID: "spf.void_lookups", Severity: report.Error, Subject: domain,
			Message: fmt.Sprintf("%d lookups in the SPF policy return nothing; receivers may fail the policy after %d", c.res.VoidLookups, MaxVoidLookups),
			Fix:     "Remove mechanisms that point at names without records."})
	}
}

// String renders the record back in canonical form.
func (r *Record) String() string {
	parts := []string{"v=spf1"}
	for _, t := range r.Terms {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, " ")
}
