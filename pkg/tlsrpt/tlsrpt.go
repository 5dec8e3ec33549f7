// Package tlsrpt parses and checks the TLS-RPT record (SMTP TLS Reporting,
// RFC 8460) a domain publishes at _smtp._tls.<domain>: one record,
// v=TLSRPTv1 first, and rua= destinations that are mailto: or https: URIs
// senders can deliver reports to.
//
// It does not fetch, send or read reports.
package tlsrpt

import (
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/tagrec"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Record is a parsed TLS-RPT record.
type Record struct {
	// RUA are the report destinations in order.
	RUA []string `json:"rua"`
	// Extensions are further name=value fields, which senders ignore.
	Extensions []string `json:"extensions,omitempty"`
}

const version = "v=TLSRPTv1"

// IsRecord reports whether a TXT string is a TLS-RPT record: senders
// discard every TXT record at the name that does not start with
// "v=TLSRPTv1" (RFC 8460 §3).
func IsRecord(txt string) bool { return tagrec.HasVersion(txt, version) }

// ParseRecord parses a TLS-RPT record strictly (RFC 8460 §3): the version
// first, exactly one rua= with one or more comma-separated mailto: or
// https: URIs, and extension fields.
func ParseRecord(txt string) (*Record, error) {
	fields, err := tagrec.Split(txt, version)
	if err != nil {
		return nil, err
	}
	r := &Record{}
	seenRUA := false
	for _, f := range fields {
		switch {
		case f.Name == "rua":
			if seenRUA {
				return nil, fmt.Errorf("rua appears twice")
			}
			seenRUA = true
			for _, u := range strings.Split(f.Value, ",") {
				u = strings.Trim(u, " \t")
				if err := checkURI(u); err != nil {
					return nil, err
				}
				r.RUA = append(r.RUA, u)
			}
		case !tagrec.ExtName().MatchString(f.Name) || f.Value == "" || strings.ContainsAny(f.Value, " \t="):
			return nil, fmt.Errorf("field %q is not a valid extension (name=value)", clip(f.Name+"="+f.Value))
		default:
			r.Extensions = append(r.Extensions, f.Name+"="+f.Value)
		}
	}
	if !seenRUA {
		return nil, fmt.Errorf("the record has no rua= field, so nobody receives the reports")
	}
	return r, nil
}

// checkURI accepts the two report transports of RFC 8460 §3: mailto: with
// one mail address, and https: with a host.
func checkURI(u string) error {
	scheme, rest, ok := strings.Cut(u, ":")
	switch {
	case u == "":
		return fmt.Errorf("rua has an empty destination")
	case !ok:
		return fmt.Errorf("rua destination %q is not a URI (want mailto: or https:)", clip(u))
	case strings.EqualFold(scheme, "mailto"):
		addr, _, _ := strings.Cut(rest, "?")
		if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
			return fmt.Errorf("rua destination %q: %q is not a mail address", clip(u), clip(addr))
		}
		domain := addr[strings.LastIndexByte(addr, '@')+1:]
		if _, err := resolver.ParseName(domain); err != nil {
			return fmt.Errorf("rua destination %q: %v", clip(u), err)
		}
	case strings.EqualFold(scheme, "https"):
		p, err := url.Parse(u)
		if err != nil || p.Host == "" || p.User != nil {
			return fmt.Errorf("rua destination %q is not an https URL with a host", clip(u))
		}
	case strings.EqualFold(scheme, "http"):
		return fmt.Errorf("rua destination %q: reports are only posted over https", clip(u))
	default:
		return fmt.Errorf("rua destination %q: only mailto: and https: destinations are defined", clip(u))
	}
	return nil
}

// Lookup is the outcome of the _smtp._tls TXT query.
type Lookup struct {
	TXT []string
	Err error
}

// Records returns the TXT strings that are TLS-RPT records.
func (l Lookup) Records() []string { return tagrec.Versioned(l.TXT, version) }

// Valid reports whether senders find exactly one usable record.
func (l Lookup) Valid() bool {
	recs := l.Records()
	if l.Err != nil || len(recs) != 1 {
		return false
	}
	_, err := ParseRecord(recs[0])
	return err == nil
}

// Check judges the record of domain: absent (ok: reporting is optional),
// ambiguous, malformed or usable.
func Check(domain string, l Lookup) []report.Finding {
	name := "_smtp._tls." + domain
	ck, _ := report.LookupCheck("tlsrpt.record")
	recs := l.Records()
	switch {
	case l.Err != nil:
		f := ck.Finding(report.Warning, name, "could not look up the TLS-RPT record at "+name, l.Err.Error())
		f.Incomplete = true
		return []report.Finding{f}
	case len(recs) == 0:
		return []report.Finding{ck.Finding(report.OK, name, "no TLS-RPT record at "+name+": senders report no TLS failures to you")}
	case len(recs) > 1:
		return []report.Finding{ck.Finding(report.Warning, name,
			fmt.Sprintf("%d TLS-RPT records at %s: senders use none of them (RFC 8460 §3)", len(recs), name), recs...)}
	}
	r, err := ParseRecord(recs[0])
	if err != nil {
		return []report.Finding{ck.Finding(report.Warning, name, fmt.Sprintf("the TLS-RPT record at %s is malformed: %v", name, err), recs[0])}
	}
	return []report.Finding{ck.Finding(report.OK, name, "TLS-RPT reports go to "+strings.Join(r.RUA, ", "), recs[0])}
}

func clip(s string) string { return tagrec.Clip(s) }

func init() {
	report.Register(report.Check{ID: "tlsrpt.record", Passes: true, Ref: "RFC 8460 §3", Replaces: []string{"mx.tls_rpt"},
		Fix: "Publish one TXT record \"v=TLSRPTv1; rua=mailto:<address>\" (or an https: URL) at _smtp._tls.<domain> to receive senders' daily reports of TLS failures."})
}
