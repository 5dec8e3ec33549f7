package resolver

import (
	"context"

	"github.com/miekg/dns"
)

// DNSSEC is the validation state of an answer, as far as a stub resolver
// can tell it from a validating resolver it trusts: the AD flag says the
// resolver validated the answer (RFC 4035 §3.2.3), signatures without AD
// say the zone is signed but this resolver did not validate, and a
// SERVFAIL that goes away when the resolver is told not to check (the CD
// bit, RFC 4035 §3.2.2) says the signatures are broken.
type DNSSEC string

const (
	// DNSSECSecure: the resolver validated the answer (AD flag).
	DNSSECSecure DNSSEC = "secure"
	// DNSSECInsecure: no AD flag and no signatures: the zone is unsigned
	// (or the resolver strips signatures).
	DNSSECInsecure DNSSEC = "insecure"
	// DNSSECUnvalidated: the answer carries signatures but no AD flag: the
	// resolver does not validate, or has no chain of trust to the zone.
	DNSSECUnvalidated DNSSEC = "unvalidated"
	// DNSSECBogus: the resolver answers SERVFAIL, but answers with
	// checking disabled: validation fails.
	DNSSECBogus DNSSEC = "bogus"
	// DNSSECUnchecked: no answer with or without checking; nothing is
	// known.
	DNSSECUnchecked DNSSEC = "unchecked"
)

// Signed reports whether the answer carries DNSSEC signatures, in the
// answer or (for NXDOMAIN and NODATA) the authority section. Queries set
// the DO bit, so a resolver passes them on.
func (a *Answer) Signed() bool {
	for _, sec := range [][]dns.RR{a.Records, a.Authority} {
		for _, rr := range sec {
			if rr.Header().Rrtype == dns.TypeRRSIG {
				return true
			}
		}
	}
	return false
}

// DNSSEC classifies a definite answer by its AD flag and signatures. It
// cannot tell bogus from other failures; Validate can.
func (a *Answer) DNSSEC() DNSSEC {
	switch {
	case !a.Status.Definite():
		return DNSSECUnchecked
	case a.AD:
		return DNSSECSecure
	case a.Signed():
		return DNSSECUnvalidated
	}
	return DNSSECInsecure
}

// Validate classifies the answer to name/qtype. A SERVFAIL is asked again
// with the CD bit: a definite answer then means validation failed (bogus),
// and that answer is returned too.
func (r *Resolver) Validate(ctx context.Context, a *Answer) (DNSSEC, *Answer) {
	if a.Status != StatusServFail {
		return a.DNSSEC(), nil
	}
	cd, err := r.QueryCD(ctx, a.Name, a.Type)
	if err != nil {
		return DNSSECUnchecked, nil
	}
	return DNSSECBogus, cd
}

// QueryCD asks name/qtype with the CD (checking disabled) bit set, so a
// validating resolver returns data even when validation fails. Its answers
// are cached apart from ordinary ones and never stand in for them.
func (r *Resolver) QueryCD(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	return r.query(ctx, question{name: dns.CanonicalName(name), qtype: qtype, cd: true})
}
