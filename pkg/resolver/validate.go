package resolver

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// maxChainLinks bounds the CNAME and DNAME links followed inside one
// answer. Real chains have one to three links; a longer one is a loop
// spelled out or an attempt to make us work.
const maxChainLinks = 16

// errQuestion marks a reply whose question section is not the question
// asked: it answers some other query, so nothing in it can be used.
var errQuestion = errors.New("the reply is to another question")

// sortAnswer splits the answer section of resp into the records that
// answer q and the stray ones. A record answers q when its class is IN and
// it is either of the asked type, owned by the name the alias chain ends
// at, or a link of that chain: a CNAME owned by the previous name, or a
// DNAME owned by an ancestor of it (RFC 6672) whose substitution gives the
// next name, or a signature over one of those record sets. Everything else
// (records for other names, of other types or classes) is what a broken or
// spoofing resolver adds, and is returned as stray.
//
// The error is errQuestion (wrapped) when the question section does not
// match, and a chain error when the aliases go on for more than
// maxChainLinks links.
func sortAnswer(q question, resp *dns.Msg) (kept, stray []dns.RR, err error) {
	if err := matchQuestion(q, resp); err != nil {
		return nil, resp.Answer, err
	}
	used := make([]bool, len(resp.Answer))
	// sets are the record sets kept, for their signatures.
	type rrset struct {
		owner  string
		rrtype uint16
	}
	var sets []rrset
	keep := func(i int) {
		used[i] = true
		h := resp.Answer[i].Header()
		if s := (rrset{dns.CanonicalName(h.Name), h.Rrtype}); !slices.Contains(sets, s) {
			sets = append(sets, s)
		}
	}
	cur := q.name
	seen := []string{cur}
	for links := 0; ; links++ {
		var data []int // records of the asked type owned by cur
		cname, dname := "", ""
		for i, rr := range resp.Answer {
			h := rr.Header()
			if used[i] || h.Class != dns.ClassINET {
				continue
			}
			owner := dns.CanonicalName(h.Name)
			switch {
			case owner == cur && (h.Rrtype == q.qtype || q.qtype == dns.TypeANY):
				data = append(data, i)
			case owner == cur && h.Rrtype == dns.TypeCNAME:
				t := dns.CanonicalName(rr.(*dns.CNAME).Target)
				if cname == "" || cname == t {
					cname = t
					keep(i)
				}
			case h.Rrtype == dns.TypeDNAME && q.qtype != dns.TypeDNAME && owner != cur && dns.IsSubDomain(owner, cur):
				if t, ok := substitute(cur, owner, rr.(*dns.DNAME).Target); ok && (dname == "" || dname == t) {
					dname = t
					keep(i)
				}
			}
		}
		next := cname
		if next == "" {
			next = dname
		} else if dname != "" && dname != cname {
			return nil, nil, fmt.Errorf("the alias of %s disagrees with the DNAME above it (%s, not %s)", trimDot(cur), trimDot(cname), trimDot(dname))
		}
		// Data beside an alias is not the answer (RFC 2181 §10.1: an alias
		// has no other data); the answer is at the end of the chain.
		if next == "" || slices.Contains(seen, next) {
			for _, i := range data {
				keep(i)
			}
			break
		}
		if links == maxChainLinks {
			return nil, nil, fmt.Errorf("the alias chain of %s goes on for more than %d links", trimDot(q.name), maxChainLinks)
		}
		seen = append(seen, next)
		cur = next
	}
	for i, rr := range resp.Answer {
		if sig, ok := rr.(*dns.RRSIG); ok && !used[i] && sig.Hdr.Class == dns.ClassINET &&
			slices.Contains(sets, rrset{dns.CanonicalName(sig.Hdr.Name), sig.TypeCovered}) {
			used[i] = true
		}
	}
	for i, rr := range resp.Answer {
		if used[i] {
			kept = append(kept, rr)
		} else {
			stray = append(stray, rr)
		}
	}
	return kept, stray, nil
}

// matchQuestion checks the question section of the reply. Some servers
// leave it out of error replies (FORMERR, SERVFAIL, REFUSED); those carry
// no data, so only the rcode is used.
func matchQuestion(q question, resp *dns.Msg) error {
	if len(resp.Question) == 0 && len(resp.Answer) == 0 &&
		resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		return nil
	}
	if len(resp.Question) == 1 {
		rq := resp.Question[0]
		if dns.CanonicalName(rq.Name) == q.name && rq.Qtype == q.qtype && rq.Qclass == dns.ClassINET {
			return nil
		}
	}
	var asked []string
	for _, rq := range resp.Question {
		asked = append(asked, fmt.Sprintf("%s %s %s", rq.Name, dns.ClassToString[rq.Qclass], dns.TypeToString[rq.Qtype]))
	}
	if len(asked) == 0 {
		asked = []string{"no question"}
	}
	return fmt.Errorf("%w (%s)", errQuestion, strings.Join(asked, "; "))
}

// substitute applies a DNAME owned by owner with target to name, a
// descendant of owner (RFC 6672 §2.2). A result too long to be a domain
// name is not a valid substitution.
func substitute(name, owner, target string) (string, bool) {
	prefix := name[:len(name)-len(owner)]
	t := dns.CanonicalName(prefix + dns.CanonicalName(target))
	if _, ok := dns.IsDomainName(t); !ok || len(t) > 255 {
		return "", false
	}
	return t, true
}

// Shown stray records are bounded: a hostile answer can hold hundreds.
const (
	maxStrayShown = 3
	maxRRText     = 160
)

// strayError describes an answer whose only records answer another
// question.
func strayError(q question, stray []dns.RR) error {
	return fmt.Errorf("no %s record for %s in the answer, only records for another name, type or class: %s",
		dns.TypeToString[q.qtype], trimDot(q.name), strings.Join(rrLines(stray, maxStrayShown), "; "))
}

// rrLines renders at most n records in full presentation form (the class
// included: a stray record may be of another class), with a count of the
// rest.
func rrLines(rrs []dns.RR, n int) []string {
	var out []string
	for i, rr := range rrs {
		if i == n {
			out = append(out, fmt.Sprintf("and %d more", len(rrs)-n))
			break
		}
		s := strings.Join(strings.Fields(rr.String()), " ")
		if len(s) > maxRRText {
			s = strings.ToValidUTF8(s[:maxRRText], "") + "..."
		}
		out = append(out, s)
	}
	return out
}

func trimDot(name string) string {
	if name == "." {
		return name
	}
	return strings.TrimSuffix(name, ".")
}
