//go:build integration

package mx_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/internal/peers"
	"github.com/mailflowkit/mailflow/pkg/mx"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

var digStatus = regexp.MustCompile(`status: ([A-Z]+)`)

// dig asks the nsd peer with dig and returns the response code and the
// data of the answer records of type qtype (owner, TTL and class dropped,
// trailing dots trimmed), sorted.
func dig(t *testing.T, server, name, qtype string) (string, []string) {
	t.Helper()
	host, port, _ := net.SplitHostPort(server)
	args := []string{"+norec", "+time=2", "+tries=1", "-p", port, "@" + host}
	if qtype == "PTR" {
		args = append(args, "-x", name)
	} else {
		args = append(args, name, qtype)
	}
	out, err := exec.Command("dig", args...).Output()
	if err != nil {
		t.Fatalf("dig %v: %v", args, err)
	}
	m := digStatus.FindSubmatch(out)
	if m == nil {
		t.Fatalf("dig %v: no status in\n%s", args, out)
	}
	var values []string
	inAnswer := false
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, ";; ANSWER SECTION:"):
			inAnswer = true
		case line == "" || strings.HasPrefix(line, ";"):
			inAnswer = false
		case inAnswer:
			f := strings.Fields(line)
			if len(f) >= 5 && f[3] == qtype {
				data := f[4:]
				if last := data[len(data)-1]; last != "." {
					data[len(data)-1] = strings.TrimSuffix(last, ".")
				}
				values = append(values, strings.Join(data, " "))
			}
		}
	}
	slices.Sort(values)
	return string(m[1]), values
}

// digAddrs returns the status of the name's address lookups in mailflow's
// terms (ok, nodata, nxdomain, refused) and its addresses.
func digAddrs(t *testing.T, server, host string) (string, []string) {
	s4, a := dig(t, server, host, "A")
	s6, aaaa := dig(t, server, host, "AAAA")
	ips := append(a, aaaa...)
	slices.Sort(ips)
	switch {
	case len(ips) > 0:
		return "ok", ips
	case s4 == "NOERROR" && s6 == "NOERROR":
		return "nodata", nil
	}
	return strings.ToLower(s4), nil
}

// TestAgainstNSD routes the fault zones served by a real nsd and checks
// every answer mailflow used against dig asking the same server.
func TestAgainstNSD(t *testing.T) {
	p := peers.Get(t)
	r, err := resolver.New(resolver.Config{Servers: []string{p.DNS}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		domain  string
		outcome mx.Outcome
		want    []string
	}{
		{"good.mxfault.test", mx.OutcomeMX, []string{"mtasts.record:ok", "tlsrpt.record:ok", "mx.target_private:info"}},
		{"nullmx.mxfault.test", mx.OutcomeNullMX, []string{"mx.null_mx:warning"}},
		{"mixednull.mxfault.test", mx.OutcomeMX, []string{"mx.null_mx_mixed:error"}},
		{"cnametarget.mxfault.test", mx.OutcomeMX, []string{"mx.target_cname:warning"}},
		{"iplit.mxfault.test", mx.OutcomeUnchecked, []string{"mx.target_ip_literal:error"}},
		{"nxtarget.mxfault.test", mx.OutcomeNoRoute, []string{"mx.target_nxdomain:error"}},
		{"nodata.mxfault.test", mx.OutcomeNoRoute, []string{"mx.target_nodata:error"}},
		{"dup.mxfault.test", mx.OutcomeMX, []string{"mx.duplicate_target:warning"}},
		{"oneip.mxfault.test", mx.OutcomeMX, []string{"mx.single_ip:warning"}},
		{"lowttl.mxfault.test", mx.OutcomeMX, []string{"mx.low_ttl:warning"}},
		{"implicit.mxfault.test", mx.OutcomeImplicit, []string{"mx.implicit_mx:warning"}},
		{"noroute.mxfault.test", mx.OutcomeNoRoute, []string{"mx.no_route:error"}},
		{"mxanda.mxfault.test", mx.OutcomeNoRoute, []string{"mx.target_nxdomain:error"}},
		{"dangling.mxfault.test", mx.OutcomeNXDomain, []string{"mx.domain_nxdomain:error", "mx.domain_cname:info"}},
		{"outalias.mxfault.test", mx.OutcomeMX, []string{"mx.domain_cname:info", "mx.target_private:info"}},
		{"missing.mxfault.test", mx.OutcomeNXDomain, []string{"mx.domain_nxdomain:error"}},
		{"noptr.mxfault.test", mx.OutcomeMX, []string{"mx.ptr_missing:info"}},
		{"badptr.mxfault.test", mx.OutcomeMX, []string{"mx.fcrdns_mismatch:warning"}},
		{"mxpublic.example.net", mx.OutcomeMX, []string{"mx.target_private:error"}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			compareWithDig(t, p.DNS, routeExpecting(t, r, tt.domain, tt.outcome, tt.want))
		})
	}
}

func compareWithDig(t *testing.T, server string, res *mx.Result) {
	status, records := dig(t, server, res.Domain.ASCII, "MX")
	if (status == "NXDOMAIN") != (res.Outcome == mx.OutcomeNXDomain) {
		t.Errorf("dig MX status %s, mailflow outcome %s", status, res.Outcome)
	}
	if res.Outcome == mx.OutcomeNXDomain {
		return
	}
	if res.NullMX != slices.Equal(records, []string{"0 ."}) {
		t.Errorf("dig MX %v, mailflow null MX %v", records, res.NullMX)
	}
	var got []string
	for _, tg := range res.Targets {
		if !res.Implicit {
			got = append(got, fmt.Sprintf("%d %s", tg.Preference, tg.Host))
		}
		st, ips := digAddrs(t, server, tg.Host)
		if st != tg.Status.String() {
			t.Errorf("%s: dig says %s, mailflow %s", tg.Host, st, tg.Status)
		}
		var addrs []string
		for _, a := range tg.Addrs {
			addrs = append(addrs, a.IP.String())
			if a.PTRStatus == "" {
				continue
			}
			pst, ptr := dig(t, server, a.IP.String(), "PTR")
			want := slices.Clone(a.PTR)
			slices.Sort(want)
			if !slices.Equal(ptr, want) || (pst == "NXDOMAIN") != (a.PTRStatus == "nxdomain") {
				t.Errorf("PTR %s: dig %s %v, mailflow %s %v", a.IP, pst, ptr, a.PTRStatus, a.PTR)
			}
		}
		slices.Sort(addrs)
		if !slices.Equal(addrs, ips) {
			t.Errorf("%s: dig %v, mailflow %v", tg.Host, ips, addrs)
		}
	}
	slices.Sort(got)
	records = slices.DeleteFunc(records, func(v string) bool { return v == "0 ." })
	if !slices.Equal(got, records) {
		t.Errorf("MX: dig %v, mailflow %v", records, got)
	}
}

// outsideView is mxfault.test as an external resolver would answer it:
// good.mxfault.test's first MX host has another (public) address, the rest
// is the same as the nsd peer's zone file.
const outsideView = `$ORIGIN mxfault.test.
@        3600 IN SOA ns1 hostmaster 1 3600 600 86400 300
good     3600 IN MX 10 mx1.good.mxfault.test.
good     3600 IN MX 10 mx2.good.mxfault.test.
good     3600 IN MX 20 mx3.good.mxfault.test.
mx1.good 3600 IN A  192.0.2.25
mx2.good 3600 IN A  127.0.30.2
mx3.good 3600 IN A  127.0.30.3
nullmx   3600 IN MX 0 .
`

// TestSplitDNSAgainstNSD puts the real server on the inside of a split DNS
// and an in-process one on the outside: a host that resolves differently on
// each side is the Exchange 2003 routing-group trap of seed 004.
func TestSplitDNSAgainstNSD(t *testing.T) {
	p := peers.Get(t)
	inside := newResolver(t, p.DNS)
	outside := newResolver(t, startDNS(t, outsideView).Addr)
	tests := []struct {
		domain, want, evidence string
	}{
		{"good.mxfault.test", "mx.split_dns:warning", "192.0.2.25"},
		{"nullmx.mxfault.test", "mx.split_dns:ok", ""},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			res, err := mx.Route(context.Background(), inside, tt.domain, mx.Options{Self: []string{}, Compare: outside})
			if err != nil {
				t.Fatal(err)
			}
			if !has(res.Findings, tt.want) {
				t.Fatalf("missing %s; got %v", tt.want, keys(res.Findings))
			}
			for _, f := range res.Findings {
				if f.ID == "mx.split_dns" && !strings.Contains(f.Message+strings.Join(f.Evidence, "\n"), tt.evidence) {
					t.Errorf("split_dns finding %q %v does not name %s", f.Message, f.Evidence, tt.evidence)
				}
			}
		})
	}
}
