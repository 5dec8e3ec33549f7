package mx

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// view is what one resolver says about the names of a route: the MX set
// of the domain and the addresses of each target, as comparable strings.
type view struct {
	mx    []string
	addrs map[string][]string
	// unchecked names got no definite answer; they cannot be compared.
	unchecked map[string]bool
}

func viewOf(r *Result) view {
	v := view{addrs: map[string][]string{}, unchecked: map[string]bool{}}
	switch r.Outcome {
	case OutcomeNXDomain:
		v.mx = []string{"NXDOMAIN"}
	case OutcomeNullMX:
		v.mx = []string{"0 ."}
	case OutcomeUnchecked:
		if len(r.Targets) == 0 {
			v.unchecked[r.Domain.ASCII] = true
		}
	}
	if r.Implicit {
		v.mx = []string{"no MX (implicit MX)"}
	}
	for _, t := range r.Targets {
		if !r.Implicit {
			v.mx = append(v.mx, fmt.Sprintf("%d %s", t.Preference, t.Host))
		}
		switch {
		case !t.Status.Definite():
			v.unchecked[t.Host] = true
		case len(t.Addrs) == 0:
			v.addrs[t.Host] = []string{strings.ToUpper(t.Status.String())}
		default:
			for _, a := range t.Addrs {
				v.addrs[t.Host] = append(v.addrs[t.Host], a.IP.String())
			}
		}
	}
	slices.Sort(v.mx)
	for _, a := range v.addrs {
		slices.Sort(a)
	}
	return v
}

// compareRoutes lists every name whose answer differs between the route
// seen here and the route seen through the other resolver.
func compareRoutes(here, there *Result) []Difference {
	a, b := viewOf(here), viewOf(there)
	out := []Difference{}
	domain := here.Domain.ASCII
	if a.unchecked[domain] || b.unchecked[domain] {
		return out
	}
	if !slices.Equal(a.mx, b.mx) {
		out = append(out, Difference{Name: domain, What: "mx", Here: a.mx, There: b.mx})
	}
	for _, t := range here.Targets {
		ha, okA := a.addrs[t.Host]
		hb, okB := b.addrs[t.Host]
		if okA && okB && !slices.Equal(ha, hb) && !slices.ContainsFunc(out, func(d Difference) bool { return d.Name == t.Host }) {
			out = append(out, Difference{Name: t.Host, What: "addresses", Here: ha, There: hb})
		}
	}
	return out
}

// checkSplit turns the differences into findings, explaining the split-DNS
// trap: a name that resolves to a public address inside the network sends
// servers out through the firewall.
func (rt *router) checkSplit(other *Result) {
	here, there := rt.r.String(), rt.o.Compare.String()
	domain := rt.res.Domain.ASCII
	if other.Outcome == OutcomeUnchecked && len(other.Targets) == 0 {
		rt.add(unchecked("mx.lookup_failed", domain, fmt.Sprintf("could not compare with %s: it did not answer the MX query", there)))
		return
	}
	diffs := rt.res.SplitDNS.Differences
	if len(diffs) == 0 {
		rt.add(passed("mx.split_dns", domain, fmt.Sprintf("%s and %s give the same route for %s", here, there, domain)))
		return
	}
	for _, d := range diffs {
		msg := fmt.Sprintf("the MX records of %s differ between %s and %s", d.Name, here, there)
		if d.What == "addresses" {
			msg = fmt.Sprintf("%s resolves to %s through %s but to %s through %s", d.Name, strings.Join(d.Here, ", "), here, strings.Join(d.There, ", "), there)
			if side := publicSide(d, here, there); side != "" {
				msg += fmt.Sprintf("; servers that resolve through %s get the public address and go out through the firewall, which often drops or cannot loop back such traffic", side)
			}
		}
		rt.add(newFinding("mx.split_dns", report.Warning, d.Name, msg,
			fmt.Sprintf("via %s: %s", here, strings.Join(d.Here, ", ")),
			fmt.Sprintf("via %s: %s", there, strings.Join(d.There, ", "))))
	}
}

// publicSide names the resolver that alone returns public addresses for a
// name the other resolves to special-purpose ones, "" when neither does.
func publicSide(d Difference, here, there string) string {
	pa, pb := anyPublic(d.Here), anyPublic(d.There)
	switch {
	case pa && !pb && anyAddr(d.There):
		return here
	case pb && !pa && anyAddr(d.Here):
		return there
	}
	return ""
}

func anyPublic(values []string) bool {
	return slices.ContainsFunc(values, func(v string) bool {
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		class, _ := classify(ip)
		return class == ""
	})
}

func anyAddr(values []string) bool {
	return slices.ContainsFunc(values, func(v string) bool { _, err := netip.ParseAddr(v); return err == nil })
}
