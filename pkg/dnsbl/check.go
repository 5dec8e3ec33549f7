package dnsbl

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/internal/bulk"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Options tune a check.
type Options struct {
	// Lists to check; nil means DefaultLists().
	Lists []List
	// Concurrency bounds how many targets CheckAll works on at once;
	// default 16. Within a target every query runs in parallel.
	Concurrency int
	// Limiter paces every DNS query of the run; nil does not limit.
	Limiter *Limiter
	// Skip names lists not to query, zone → reason (for example lists a
	// selftest found listing everything). They show as unchecked.
	Skip map[string]string
	// TXT says when a list's TXT record (its stated reason) is asked for;
	// the zero value asks only where the A answer was a listing.
	TXT TXTMode
	// Window is how many finished targets may wait for a slower one
	// before them in CheckAll; 0 means the bulk package's default.
	Window int
	// Done is called once per input CheckAll finishes, for progress.
	Done func()
}

// TXTMode says when TXT records are looked up.
type TXTMode int

const (
	// TXTListed asks for TXT only after an A answer that lists the target
	// (or refuses to answer): a clean target costs one query per list, a
	// listed one one round trip more. This is what MTAs do.
	TXTListed TXTMode = iota
	// TXTAlways asks for TXT beside A for every lookup: no extra round
	// trip for listings, twice the queries for everything else.
	TXTAlways
	// TXTNever asks only A.
	TXTNever
)

var txtModeNames = [...]string{"listed", "always", "never"}

func (m TXTMode) String() string { return enumName(txtModeNames[:], int(m), "txt mode") }

// ParseTXTMode reads --txt: listed, always or never.
func ParseTXTMode(s string) (TXTMode, error) {
	for i, n := range txtModeNames {
		if s == n {
			return TXTMode(i), nil
		}
	}
	return TXTListed, fmt.Errorf("%q: want listed, always or never", s)
}

func (o *Options) lists() []List {
	if o.Lists == nil {
		return DefaultLists()
	}
	return o.Lists
}

// Status is the outcome of one lookup on one list.
type Status int

const (
	StatusClean     Status = iota // not listed (NXDOMAIN, or a code the rule does not count)
	StatusListed                  // listed under the list's rule
	StatusError                   // could not be checked: DNS failure or the list refused us
	StatusUnchecked               // not looked up on purpose (see Err)
)

var statusNames = [...]string{"clean", "listed", "error", "unchecked"}

func (s Status) String() string { return enumName(statusNames[:], int(s), "status") }

func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Verdict sums up a target: listed on a block list, clean everywhere, or
// not listed anywhere it could be checked but not checked everywhere.
type Verdict int

const (
	VerdictClean Verdict = iota
	VerdictListed
	VerdictIncomplete
)

var verdictNames = [...]string{"clean", "listed", "incomplete"}

func (v Verdict) String() string { return enumName(verdictNames[:], int(v), "verdict") }

func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// failure says why a lookup has StatusError.
type failure int

const (
	failNone     failure = iota
	failDNS              // timeout, SERVFAIL, network error
	failRefused          // the resolver answered REFUSED
	failCode             // the list answered one of its error codes
	failBogus            // only answers outside 127.0.0.0/8
	failMismatch         // the reply answered another question (resolver.StatusMismatch)
)

// ListResult is one lookup: one address or domain on one list.
type ListResult struct {
	Zone  string `json:"zone"`
	List  string `json:"list"`
	Allow bool   `json:"allow,omitempty"`
	// IP is the address looked up on an IP list, Domain the name looked up
	// on a domain list; one of them is set.
	IP     netip.Addr `json:"ip,omitzero"`
	Domain string     `json:"domain,omitempty"`
	// Query is the DNS name asked.
	Query  string `json:"query"`
	Status Status `json:"status"`
	// Codes are the list's answers inside 127.0.0.0/8, with what each means.
	Codes []Code `json:"codes,omitempty"`
	// Ignored are answers outside 127.0.0.0/8.
	Ignored []string `json:"ignored,omitempty"`
	// TXT is the list's stated reason, kept for listings and refusals.
	TXT []string `json:"txt,omitempty"`
	Err string   `json:"error,omitempty"`

	list    *List
	failure failure
}

// Code is one answer of a list, a return code such as 127.0.0.2.
type Code struct {
	Code netip.Addr `json:"code"`
	// Meaning is what the list says the code means; empty when unknown.
	Meaning string `json:"meaning,omitempty"`
}

func (c Code) String() string { return c.Code.String() }

// Checked is the address or domain looked up.
func (lr *ListResult) Checked() string {
	if lr.IP.IsValid() {
		return lr.IP.String()
	}
	return lr.Domain
}

// Result is everything learned about one target.
type Result struct {
	Target string     `json:"target"`
	Kind   TargetKind `json:"kind"`
	// Source is the input line ("FILE:LINE") for targets read from a file.
	Source string `json:"source,omitempty"`
	// Addresses are the addresses a host name resolved to.
	Addresses   []netip.Addr     `json:"ips,omitempty"`
	Verdict     Verdict          `json:"verdict"`
	AllowListed bool             `json:"allowlisted,omitempty"`
	Lists       []ListResult     `json:"lists"`
	Findings    []report.Finding `json:"findings,omitempty"`
}

// ListedOn returns the zones of block lists the target is listed on.
func (r *Result) ListedOn() []string {
	return r.zonesWhere(func(lr *ListResult) bool { return lr.Status == StatusListed && !lr.Allow })
}

// Unchecked returns the zones that could not be checked.
func (r *Result) Unchecked() []string {
	return r.zonesWhere(func(lr *ListResult) bool { return lr.Status == StatusError })
}

func (r *Result) zonesWhere(f func(*ListResult) bool) []string {
	var out []string
	for i := range r.Lists {
		if lr := &r.Lists[i]; f(lr) && !slices.Contains(out, lr.Zone) {
			out = append(out, lr.Zone)
		}
	}
	return out
}

// Check checks one target: an IP address, a host name or a domain. The
// error is for a target that cannot be parsed or is a range (use Expand
// and CheckAll for ranges); DNS trouble is reported in the result.
func Check(ctx context.Context, r *resolver.Resolver, target string, o Options) (*Result, error) {
	t, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	if t.Kind == TargetRange {
		return nil, fmt.Errorf("%s is a range: expand it first (Expand) and check the addresses with CheckAll", t.Input)
	}
	return (&checker{r: r, o: o}).target(ctx, t), nil
}

// CheckIP checks one address on the IP lists.
func CheckIP(ctx context.Context, r *resolver.Resolver, ip netip.Addr, o Options) *Result {
	return (&checker{r: r, o: o}).target(ctx, Target{Input: ip.String(), Kind: TargetIP, IP: ip.Unmap()})
}

// Outcome is what CheckAll hands back for one input: the result of a
// target, or the input itself when it could not be used (Input.Err).
type Outcome struct {
	Input  Input
	Result *Result
}

// CheckAll checks the targets of inputs (no ranges: expand them first)
// with at most o.Concurrency in flight, calling emit with each outcome in
// input order (package bulk says when a slow target lets later ones
// pass). Inputs with Err are passed through. It stops at the first error
// from emit or when ctx ends, and returns how many outcomes were written
// ahead of a slower earlier one.
func CheckAll(ctx context.Context, r *resolver.Resolver, inputs iter.Seq[Input], o Options, emit func(Outcome) error) (reordered int, err error) {
	workers := o.Concurrency
	if workers <= 0 {
		workers = 16
	}
	c := &checker{r: r, o: o}
	work := func(ctx context.Context, in Input) Outcome {
		switch {
		case in.Err != nil:
		case in.Target.Kind == TargetRange:
			in.Err = fmt.Errorf("%s is a range: expand it first", in.Target.Input)
		default:
			return Outcome{Input: in, Result: c.target(ctx, in.Target)}
		}
		return Outcome{Input: in}
	}
	st, err := bulk.Run(ctx, inputs, bulk.Options{Workers: workers, Window: o.Window, Done: o.Done}, work, emit)
	if err == nil {
		err = ctx.Err()
	}
	return st.Reordered, err
}

// TargetInputs turns targets (command-line arguments) into inputs.
func TargetInputs(ts []Target) iter.Seq[Input] {
	return func(yield func(Input) bool) {
		for _, t := range ts {
			if !yield(Input{Target: t, Source: t.Source, Text: t.Input}) {
				return
			}
		}
	}
}

// maxHostAddresses bounds the addresses of one host name that are checked;
// a name with hundreds of A records is hostile or a CDN, not a mail server.
const maxHostAddresses = 32

type checker struct {
	r *resolver.Resolver
	o Options
}

// job is one lookup to make; skip, when set, says why it is not made.
type job struct {
	list    *List
	checked string
	key     string
	skip    string
}

// result starts the result of the job's lookup of name on its list.
func (j job) result(name string) ListResult {
	l := j.list
	lr := ListResult{Zone: l.Zone, List: l.Name, Allow: l.Allow, Query: strings.TrimSuffix(name, "."), list: l}
	if ip, err := netip.ParseAddr(j.checked); err == nil && l.Kind == KindIP {
		lr.IP = ip
	} else {
		lr.Domain = j.checked
	}
	return lr
}

func (c *checker) target(ctx context.Context, t Target) *Result {
	res := &Result{Target: t.String(), Kind: t.Kind, Source: t.Source}
	lists := c.o.lists()
	var jobs []job
	var notes []report.Finding
	switch t.Kind {
	case TargetIP:
		jobs = c.ipJobs(lists, t.IP)
	case TargetName:
		for i := range lists {
			if l := &lists[i]; l.Kind == KindDomain {
				jobs = append(jobs, c.newJob(l, t.Name.ASCII, t.Name.ASCII))
			}
		}
		if hasKind(lists, KindIP) {
			var addrs []netip.Addr
			addrs, notes = c.addresses(ctx, t.Name, len(jobs) > 0)
			res.Addresses = addrs
			for _, ip := range addrs {
				jobs = append(jobs, c.ipJobs(lists, ip)...)
			}
		}
	}
	res.Lists = c.run(ctx, jobs)
	res.finish(t, notes)
	return res
}

func hasKind(lists []List, k Kind) bool {
	for _, l := range lists {
		if l.Kind == k {
			return true
		}
	}
	return false
}

func (c *checker) newJob(l *List, checked, key string) job {
	return job{list: l, checked: checked, key: key, skip: c.o.Skip[l.Zone]}
}

func (c *checker) ipJobs(lists []List, ip netip.Addr) []job {
	var jobs []job
	for i := range lists {
		l := &lists[i]
		if l.Kind != KindIP {
			continue
		}
		j := c.newJob(l, ip.String(), ReverseIP(ip))
		if ip.Is6() && !l.IPv6 && j.skip == "" {
			j.skip = "the list covers IPv4 addresses only"
		}
		jobs = append(jobs, j)
	}
	return jobs
}

// addresses resolves a host name for the IP lists. Failures become
// findings: an address that was not looked up was not checked.
func (c *checker) addresses(ctx context.Context, name resolver.Name, domainChecked bool) ([]netip.Addr, []report.Finding) {
	var notes []report.Finding
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		if err := c.paced(ctx, name.ASCII, t); err != nil {
			return nil, []report.Finding{lookupFailed(name, err.Error())}
		}
	}
	a := c.r.LookupAddrs(ctx, name.ASCII)
	for _, ans := range []*resolver.Answer{a.A, a.AAAA} {
		if !ans.Status.Definite() {
			f := lookupFailed(name, fmt.Sprintf("%s lookup: %s", dns.TypeToString[ans.Type], failureText(ans)))
			if ans.Status == resolver.StatusMismatch {
				f.Fix = resolver.MismatchFix
			}
			notes = append(notes, f)
		}
	}
	ips := a.IPs
	if len(ips) == 0 && len(notes) == 0 {
		notes = append(notes, noAddress(name, a.Status(), domainChecked))
	}
	if len(ips) > maxHostAddresses {
		notes = append(notes, report.Finding{
			ID: "dnsbl.too_many_addresses", Severity: report.Warning, Incomplete: true, Subject: name.String(),
			Message: fmt.Sprintf("%s has %d addresses; only the first %d were checked", name, len(ips), maxHostAddresses),
			Fix:     "Check the remaining addresses directly, or the ranges they belong to.",
		})
		ips = ips[:maxHostAddresses]
	}
	return ips, notes
}

// paced waits for the limiter before a query, unless the resolver has the
// answer cached: only queries that reach a list count against its rate,
// so a long-running prober re-checking the same addresses within their
// TTL is not held back by queries it never sends.
func (c *checker) paced(ctx context.Context, name string, qtype uint16) error {
	if c.r.Cached(name, qtype) {
		return ctx.Err()
	}
	return c.o.Limiter.Wait(ctx)
}

// run makes every list's lookup in parallel (see lookup for when TXT is
// asked).
func (c *checker) run(ctx context.Context, jobs []job) []ListResult {
	out := make([]ListResult, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		if j.skip != "" {
			out[i] = j.result(QueryName(j.key, j.list.Zone))
			out[i].Status, out[i].Err = StatusUnchecked, j.skip
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.lookup(ctx, j)
		}()
	}
	wg.Wait()
	return out
}

func (c *checker) lookup(ctx context.Context, j job) ListResult {
	name := QueryName(j.key, j.list.Zone)
	var txt []string
	var txtDone chan struct{}
	if c.o.TXT == TXTAlways {
		txtDone = make(chan struct{})
		go func() {
			defer close(txtDone)
			txt = c.lookupTXT(ctx, name)
		}()
	}
	var a *resolver.Answer
	err := c.paced(ctx, name, dns.TypeA)
	if err == nil {
		a, err = c.r.Query(ctx, name, dns.TypeA)
	}
	lr := evaluate(j, name, a, err)
	switch {
	case txtDone != nil:
		<-txtDone
	case c.o.TXT == TXTListed && lr.wantsReason():
		txt = c.lookupTXT(ctx, name)
	}
	if lr.Status != StatusClean {
		lr.TXT = cleanTXT(txt)
	}
	return lr
}

// wantsReason says whether the list's TXT record is worth a query: the
// target is listed, or the list answered one of its refusal codes.
func (lr *ListResult) wantsReason() bool {
	return lr.Status == StatusListed || lr.failure == failCode
}

func (c *checker) lookupTXT(ctx context.Context, name string) []string {
	if c.paced(ctx, name, dns.TypeTXT) != nil {
		return nil
	}
	_, txt, _ := c.r.LookupTXT(ctx, name)
	return txt
}

// evaluate reads a list's A answer under the list's rule.
func evaluate(j job, name string, a *resolver.Answer, err error) ListResult {
	l := j.list
	lr := j.result(name)
	if err != nil {
		lr.Status, lr.failure, lr.Err = StatusError, failDNS, err.Error()
		var re *resolver.Error
		if errors.As(err, &re) {
			lr.Err = failureText(a)
			switch re.Status {
			case resolver.StatusRefused:
				lr.failure = failRefused
			case resolver.StatusMismatch:
				lr.failure = failMismatch
			}
		}
		return lr
	}
	if a.Status != resolver.StatusOK {
		return lr // NXDOMAIN or NODATA: not listed
	}
	var listed, refused bool
	for _, rr := range resolver.Records[*dns.A](a) {
		ip, ok := netip.AddrFromSlice(rr.A.To4())
		if !ok {
			continue
		}
		switch l.classify(ip) {
		case answerBogus:
			lr.Ignored = append(lr.Ignored, ip.String())
			continue
		case answerListed:
			listed = true
		case answerError:
			refused = true
		}
		lr.Codes = append(lr.Codes, Code{Code: ip, Meaning: l.Meaning(ip)})
	}
	slices.SortFunc(lr.Codes, func(a, b Code) int { return a.Code.Compare(b.Code) })
	switch {
	case refused:
		lr.Status, lr.failure = StatusError, failCode
		var why []string
		for _, c := range lr.Codes {
			if l.classify(c.Code) == answerError {
				why = append(why, c.Code.String()+": "+c.Meaning)
			}
		}
		lr.Err = "the list refused to answer (" + strings.Join(why, "; ") + ")"
	case listed:
		lr.Status = StatusListed
	case len(lr.Codes) == 0:
		lr.Status, lr.failure = StatusError, failBogus
		lr.Err = "only answers outside 127.0.0.0/8 (" + strings.Join(lr.Ignored, ", ") + "), which are not list codes"
	}
	return lr
}

// failureText describes a failed lookup: "TIMEOUT", "SERVFAIL from ...".
func failureText(a *resolver.Answer) string {
	if a == nil {
		return "no answer"
	}
	s := strings.ToUpper(a.Status.String())
	if a.Server != "" {
		s += " from " + a.Server
	}
	if a.Err != nil {
		s += ": " + a.Err.Error()
	}
	return s
}

// TXT strings come from whoever answers DNS; they are shown on terminals
// and in tickets, so they are bounded and stripped of control characters.
const (
	maxTXT      = 4
	maxTXTBytes = 300
)

func cleanTXT(txt []string) []string {
	var out []string
	for _, t := range txt {
		if len(out) == maxTXT {
			break
		}
		t = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == unicode.ReplacementChar {
				return '?'
			}
			return r
		}, t)
		if len(t) > maxTXTBytes {
			t = strings.ToValidUTF8(t[:maxTXTBytes], "") + "..."
		}
		out = append(out, t)
	}
	return out
}
