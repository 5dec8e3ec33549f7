// Package dmarc parses DMARC policy records (RFC 7489, with the np= tag of
// RFC 9091) and checks the policy that applies to a domain: the record at
// _dmarc.<domain> or, when there is none, the one of its organizational
// domain found with the public suffix list; only one record, v=DMARC1
// first, a valid p=, the subdomain policies sp= and np=, pct=, the
// alignment modes, and whether external report destinations agreed to
// receive the reports (RFC 7489 §7.1).
//
// It does not evaluate messages against the policy (no SPF or DKIM
// results, no alignment of real identifiers) and sends no reports.
package dmarc

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Record is a parsed DMARC record.
type Record struct {
	Tags map[string]string `json:"tags"`
	// Order keeps tags as published, for evidence.
	Order []string `json:"-"`
	// Unknown lists tags this parser does not know; RFC 7489 §6.3 tells
	// receivers to ignore them, so they are not an error.
	Unknown []string `json:"unknown,omitempty"`
}

// Policy returns p=, lower case.
func (r *Record) Policy() string { return strings.ToLower(r.Tags["p"]) }

// SubdomainPolicy is what applies to subdomains: sp=, else p= (RFC 7489
// §6.3).
func (r *Record) SubdomainPolicy() string {
	if sp, ok := r.Tags["sp"]; ok {
		return strings.ToLower(sp)
	}
	return r.Policy()
}

// NonexistentPolicy is what applies to subdomains that do not exist:
// np=, else the subdomain policy (RFC 9091 §4.1).
func (r *Record) NonexistentPolicy() string {
	if np, ok := r.Tags["np"]; ok {
		return strings.ToLower(np)
	}
	return r.SubdomainPolicy()
}

// Percent is pct=, 100 when absent.
func (r *Record) Percent() int {
	if v, ok := r.Tags["pct"]; ok {
		n, _ := strconv.Atoi(v) // Parse validated it
		return n
	}
	return 100
}

// Alignment returns adkim= and aspf=, "r" (relaxed) when absent.
func (r *Record) Alignment() (dkim, spf string) {
	dkim, spf = "r", "r"
	if v, ok := r.Tags["adkim"]; ok {
		dkim = v
	}
	if v, ok := r.Tags["aspf"]; ok {
		spf = v
	}
	return dkim, spf
}

// ReportURI is one destination of rua= or ruf=.
type ReportURI struct {
	Tag string `json:"tag"` // rua or ruf
	URI string `json:"uri"`
	// Address is the mailbox of a mailto: URI, without the size limit.
	Address string `json:"address"`
	// Domain is the domain of Address, lower case.
	Domain string `json:"domain"`
	// Authorized says whether a destination outside the policy's
	// organizational domain agreed to receive the reports (RFC 7489 §7.1):
	// nil when no authorization is needed or it could not be looked up.
	Authorized *bool `json:"authorized,omitempty"`
}

// Reports returns the rua= and ruf= destinations in order.
func (r *Record) Reports() []ReportURI {
	var out []ReportURI
	for _, tag := range []string{"rua", "ruf"} {
		v, ok := r.Tags[tag]
		if !ok {
			continue
		}
		for _, u := range strings.Split(v, ",") {
			// Parse validated every URI.
			ru, _ := parseReportURI(tag, strings.TrimSpace(u))
			out = append(out, ru)
		}
	}
	return out
}

// IsDMARC reports whether a TXT string claims to be a DMARC record.
func IsDMARC(txt string) bool {
	v, _, _ := strings.Cut(txt, ";")
	k, val, ok := strings.Cut(v, "=")
	return ok && strings.EqualFold(strings.TrimSpace(k), "v") && strings.EqualFold(strings.TrimSpace(val), "DMARC1")
}

var policies = map[string]bool{"none": true, "quarantine": true, "reject": true}

// policyRank orders policies by strength, for comparing p= with sp= and np=.
var policyRank = map[string]int{"none": 0, "quarantine": 1, "reject": 2}

// Weaker reports whether policy a lets more through than policy b.
func Weaker(a, b string) bool { return policyRank[a] < policyRank[b] }

// Parse parses and validates a DMARC record (RFC 7489 §6.3, §6.4).
func Parse(txt string) (*Record, error) {
	r := &Record{Tags: map[string]string{}}
	for _, part := range strings.Split(txt, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("tag %q has no value (want name=value)", part)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		// The first tag, not the first ";"-separated part, must be the
		// version: a leading ";" is no excuse for a record without it.
		if len(r.Order) == 0 && (k != "v" || v != "DMARC1") {
			return nil, fmt.Errorf("record must start with v=DMARC1, not %q", part)
		}
		if _, dup := r.Tags[k]; dup {
			return nil, fmt.Errorf("tag %q appears twice", k)
		}
		known, err := checkTag(k, v)
		if err != nil {
			return nil, err
		}
		if !known {
			r.Unknown = append(r.Unknown, k)
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
	if len(r.Order) < 2 || r.Order[1] != "p" {
		return nil, fmt.Errorf("p=%s must come right after v=DMARC1", p)
	}
	return r, nil
}

// checkTag validates one tag's value; known is false for a tag this
// parser does not know, which receivers ignore.
func checkTag(k, v string) (known bool, err error) {
	switch k {
	case "v":
	case "p", "sp", "np":
		if !policies[strings.ToLower(v)] {
			return true, fmt.Errorf("%s=%s: want none, quarantine or reject", k, v)
		}
	case "adkim", "aspf":
		if v != "r" && v != "s" {
			return true, fmt.Errorf("%s=%s: want r (relaxed) or s (strict)", k, v)
		}
	case "pct":
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 || len(v) > 3 {
			return true, fmt.Errorf("pct=%s: want a whole number from 0 to 100", v)
		}
	case "ri":
		if n, err := strconv.ParseUint(v, 10, 32); err != nil || n == 0 {
			return true, fmt.Errorf("ri=%s: want a positive number of seconds", v)
		}
	case "fo":
		for _, o := range strings.Split(v, ":") {
			if o != "0" && o != "1" && o != "d" && o != "s" {
				return true, fmt.Errorf("fo=%s: options are 0, 1, d and s separated by colons", v)
			}
		}
	case "rf":
		for _, f := range strings.Split(v, ":") {
			if !strings.EqualFold(f, "afrf") {
				return true, fmt.Errorf("rf=%s: the only report format is afrf", v)
			}
		}
	case "rua", "ruf":
		for _, u := range strings.Split(v, ",") {
			if _, err := parseReportURI(k, strings.TrimSpace(u)); err != nil {
				return true, err
			}
		}
	case "psd", "t":
		// DMARCbis tags: psd=y|n|u marks a public suffix domain, t=y|n
		// is testing mode. Known, so they are not reported as unknown.
		ok := v == "y" || v == "n" || (k == "psd" && v == "u")
		if !ok {
			return true, fmt.Errorf("%s=%s: want y or n", k, v)
		}
	default:
		return false, nil
	}
	return true, nil
}

// parseReportURI reads "mailto:addr[!size]" (RFC 7489 §6.2): receivers
// must support mailto:, and the authorization check of §7.1 needs the
// destination's domain.
func parseReportURI(tag, u string) (ReportURI, error) {
	ru := ReportURI{Tag: tag, URI: u}
	scheme, rest, ok := strings.Cut(u, ":")
	if !ok || !strings.EqualFold(scheme, "mailto") {
		return ru, fmt.Errorf("%s=%s: each destination must be a mailto: URI", tag, u)
	}
	addr := rest
	if i := strings.LastIndexByte(rest, '!'); i >= 0 {
		addr = rest[:i]
		if !validSize(rest[i+1:]) {
			return ru, fmt.Errorf("%s: size limit %q is not a number with an optional k, m, g or t", u, rest[i+1:])
		}
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr {
		return ru, fmt.Errorf("%s=%s: %q is not a mail address", tag, u, addr)
	}
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	n, err := resolver.ParseName(domain)
	if err != nil {
		return ru, fmt.Errorf("%s=%s: %v", tag, u, err)
	}
	ru.Address, ru.Domain = addr, n.ASCII
	return ru, nil
}

func validSize(s string) bool {
	s = strings.ToLower(s)
	if s != "" && strings.ContainsRune("kmgt", rune(s[len(s)-1])) {
		s = s[:len(s)-1]
	}
	if s == "" || len(s) > 15 {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}
