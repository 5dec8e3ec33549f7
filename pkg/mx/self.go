package mx

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// selfSet is what counts as "us": the MTA that would do this lookup.
type selfSet struct {
	names map[string]bool
	ips   map[netip.Addr]bool
	// given lists the entries as the user gave them, for evidence.
	given []string
}

// ValidateSelf checks --self entries (names or IP addresses) before any
// work starts, so a typo is a usage error rather than a failed run.
func ValidateSelf(entries []string) error {
	_, _, err := parseSelf(entries)
	return err
}

// parseSelf validates --self entries without touching the network. nil
// means this machine.
func parseSelf(self []string) (selfSet, []string, error) {
	s := selfSet{names: map[string]bool{}, ips: map[netip.Addr]bool{}}
	if self == nil {
		names, ips := localSelf()
		for _, n := range names {
			s.names[n] = true
		}
		for _, ip := range ips {
			s.ips[ip] = true
		}
		s.given = append(append(s.given, names...), "this machine's addresses")
		return s, nil, nil
	}
	var lookup []string
	for _, e := range self {
		s.given = append(s.given, e)
		if ip, err := netip.ParseAddr(strings.Trim(e, "[]")); err == nil {
			s.ips[ip.Unmap()] = true
			continue
		}
		n, err := resolver.ParseName(e)
		if err != nil {
			return s, nil, fmt.Errorf("--self: %v", err)
		}
		s.names[n.ASCII] = true
		lookup = append(lookup, n.ASCII)
	}
	return s, lookup, nil
}

// localSelf is this machine: its host name and interface addresses, read
// once per process. The host name is not looked up in the DNS: the
// interface addresses already say where connections would land.
var localSelf = sync.OnceValues(func() ([]string, []netip.Addr) {
	var names []string
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, strings.ToLower(strings.TrimSuffix(h, ".")))
	}
	var ips []netip.Addr
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			ips = append(ips, p.Addr().Unmap())
		}
	}
	return names, ips
})

// resolveNames adds the addresses of the named self hosts, so a target
// with another name on one of our addresses is recognized too.
func (s *selfSet) resolveNames(ctx context.Context, r *resolver.Resolver, names []string) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			h := lookupHost(ctx, r, n)
			mu.Lock()
			defer mu.Unlock()
			for _, ip := range h.ips {
				s.ips[ip.Unmap()] = true
			}
		})
	}
	wg.Wait()
}

// mark flags the targets and addresses that are us.
func (s *selfSet) mark(targets []Target) {
	for i := range targets {
		t := &targets[i]
		t.Self = s.names[t.Host]
		for _, c := range t.CNAME {
			t.Self = t.Self || s.names[c]
		}
		for j := range t.Addrs {
			a := &t.Addrs[j]
			a.Self = s.ips[a.IP.Unmap()]
			t.Self = t.Self || a.Self
		}
	}
}

// dropAtOrAbove applies RFC 5321 §5.1: an MTA that finds itself among the
// MX hosts discards every target whose preference is not better than its
// own. It returns our best preference and whether we are a target at all.
func dropAtOrAbove(targets []Target) (uint16, bool) {
	var ours uint16
	found := false
	for _, t := range targets {
		if t.Self && (!found || t.Preference < ours) {
			ours, found = t.Preference, true
		}
	}
	if !found {
		return 0, false
	}
	for i := range targets {
		targets[i].Dropped = targets[i].Preference >= ours
	}
	return ours, true
}
