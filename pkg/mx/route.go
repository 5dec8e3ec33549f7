package mx

import (
	"cmp"
	"context"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/miekg/dns"
	"golang.org/x/net/idna"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Bounds on what one domain can make us do: a hostile zone can publish
// thousands of MX records or addresses, while real senders only ever try a
// handful (Postfix: 5 addresses).
const (
	maxTargets  = 32
	maxPTRAddrs = 16
	maxPTRNames = 4
)

// router carries one routing run.
type router struct {
	r    *resolver.Resolver
	o    Options
	res  *Result
	self selfSet
	// mxAA records whether the MX answer came from an authoritative server,
	// whose TTLs are the configured ones rather than a cache's countdown.
	mxAA bool
	// mxFailure describes a failed MX lookup, for the finding.
	mxFailure chased
	// published counts the MX records other than a null MX; nullMixed says
	// a null MX was published beside them.
	published int
	nullMixed bool
	sec       securityRecords
	// mxDNSSEC is the DNSSEC state of the MX answer.
	mxDNSSEC NameDNSSEC
}

func route(ctx context.Context, r *resolver.Resolver, name resolver.Name, o Options) (*Result, error) {
	self, selfLookups, err := parseSelf(o.Self)
	if err != nil {
		return nil, err
	}
	// A route has a dozen findings or so, most of them passes: room for
	// them up front spares a bulk run the regrowing.
	res := &Result{Domain: name, Targets: []Target{}, Findings: make([]report.Finding, 0, 16)}
	var tr *resolver.Trace
	if o.Trace {
		tr = &resolver.Trace{}
		ctx = resolver.WithTrace(ctx, tr)
	}
	rt := &router{r: r, o: o, res: res, self: self}

	// Everything that does not need the MX answer runs beside the MX query,
	// so it costs no extra round trip.
	var wg sync.WaitGroup
	wg.Go(func() { rt.self.resolveNames(ctx, r, selfLookups) })
	if o.Security {
		wg.Go(func() { rt.sec = lookupSecurity(ctx, r, name.ASCII, o.MTASTS) })
	}
	var other *Result
	if o.Compare != nil {
		wg.Go(func() {
			other, _ = route(ctx, o.Compare, name, Options{Self: []string{}, Seed: o.Seed})
		})
	}
	rt.resolveRoute(ctx)
	wg.Wait()

	rt.self.mark(res.Targets)
	ours, weAreMX := dropAtOrAbove(res.Targets)
	rt.check(ours, weAreMX)
	if o.Compare != nil {
		res.SplitDNS = &Comparison{Server: o.Compare.String(), Differences: compareRoutes(res, other)}
		rt.checkSplit(other)
	}
	if tr != nil {
		res.Trace = tr.Exchanges()
	}
	return res, nil
}

// resolveRoute walks RFC 5321 §5.1: MX first, the implicit MX only when
// the domain has no MX records at all.
func (rt *router) resolveRoute(ctx context.Context) {
	res := rt.res
	mx := follow(ctx, rt.r, res.Domain.ASCII, dns.TypeMX)
	res.CNAME, res.DNSSEC, rt.mxAA, res.mxStatus = mx.chain, mx.ad && mx.status.Definite(), mx.aa, mx.status
	rt.mxDNSSEC = NameDNSSEC{Name: res.Domain.ASCII, Type: "MX"}
	rt.mxDNSSEC.Status, rt.mxDNSSEC.evidence = dnssecOf(ctx, rt.r, mx)
	switch mx.status {
	case resolver.StatusOK:
	case resolver.StatusNoData:
		rt.resolveImplicit(ctx, mx.canon)
		return
	case resolver.StatusNXDomain:
		res.Outcome = OutcomeNXDomain
		return
	default:
		res.Outcome, rt.mxFailure = OutcomeUnchecked, mx
		return
	}
	res.MXTTL = mx.ttl
	var records []*dns.MX
	for _, rr := range mx.records {
		records = append(records, rr.(*dns.MX))
	}
	targets, null := orderTargets(records, rt.o.Seed)
	rt.published, rt.nullMixed = len(targets), null > 0 && len(targets) > 0
	if null > 0 && len(targets) == 0 {
		res.NullMX, res.Outcome = true, OutcomeNullMX
		return
	}
	res.Outcome = OutcomeMX
	if len(targets) > maxTargets {
		targets = targets[:maxTargets]
	}
	res.Targets = targets
	rt.resolveTargets(ctx)
}

// resolveImplicit treats the domain's own name as its only MX, at
// preference 0 (RFC 5321 §5.1).
func (rt *router) resolveImplicit(ctx context.Context, canon string) {
	rt.res.Implicit = true
	rt.res.Targets = []Target{{Host: canon, Group: 1}}
	rt.resolveTargets(ctx)
	switch t := rt.res.Targets[0]; {
	case t.Status == resolver.StatusOK:
		rt.res.Outcome = OutcomeImplicit
	case t.Status.Definite():
		rt.res.Outcome = OutcomeNoRoute
	default:
		rt.res.Outcome = OutcomeUnchecked
	}
}

// orderTargets sorts MX records into delivery order: ascending preference,
// equal preferences shuffled as RFC 5321 §5.1 asks so load spreads over
// them. Null MX records (target ".") are counted, not returned.
func orderTargets(records []*dns.MX, seed uint64) ([]Target, int) {
	var targets []Target
	null := 0
	for _, mx := range records {
		host := strings.TrimSuffix(dns.CanonicalName(mx.Mx), ".")
		if host == "" {
			null++
			continue
		}
		t := Target{Host: host, Preference: mx.Preference}
		// Only A-labels (xn--) have another form; most hosts have none.
		if strings.Contains(host, "xn--") {
			if u, err := idna.ToUnicode(host); err == nil && u != host {
				t.HostUnicode = u
			}
		}
		targets = append(targets, t)
	}
	// Sorting by host first makes the shuffle below depend only on the
	// seed, not on the order the server listed the records in.
	slices.SortFunc(targets, func(a, b Target) int {
		return cmp.Or(cmp.Compare(a.Preference, b.Preference), strings.Compare(a.Host, b.Host))
	})
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if seed == 0 {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	group := 0
	for start := 0; start < len(targets); {
		end := start + 1
		for end < len(targets) && targets[end].Preference == targets[start].Preference {
			end++
		}
		group++
		same := targets[start:end]
		rng.Shuffle(len(same), func(i, j int) { same[i], same[j] = same[j], same[i] })
		for i := range same {
			same[i].Group = group
		}
		start = end
	}
	return targets, null
}

// resolveTargets looks up every target at once: addresses, then reverse
// DNS per address, and TLSA beside the addresses.
func (rt *router) resolveTargets(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range rt.res.Targets {
		wg.Go(func() { rt.resolveTarget(ctx, &rt.res.Targets[i]) })
	}
	wg.Wait()
}

func (rt *router) resolveTarget(ctx context.Context, t *Target) {
	t.IPLiteral = isIPLiteral(t.Host)
	var wg sync.WaitGroup
	if rt.o.Security {
		wg.Go(func() { rt.lookupTLSA(ctx, t) })
	}
	h := lookupHost(ctx, rt.r, t.Host)
	t.Status, t.CNAME, t.canon, t.TTL = h.status, h.chain, h.canon, h.ttl
	t.addrDNSSEC = hostDNSSEC(ctx, rt.r, h)
	t.addrDNSSEC.Name = t.Host
	t.hasAAAA, t.aa, t.err = h.hasAAAA, h.aa, h.err
	for _, ip := range h.ips {
		class, _ := classify(ip)
		t.Addrs = append(t.Addrs, Address{IP: ip, Class: class})
	}
	if t.Addrs == nil {
		t.Addrs = []Address{}
	}
	if rt.o.PTR {
		_, _, specialDomain := specialUse(rt.res.Domain.ASCII)
		for i := range t.Addrs[:min(len(t.Addrs), maxPTRAddrs)] {
			// The reverse DNS of a public domain's private address means
			// nothing on the internet and often hangs in a black hole.
			if t.Addrs[i].Class == "" || specialDomain {
				wg.Go(func() { lookupReverse(ctx, rt.r, &t.Addrs[i]) })
			}
		}
	}
	wg.Wait()
}

// lookupReverse fills in the PTR names of an address and whether one of
// them resolves back to it (forward-confirmed reverse DNS).
func lookupReverse(ctx context.Context, r *resolver.Resolver, a *Address) {
	rev, err := dns.ReverseAddr(a.IP.Unmap().String())
	if err != nil {
		a.PTRStatus = resolver.StatusError.String()
		return
	}
	// Classless reverse delegation (RFC 2317) answers through an alias.
	c := follow(ctx, r, rev, dns.TypePTR)
	a.PTRStatus = c.status.String()
	for _, rr := range c.records {
		a.PTR = append(a.PTR, strings.TrimSuffix(rr.(*dns.PTR).Ptr, "."))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range a.PTR[:min(len(a.PTR), maxPTRNames)] {
		wg.Go(func() {
			back := lookupHost(ctx, r, name)
			if slices.ContainsFunc(back.ips, func(ip netip.Addr) bool { return ip.Unmap() == a.IP.Unmap() }) {
				mu.Lock()
				a.FCrDNS = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
