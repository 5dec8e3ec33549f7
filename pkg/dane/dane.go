// Package dane checks a TLS server's certificate chain against its DANE
// TLSA records: RFC 6698 (the TLSA record), RFC 7671 (operational updates:
// CNAMEs, DANE-EE and DANE-TA semantics, key rollover) and RFC 7672 (DANE
// for SMTP between MTAs).
//
// Lookup finds the records at _PORT._tcp.HOST the way a sending MTA does:
// the TLSA base domain is the CNAME-expanded host name when its address
// lookup was DNSSEC-secure, else the host name itself (RFC 7672 §2.2.3,
// RFC 7671 §7), and a TLSA answer counts only when the resolver set the AD
// bit. Verify matches the records against a presented chain: DANE-EE(3)
// against the leaf without name or date checks (RFC 7672 §3.1.1), DANE-TA(2)
// against a certificate of the chain that the leaf must chain up to and
// whose leaf must carry the reference name (RFC 7672 §3.1.2, §3.2.3).
// PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (RFC 7672 §3.1.3).
//
// The package does not validate DNSSEC itself: it trusts the AD bit of the
// resolver it is given, so that resolver must be a validating one the user
// trusts over a path nobody can tamper with (a local unbound on 127.0.0.1).
// It does not open connections, and it has no opinion on what a missing
// record means for delivery: callers turn Lookup and Verdict into findings.
package dane

import (
	"context"
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Certificate usages (RFC 6698 §2.1.1, acronyms of RFC 7218).
const (
	PKIXTA = 0
	PKIXEE = 1
	DANETA = 2
	DANEEE = 3
)

// UsageName gives the RFC 7218 acronym of a certificate usage.
func UsageName(u uint8) string {
	switch u {
	case PKIXTA:
		return "PKIX-TA"
	case PKIXEE:
		return "PKIX-EE"
	case DANETA:
		return "DANE-TA"
	case DANEEE:
		return "DANE-EE"
	}
	return "usage " + strconv.Itoa(int(u))
}

// Lookup is the TLSA RRset found for one server.
type Lookup struct {
	// Host is the name asked about (the MX host name).
	Host string `json:"host"`
	// Base is the TLSA base domain used: Host, or its secure CNAME target.
	Base string `json:"base"`
	// Name is the TLSA query name, _PORT._tcp.Base.
	Name    string      `json:"name"`
	Records []*dns.TLSA `json:"-"`
	// Secure: the TLSA answer (and a CNAME expansion it relies on) came
	// with the AD bit, so DANE applies.
	Secure bool `json:"secure"`
	// Status is the outcome of the TLSA query: ok, nodata, nxdomain, or a
	// failure (servfail, timeout...) that leaves DANE undecided.
	Status resolver.Status `json:"status"`
}

// Found reports whether any TLSA record was published.
func (l *Lookup) Found() bool { return len(l.Records) > 0 }

// Failed reports a lookup that did not get an answer: DANE is undecided.
func (l *Lookup) Failed() bool { return !l.Status.Definite() }

// LookupTLSA finds the TLSA records for host:port over TCP.
func LookupTLSA(ctx context.Context, r *resolver.Resolver, host string, port int) *Lookup {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	l := &Lookup{Host: host, Base: host}
	// RFC 7672 §2.2.3: with a secure CNAME chain for the address, the
	// expanded name is tried first and the original name after it.
	bases := []string{host}
	if a, err := r.Query(ctx, host, dns.TypeA); err == nil && a.AD {
		if target := chainEnd(a, dns.Fqdn(host)); target != dns.Fqdn(host) {
			bases = []string{strings.TrimSuffix(target, "."), host}
		}
	}
	for _, base := range bases {
		name := "_" + strconv.Itoa(port) + "._tcp." + base
		a, _ := r.Query(ctx, name, dns.TypeTLSA)
		l.Base, l.Name, l.Status = base, name, a.Status
		// An expanded base was only tried because the expansion was secure.
		l.Records, l.Secure = tlsaOf(a, dns.Fqdn(name)), a.AD
		if len(l.Records) > 0 || !a.Status.Definite() {
			break
		}
	}
	if len(l.Records) == 0 {
		l.Secure = false
	}
	return l
}

// chainEnd follows the CNAMEs of an answer from name, each link checked,
// and returns the name the chain ends at (name itself without CNAMEs).
func chainEnd(a *resolver.Answer, name string) string {
	for range 16 { // more links than any sane chain; a loop ends here
		next := ""
		for _, c := range a.CNAMEs() {
			if strings.EqualFold(c.Hdr.Name, name) {
				next = strings.ToLower(c.Target)
			}
		}
		if next == "" {
			break
		}
		name = next
	}
	return name
}

// tlsaOf returns the TLSA records owned by name or by the end of its CNAME
// chain in the answer: records for any other owner answer a question nobody
// asked and are not used.
func tlsaOf(a *resolver.Answer, name string) []*dns.TLSA {
	owner := chainEnd(a, name)
	var out []*dns.TLSA
	for _, t := range resolver.Records[*dns.TLSA](a) {
		if strings.EqualFold(t.Hdr.Name, owner) {
			out = append(out, t)
		}
	}
	return out
}

// Match is the record that authenticated the chain.
type Match struct {
	Record *dns.TLSA `json:"-"`
	// Text is the record in presentation form, data shortened.
	Text string `json:"record"`
	// Cert is the chain position it matched: 0 the leaf, 1 its issuer...
	Cert int `json:"cert"`
}

// Unusable is a record that cannot authenticate an SMTP server, and why.
type Unusable struct {
	Text   string `json:"record"`
	Reason string `json:"reason"`
}

// Verdict is what Verify found.
type Verdict struct {
	// Matched is the first usable record that authenticates the chain.
	Matched *Match `json:"matched,omitempty"`
	// Usable counts the DANE-TA and DANE-EE records with a known selector
	// and matching type; Distinct those with distinct data (for rollover).
	Usable   int `json:"usable"`
	Distinct int `json:"distinct"`
	// Unusable lists the records no SMTP client may use.
	Unusable []Unusable `json:"unusable,omitempty"`
	// Misses says, per usable record, why it did not authenticate.
	Misses []string `json:"misses,omitempty"`
}

// Verify matches records against chain (leaf first). names are the
// reference identifiers a DANE-TA match requires the leaf to carry (the
// TLSA base domain and the MX host name); DANE-EE ignores them.
func Verify(records []*dns.TLSA, chain []*x509.Certificate, names []string, now time.Time) Verdict {
	var v Verdict
	seen := map[string]bool{}
	for _, rec := range records {
		if why := unusable(rec); why != "" {
			v.Unusable = append(v.Unusable, Unusable{Text: RecordText(rec), Reason: why})
			continue
		}
		v.Usable++
		key := fmt.Sprintf("%d %d %d %s", rec.Usage, rec.Selector, rec.MatchingType, strings.ToLower(rec.Certificate))
		if !seen[key] {
			seen[key] = true
			v.Distinct++
		}
		if v.Matched != nil {
			continue
		}
		idx, miss := match(rec, chain, names, now)
		if idx >= 0 {
			v.Matched = &Match{Record: rec, Text: RecordText(rec), Cert: idx}
			continue
		}
		v.Misses = append(v.Misses, RecordText(rec)+": "+miss)
	}
	return v
}

// unusable says why an SMTP client must ignore a record, "" if it may use it.
func unusable(rec *dns.TLSA) string {
	switch {
	case rec.Usage == PKIXTA || rec.Usage == PKIXEE:
		return UsageName(rec.Usage) + " is not used for SMTP (RFC 7672 §3.1.3): MTAs have no common set of trusted CAs"
	case rec.Usage != DANETA && rec.Usage != DANEEE:
		return "unknown certificate usage " + strconv.Itoa(int(rec.Usage))
	case rec.Selector > 1:
		return "unknown selector " + strconv.Itoa(int(rec.Selector))
	case rec.MatchingType > 2:
		return "unknown matching type " + strconv.Itoa(int(rec.MatchingType))
	}
	return ""
}

// match returns the chain index rec authenticates, or -1 and why not.
func match(rec *dns.TLSA, chain []*x509.Certificate, names []string, now time.Time) (int, string) {
	if len(chain) == 0 {
		return -1, "the server presented no certificate"
	}
	if rec.Usage == DANEEE {
		if Digest(rec.Selector, rec.MatchingType, chain[0]) == strings.ToLower(rec.Certificate) {
			return 0, ""
		}
		return -1, "does not match the server's certificate (its " + shortRecord(DANEEE, rec.Selector, rec.MatchingType, chain[0]) + ")"
	}
	// DANE-TA: the trust anchor is a certificate the server sends above
	// the leaf (RFC 7671 §5.2.2 asks servers to include it).
	for i := 1; i < len(chain); i++ {
		if Digest(rec.Selector, rec.MatchingType, chain[i]) != strings.ToLower(rec.Certificate) {
			continue
		}
		roots := x509.NewCertPool()
		roots.AddCert(chain[i])
		inter := x509.NewCertPool()
		for _, c := range chain[1:i] {
			inter.AddCert(c)
		}
		if _, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now}); err != nil {
			return -1, fmt.Sprintf("matches certificate %d of the chain, but the server's certificate does not chain to it: %v", i, trimX509(err))
		}
		for _, n := range names {
			if n != "" && chain[0].VerifyHostname(n) == nil {
				return i, ""
			}
		}
		return -1, fmt.Sprintf("matches certificate %d of the chain, but the server's certificate names none of %s, as DANE-TA requires (RFC 7672 §3.2.3)", i, strings.Join(names, ", "))
	}
	return -1, "matches no certificate the server presented above its own (a DANE-TA trust anchor must be sent in the chain)"
}

func trimX509(err error) string { return strings.TrimPrefix(err.Error(), "x509: ") }

// Digest is the association data of cert for a selector and matching type,
// as lower-case hex: what a TLSA record for it holds.
func Digest(selector, matchingType uint8, cert *x509.Certificate) string {
	d, err := dns.CertificateToDANE(selector, matchingType, cert)
	if err != nil {
		return ""
	}
	return strings.ToLower(d)
}

// RecordText is a record in presentation form with its data shortened.
func RecordText(rec *dns.TLSA) string {
	return fmt.Sprintf("%d %d %d %s", rec.Usage, rec.Selector, rec.MatchingType, short(rec.Certificate))
}

// shortRecord is the record cert would need, data shortened.
func shortRecord(usage, selector, matchingType uint8, cert *x509.Certificate) string {
	return fmt.Sprintf("%d %d %d %s", usage, selector, matchingType, short(Digest(selector, matchingType, cert)))
}

func short(hexData string) string {
	if len(hexData) > 16 {
		return strings.ToLower(hexData[:16]) + "…"
	}
	return strings.ToLower(hexData)
}
