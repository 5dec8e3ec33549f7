// Package dmarc parses DMARC policy records (RFC 7489) and checks the one a
// domain publishes at _dmarc.<domain>: present, only one, v=DMARC1 first,
// a valid p= and well-formed optional tags.
//
// It does not look up the organizational domain (that needs the public
// suffix list) and does not evaluate messages against the policy.
package dmarc

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Record is a parsed DMARC record.
type Record struct {
	Tags map[string]string `json:"tags"`
	// Order keeps tags as published, for evidence.
	Order []string `json:"-"`
}

// Policy returns p=.
func (r *Record) Policy() string { return r.Tags["p"] }

// IsDMARC reports whether a TXT string claims to be a DMARC record.
func IsDMARC(txt string) bool {
	v, _, _ := strings.Cut(txt, ";")
	k, val, ok := strings.Cut(v, "=")
	return ok && strings.EqualFold(strings.TrimSpace(k), "v") && strings.EqualFold(strings.TrimSpace(val), "DMARC1")
}

var policies = map[string]bool{"none": true, "quarantine": true, "reject": true}

// Parse parses and validates a DMARC record (RFC 7489 §6.3, §6.4).
func Parse(txt string) (*Record, error) {
	r := &Record{Tags: map[string]string{}}
	for i, part := range strings.Split(txt, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("tag %q has no value (want name=value)", part)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if i == 0 && (k != "v" || v != "DMARC1") {
			return nil, fmt.Errorf("record must start with v=DMARC1, not %q", part)
		}
		if _, dup := r.Tags[k]; dup {
			return nil, fmt.Errorf("tag %q appears twice", k)
		}
		if err := checkTag(k, v); err != nil {
			return nil, err
		}
		r.Tags[k] = v
		r.Order = append(r.Order, k)
	}
	if len(r.Order) == 0 {
		return nil, fmt.Errorf("empty record")
	}
	p, ok := r.Tags["p"]
	if !ok {
		return nil, fmt.Errorf("no p= tag: the policy is required and must follow v=DMARC1")
	}
	if r.Order[1] != "p" {
		return nil, fmt.Errorf("p=%s must come right after v=DMARC1", p)
	}
	return r, nil
}

func checkTag(k, v string) error {
	switch k {
	case "v":
	case "p", "sp":
		if !policies[strings.ToLower(v)] {
			return fmt.Errorf("%s=%s: want none, quarantine or reject", k, v)
		}
	case "adkim", "aspf":
		if v != "r" && v != "s" {
			return fmt.Errorf("%s=%s: want r (relaxed) or s (strict)", k, v)
		}
	case "pct":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return fmt.Errorf("pct=%s: want a whole number from 0 to 100", v)
		}
	case "ri":
		if n, err := strconv.ParseUint(v, 10, 32); err != nil || n == 0 {
			return fmt.Errorf("ri=%s: want a positive number of seconds", v)
		}
	case "fo":
		for _, o := range strings.Split(v, ":") {
			if o != "0" && o != "1" && o != "d" && o != "s" {
				return fmt.Errorf("fo=%s: options are 0, 1, d and s separated by colons", v)
			}
		}
	case "rf":
		if !strings.EqualFold(v, "afrf") {
			return fmt.Errorf("rf=%s: the only report format is afrf", v)
		}
	case "rua", "ruf":
		for _, u := range strings.Split(v, ",") {
			u = strings.TrimSpace(u)
			if !strings.HasPrefix(strings.ToLower(u), "mailto:") || !strings.Contains(u, "@") {
				return fmt.Errorf("%s=%s: each address must be a mailto: URI", k, v)
			}
		}
	default:
		return fmt.Errorf("unknown tag %q", k)
	}
	return nil
}

// Result is what Check found.
type Result struct {
	Domain   string           `json:"domain"`
	Record   string           `json:"record,omitempty"`
	Policy   string           `json:"policy,omitempty"`
	Findings []report.Finding `json:"-"`
}

// Check fetches and validates the DMARC record of domain.
func Check(ctx context.Context, r *resolver.Resolver, domain string) *Result {
	res := &Result{Domain: domain}
	name := "_dmarc." + domain
	add := func(f report.Finding) {
		f.Subject, f.Ref = domain, "RFC 7489"
		res.Findings = append(res.Findings, f)
	}
	_, txts, err := r.LookupTXT(ctx, name)
	if err != nil {
		add(report.Finding{ID: "dmarc.lookup_failed", Severity: report.Warning, Incomplete: true,
			Message: fmt.Sprintf("could not fetch %s: %v", name, err)})
		return res
	}
	var recs []string
	for _, t := range txts {
		if IsDMARC(t) {
			recs = append(recs, t)
		}
	}
	switch {
	case len(recs) == 0:
		add(report.Finding{ID: "dmarc.missing", Severity: report.Warning,
			Message: fmt.Sprintf("no DMARC record at %s", name),
			Fix:     "Publish a TXT record at _dmarc.<domain>, starting with v=DMARC1; p=none; rua=mailto:... to collect reports, then tighten to quarantine or reject; bulk senders must publish one for the large mailbox providers."})
		return res
	case len(recs) > 1:
		add(report.Finding{ID: "dmarc.multiple", Severity: report.Error, Evidence: recs,
			Message: fmt.Sprintf("%d DMARC records at %s: receivers ignore them all (RFC 7489 §6.6.3)", len(recs), name),
			Fix:     "Keep exactly one record."})
		return res
	}
	res.Record = recs[0]
	rec, err := Parse(recs[0])
	if err != nil {
		add(report.Finding{ID: "dmarc.syntax", Severity: report.Error, Evidence: recs,
			Message: fmt.Sprintf("the DMARC record does not parse: %v", err),
			Fix:     "Correct the record: v=DMARC1 first, then p=none|quarantine|reject, then optional tags."})
		return res
	}
	res.Policy = rec.Policy()
	if rec.Policy() == "none" {
		add(report.Finding{ID: "dmarc.policy_none", Severity: report.Info, Evidence: recs,
			Message: "the DMARC policy is p=none: receivers only report, they do not act on failures",
			Fix:     "Once reports show every legitimate source passing, move to p=quarantine and then p=reject."})
	}
	if pct, ok := rec.Tags["pct"]; ok && pct != "100" && rec.Policy() != "none" {
		add(report.Finding{ID: "dmarc.partial", Severity: report.Info, Evidence: recs,
			Message: fmt.Sprintf("the policy applies to only %s%% of failing mail", pct)})
	}
	return res
}
