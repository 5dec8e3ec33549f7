package spf

import (
	"context"
	"fmt"
	"slices"
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

// maxEvaluated bounds the terms one check evaluates. Receivers give up
// after MaxLookups; counting further only tells by how much the policy is
// over, and a hostile tree of includes could otherwise fan out without end.
const maxEvaluated = 100

// Result is what Check found.
type Result struct {
	Domain string `json:"domain"`
	Record string `json:"record,omitempty"`
	// Lookups counts the DNS-querying terms a receiver evaluates, through
	// every include and redirect, each time it is reached.
	Lookups     int `json:"dns_lookups"`
	VoidLookups int `json:"void_lookups"`
	// Costs attributes the lookups to the record's own terms: an include
	// costs itself plus everything below it.
	Costs    []TermCost       `json:"lookup_costs,omitempty"`
	Includes []string         `json:"includes,omitempty"`
	Findings []report.Finding `json:"-"`
}

// TermCost is how many lookups one term of the published record causes.
type TermCost struct {
	Term    string `json:"term"`
	Lookups int    `json:"lookups"`
}

// fetched is the outcome of fetching one domain's record, kept so a domain
// included several times is fetched and judged once.
type fetched struct {
	rec *Record
	txt string
}

type checker struct {
	r       *resolver.Resolver
	res     *Result
	records map[string]fetched
	// path is the chain of includes and redirects being evaluated, to
	// tell a loop from a domain that is merely included twice.
	path []string
	// truncated is set once maxEvaluated terms were counted.
	truncated bool
	looped    map[string]bool
}

// Check fetches and checks the SPF policy of domain, following include and
// redirect to count DNS lookups the way a receiver does.
func Check(ctx context.Context, r *resolver.Resolver, domain string) *Result {
	c := &checker{r: r, res: &Result{Domain: domain}, records: map[string]fetched{}, looped: map[string]bool{}}
	rec, txt := c.fetch(ctx, domain, "")
	if rec != nil {
		c.res.Record = txt
		c.policyFindings(domain, rec)
		c.path = []string{domain}
		for _, t := range c.evaluated(rec) {
			if n := c.term(ctx, domain, t); n > 0 {
				c.res.Costs = append(c.res.Costs, TermCost{Term: t.String(), Lookups: n})
			}
		}
	}
	c.limits(domain)
	return c.res
}

func (c *checker) add(id string, sev report.Severity, subject, msg string, evidence ...string) {
	ck, _ := report.LookupCheck(id)
	c.res.Findings = append(c.res.Findings, ck.Finding(sev, subject, msg, evidence...))
}

// fetch returns the one SPF record of domain; via names the include or
// redirect that led here ("" at the top). Each domain is fetched and
// judged once.
func (c *checker) fetch(ctx context.Context, domain, via string) (*Record, string) {
	if f, ok := c.records[domain]; ok {
		return f.rec, f.txt
	}
	rec, txt := c.fetchOnce(ctx, domain, via)
	c.records[domain] = fetched{rec, txt}
	if rec != nil && via != "" {
		c.includedFindings(domain, via, rec)
	}
	return rec, txt
}

func (c *checker) fetchOnce(ctx context.Context, domain, via string) (*Record, string) {
	a, txts, err := c.r.LookupTXT(ctx, domain)
	if err != nil {
		c.add("spf.lookup_failed", report.Warning, domain, fmt.Sprintf("could not fetch the SPF record of %s: %v", domain, err))
		c.res.Findings[len(c.res.Findings)-1].Incomplete = true
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
		c.add("spf.missing", report.Warning, domain, msg)
		return nil, ""
	case len(spfs) == 0:
		if a.Status == resolver.StatusNXDomain || a.Status == resolver.StatusNoData {
			c.res.VoidLookups++
		}
		c.add("spf.include_no_record", report.Error, domain,
			fmt.Sprintf("%s points at %s, which publishes no SPF record: receivers return permerror and the whole policy fails", via, domain), txts...)
		return nil, ""
	case len(spfs) > 1:
		c.add("spf.multiple", report.Error, domain,
			fmt.Sprintf("%s publishes %d SPF records; receivers treat that as permerror and ignore them all", domain, len(spfs)), spfs...)
		return nil, ""
	}
	rec, err := Parse(spfs[0])
	if err != nil {
		c.add("spf.syntax", report.Error, domain,
			fmt.Sprintf("the SPF record of %s does not parse: %v; receivers return permerror", domain, err), spfs[0])
		return nil, ""
	}
	return rec, spfs[0]
}

func (c *checker) policyFindings(domain string, rec *Record) {
	all, hasAll := rec.All()
	switch {
	case hasAll && all.Qualifier == '+':
		c.add("spf.all_pass", report.Error, domain,
			"the SPF record ends in +all: every host on the internet is authorized to send as this domain", rec.String())
	case hasAll && all.Qualifier == '?':
		c.add("spf.all_neutral", report.Warning, domain,
			"the SPF record ends in ?all: it says nothing about unlisted hosts, so it protects nothing", rec.String())
	case !hasAll && rec.Redirect() == "":
		c.add("spf.no_all", report.Info, domain,
			"the SPF record has neither an all mechanism nor a redirect: unlisted hosts get a neutral result", rec.String())
	}
	c.ptrFindings(domain, "the SPF record", rec)
}

// includedFindings judges a record reached through include or redirect.
// Its "all" decides the whole policy only when it is +all: through an
// include that matches everything, every host passes.
func (c *checker) includedFindings(domain, via string, rec *Record) {
	if all, ok := rec.All(); ok && all.Qualifier == '+' {
		c.add("spf.all_pass", report.Error, domain,
			fmt.Sprintf("%s leads to a record that ends in +all: every host on the internet passes through it, so the policy authorizes everyone", via), rec.String())
	}
	c.ptrFindings(domain, fmt.Sprintf("the record %s leads to", via), rec)
}

func (c *checker) ptrFindings(domain, what string, rec *Record) {
	for _, t := range rec.Terms {
		if t.Name == "ptr" && !t.Modifier {
			c.add("spf.ptr", report.Warning, domain,
				what+" uses the ptr mechanism, which RFC 7208 §5.5 says not to use: it is slow and many receivers skip it", t.String())
		}
	}
}

// evaluated returns the terms a receiver evaluates for lookups: the
// mechanisms and a redirect, which RFC 7208 §6.1 ignores when the record
// has an all mechanism.
func (c *checker) evaluated(rec *Record) []Term {
	_, hasAll := rec.All()
	var out []Term
	for _, t := range rec.Terms {
		if t.Modifier && (t.Name != "redirect" || hasAll) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// term counts the lookups one term causes, following includes and
// redirects, and returns that number.
func (c *checker) term(ctx context.Context, domain string, t Term) int {
	if c.res.Lookups >= maxEvaluated {
		c.truncated = true
		return 0
	}
	switch t.Name {
	case "include", "redirect":
		c.res.Lookups++
		target := strings.ToLower(strings.TrimSuffix(t.Value, "."))
		if strings.Contains(target, "%") {
			return 1 // a macro: its target depends on the message
		}
		if t.Name == "include" && !slices.Contains(c.res.Includes, target) {
			c.res.Includes = append(c.res.Includes, target)
		}
		via := t.Name + ":" + target
		if t.Modifier {
			via = "redirect=" + target
		}
		if slices.Contains(c.path, target) {
			c.loop(domain, via)
			return 1
		}
		sub, _ := c.fetch(ctx, target, via)
		if sub == nil {
			return 1
		}
		c.path = append(c.path, target)
		defer func() { c.path = c.path[:len(c.path)-1] }()
		n := 1
		for _, st := range c.evaluated(sub) {
			n += c.term(ctx, target, st)
		}
		return n
	case "a", "mx", "exists", "ptr":
		c.res.Lookups++
		c.countVoid(ctx, domain, t)
		return 1
	}
	return 0
}

// loop reports an include or redirect chain that returns to a domain on
// it: receivers evaluate it until the lookup limit and fail with permerror.
func (c *checker) loop(domain, via string) {
	key := domain + " " + via
	if c.looped[key] {
		return
	}
	c.looped[key] = true
	chain := strings.Join(append(slices.Clone(c.path), strings.TrimPrefix(strings.TrimPrefix(via, "include:"), "redirect=")), " -> ")
	c.add("spf.include_loop", report.Error, domain,
		fmt.Sprintf("%s in the record of %s leads back to a record already being evaluated: receivers follow the loop until the lookup limit and return permerror", via, domain),
		"chain: "+chain)
}

// countVoid resolves a, mx and exists targets to count void lookups and MX
// names, as receivers do.
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
		c.add("spf.mx_names", report.Error, domain,
			fmt.Sprintf("the mx mechanism for %s yields %d MX names; more than %d is a permerror", target, n, MaxMXNames))
	}
}

func (c *checker) limits(domain string) {
	if c.res.Lookups > MaxLookups {
		count := fmt.Sprint(c.res.Lookups)
		if c.truncated {
			count = fmt.Sprintf("more than %d", maxEvaluated)
		}
		var ev []string
		for _, tc := range c.res.Costs {
			ev = append(ev, fmt.Sprintf("%s: %d", tc.Term, tc.Lookups))
		}
		c.add("spf.too_many_lookups", report.Error, domain,
			fmt.Sprintf("evaluating the SPF policy takes %s DNS lookups; receivers stop at %d with permerror, so the policy fails for everyone", count, MaxLookups), ev...)
	}
	if c.res.VoidLookups > MaxVoidLookups {
		c.add("spf.void_lookups", report.Error, domain,
			fmt.Sprintf("%d lookups in the SPF policy return nothing; receivers fail the policy with permerror after %d (RFC 7208 §4.6.4)", c.res.VoidLookups, MaxVoidLookups))
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
