// Package mx resolves the mail route of a domain the way a sending MTA does
// (RFC 5321 §5.1) and reports what breaks it.
//
// Route asks for the MX records first, follows a CNAME at the domain, falls
// back to the implicit MX (the domain's own addresses) only when the domain
// has no MX at all, honours the null MX of RFC 7505, sorts targets by
// preference and shuffles equal preferences, then resolves every target's
// A and AAAA records in parallel, with reverse DNS and forward confirmation
// per address. It recognizes "us" among the targets (--self) and drops what
// a real MTA would drop, explaining the MxLoopback bounce of hosted Exchange.
// It can compare the route with a second resolver (split DNS). It reports
// the DNSSEC state of every answer on the route (secure, insecure, signed
// but unvalidated, bogus), the DANE TLSA records, and validates MTA-STS
// (fetching the policy over HTTPS and matching the MX hosts against it,
// pkg/mtasts) and TLS-RPT (pkg/tlsrpt). Bulk reads a domain list and routes
// many domains concurrently.
//
// It does not connect to the MX hosts (that is the smtp package), validate
// DNSSEC signatures itself (it reads what the resolver reports) or check
// SPF/DMARC.
package mx

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/mtasts"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Options tune a routing run. The zero value routes without the optional
// extras; DefaultOptions is what the mx command uses.
type Options struct {
	// Self lists names or IP addresses that are "us", the MTA doing the
	// lookup. nil means this machine's hostname and interface addresses; an
	// empty non-nil slice turns self detection off.
	Self []string
	// Compare is a second resolver (the other side of a split DNS); every
	// difference in the route it sees is reported. May be nil.
	Compare *resolver.Resolver
	// Security queries TLSA at _25._tcp.<target>, _mta-sts and _smtp._tls.
	Security bool
	// MTASTS, with Security, fetches and validates the MTA-STS policy when
	// the domain publishes a valid _mta-sts record; nil only judges the
	// record.
	MTASTS *mtasts.FetchOptions
	// PTR looks up reverse DNS for every target address and checks that it
	// points back (forward-confirmed reverse DNS).
	PTR bool
	// Seed makes the shuffle of equal-preference targets reproducible;
	// 0 shuffles randomly.
	Seed uint64
	// Trace records every DNS exchange in Result.Trace.
	Trace bool
}

// DefaultOptions are the settings of `mailflow mx` without flags.
func DefaultOptions() Options { return Options{Security: true, PTR: true} }

// Outcome says in one word how mail to the domain is routed.
type Outcome string

const (
	OutcomeMX        Outcome = "mx"        // MX records with at least one usable target
	OutcomeImplicit  Outcome = "implicit"  // no MX: the domain's own address, preference 0
	OutcomeNullMX    Outcome = "null_mx"   // RFC 7505: the domain accepts no mail
	OutcomeNXDomain  Outcome = "nxdomain"  // the domain does not exist
	OutcomeNoRoute   Outcome = "no_route"  // nothing a sender could connect to
	OutcomeLoop      Outcome = "loop"      // the best target is us
	OutcomeUnchecked Outcome = "unchecked" // the DNS did not answer
)

// Result is the mail route of one domain and what is wrong with it.
type Result struct {
	// Domain is the name as given (Unicode) and as queried (A-labels).
	Domain resolver.Name `json:"-"`
	// CNAME is the alias chain at the domain; the MX of its last name is used.
	CNAME    []string `json:"cname,omitempty"`
	Outcome  Outcome  `json:"outcome"`
	Implicit bool     `json:"implicit_mx,omitempty"`
	NullMX   bool     `json:"null_mx,omitempty"`
	// MXTTL is the TTL of the MX record set, 0 when there is none.
	MXTTL uint32 `json:"mx_ttl,omitempty"`
	// DNSSEC reports the resolver's AD flag on the MX answer.
	DNSSEC bool `json:"dnssec"`
	// DNSSECNames is the DNSSEC state of every answer on the route: the
	// MX answer, each target's addresses and TLSA records.
	DNSSECNames []NameDNSSEC `json:"dnssec_names,omitempty"`
	// Targets are in delivery order: by preference, equal preferences
	// shuffled (RFC 5321 §5.1); Group numbers the preference levels.
	Targets  []Target            `json:"targets,omitempty"`
	Security *Security           `json:"security,omitempty"`
	SplitDNS *Comparison         `json:"split_dns,omitempty"`
	Findings []report.Finding    `json:"findings,omitempty"`
	Trace    []resolver.Exchange `json:"trace,omitempty"`

	// mxStatus is how the MX lookup ended, for the route's wording.
	mxStatus resolver.Status
}

// Target is one MX host.
type Target struct {
	Host        string `json:"host"` // A-labels, no trailing dot
	HostUnicode string `json:"host_unicode,omitempty"`
	Preference  uint16 `json:"preference"`
	// Group is the 1-based rank of the preference: targets in one group are
	// tried in random order.
	Group int `json:"group"`
	// CNAME is the alias chain from Host to the name that has the addresses.
	CNAME     []string `json:"cname,omitempty"`
	IPLiteral bool     `json:"ip_literal,omitempty"`
	// Status is the outcome of the address lookups: ok, nodata, nxdomain,
	// servfail, refused, timeout, error or mismatch (the reply answered
	// another question and was not used).
	Status resolver.Status `json:"status"`
	// TTL is the smallest TTL of the address records.
	TTL uint32 `json:"ttl,omitempty"`
	// Addrs are the target's A and AAAA addresses (IPs, not mailboxes).
	Addrs []Address `json:"ips,omitempty"`
	// Self marks a target that is us; Dropped a target an MTA here discards
	// because it is at or above our own preference.
	Self    bool `json:"self,omitempty"`
	Dropped bool `json:"dropped,omitempty"`
	// TLSA lists the records at _25._tcp.<host>; TLSASecure says they came
	// with the AD flag.
	TLSA       []string `json:"tlsa,omitempty"`
	TLSASecure bool     `json:"tlsa_secure,omitempty"`

	hasAAAA bool
	aa      bool // the address answers were authoritative (TTLs not counted down)
	err     error
	canon   string
	tlsa    chased
	// addrDNSSEC and tlsaDNSSEC are the DNSSEC states of the address and
	// TLSA answers.
	addrDNSSEC, tlsaDNSSEC NameDNSSEC
}

// Address is one address of a target.
type Address struct {
	IP netip.Addr `json:"ip"`
	// Class is empty for a public unicast address, otherwise loopback,
	// private, link-local, documentation, shared, benchmarking, multicast,
	// unspecified or reserved.
	Class string `json:"class,omitempty"`
	// PTR are the reverse names; PTRStatus is empty when reverse DNS was not
	// looked up.
	PTR       []string `json:"ptr,omitempty"`
	PTRStatus string   `json:"ptr_status,omitempty"`
	// FCrDNS is true when a PTR name resolves back to this address.
	FCrDNS bool `json:"fcrdns"`
	Self   bool `json:"self,omitempty"`
}

// Security holds the mail-security records and what was learned from them;
// nothing here changes the route.
type Security struct {
	// DANE is true when the MX answer and at least one target's TLSA answer
	// are both DNSSEC-secure: only then do DANE senders use the TLSA records.
	DANE bool `json:"dane"`
	// MTASTS and TLSRPT are the TXT records found, empty when absent.
	MTASTS []string `json:"mta_sts,omitempty"`
	TLSRPT []string `json:"tls_rpt,omitempty"`
	// MTASTSPolicy is the validated MTA-STS record, the policy fetch and
	// how each MX host matches it, when the record is valid.
	MTASTSPolicy *mtasts.Result `json:"mta_sts_policy,omitempty"`
}

// Comparison is the route as a second resolver sees it.
type Comparison struct {
	Server      string       `json:"server"`
	Differences []Difference `json:"differences,omitempty"`
}

// Difference is one name whose answer differs between the two resolvers.
type Difference struct {
	Name string `json:"name"`
	// What differs: the MX records of the domain or the addresses of a target.
	What string `json:"what" jsonschema:"enum=mx,enum=addresses"`
	// Here is the answer of the main resolver, There the answer of the
	// --compare resolver; an empty side had no records.
	Here  []string `json:"here,omitempty"`
	There []string `json:"there,omitempty"`
}

// ResultDomain is how a Result's JSON names its domain, beside the route.
type ResultDomain struct {
	// Domain is the A-label form that goes on the wire.
	Domain string `json:"domain"`
	// DomainUnicode is the Unicode form of an internationalized name.
	DomainUnicode string `json:"domain_unicode,omitempty"`
}

// MarshalJSON emits the domain in both forms beside the route.
func (r *Result) MarshalJSON() ([]byte, error) {
	return report.MarshalJSON(r.record(nil))
}

// plainResult is Result without its MarshalJSON.
type plainResult Result

// resultRecord is a Result's JSON, after a bulk record's head when there
// is one, marshalled in one pass.
type resultRecord struct {
	*ItemHead
	ResultDomain
	*plainResult
}

// record is the JSON shape of r after head.
func (r *Result) record(head *ItemHead) any {
	rec := resultRecord{ItemHead: head, ResultDomain: ResultDomain{Domain: r.Domain.ASCII}, plainResult: (*plainResult)(r)}
	if r.Domain.Unicode != r.Domain.ASCII {
		rec.DomainUnicode = r.Domain.Unicode
	}
	return rec
}

// ParseDomain validates a domain typed by a user: trailing dot allowed, IDN
// converted to A-labels. Email and IP addresses are refused with a hint.
func ParseDomain(s string) (resolver.Name, error) {
	t := strings.TrimSpace(s)
	if at := strings.LastIndexByte(t, '@'); at >= 0 {
		return resolver.Name{}, fmt.Errorf("%q is an email address: give its domain (%s)", s, t[at+1:])
	}
	if _, err := netip.ParseAddr(strings.Trim(strings.TrimSuffix(t, "."), "[]")); err == nil {
		return resolver.Name{}, fmt.Errorf("%q is an IP address, not a mail domain", s)
	}
	return resolver.ParseName(t)
}

// Route resolves the mail route of domain through r. The error is non-nil
// only for invalid input; DNS failures become findings marked Incomplete.
func Route(ctx context.Context, r *resolver.Resolver, domain string, o Options) (*Result, error) {
	name, err := ParseDomain(domain)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, fmt.Errorf("mx: no resolver")
	}
	return route(ctx, r, name, o)
}
