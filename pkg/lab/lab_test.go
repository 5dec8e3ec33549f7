package lab_test

import (
	"context"
	"crypto/tls"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/dane"
	"github.com/mailflowkit/mailflow/pkg/lab"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// startLab starts a lab for t and a resolver that asks its DNS.
func startLab(t *testing.T) (*lab.Lab, *resolver.Resolver) {
	t.Helper()
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	r, err := resolver.New(resolver.Config{Servers: []string{l.DNSAddr}, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return l, r
}

// startTLS opens an SMTP session with the lab host at ip, upgrades it to
// TLS for name, and returns what the handshake showed.
func startTLS(t *testing.T, l *lab.Lab, name, ip string) *smtpclient.TLSInfo {
	t.Helper()
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, net.JoinHostPort(ip, strconv.Itoa(l.SMTPPort)), smtpclient.Options{ReplyTimeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer c.Quit(ctx)
	c.Hello(ctx)
	if err := c.StartTLS(ctx, &tls.Config{ServerName: name, RootCAs: l.CA.Pool()}); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c.TLS
}

func TestLabServesItsSeededFaults(t *testing.T) {
	l, r := startLab(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		qtype uint16
		want  string
	}{
		{"loop.lab.test", dns.TypeMX, "hub.lab.test."},
		{"nullmx.lab.test", dns.TypeMX, "."},
		{"mail.cname.lab.test", dns.TypeCNAME, "hub.lab.test."},
		{"14.0.0.127.bl.lab.test", dns.TypeA, "127.0.0.72"},
		{"10.0.0.127.in-addr.arpa", dns.TypePTR, "hub.lab.test."},
	}
	for _, tt := range tests {
		a, err := r.Query(ctx, tt.name, tt.qtype)
		if err != nil || len(a.Records) == 0 {
			t.Errorf("%s %s: %v %v", tt.name, dns.TypeToString[tt.qtype], a.Status, err)
			continue
		}
		if got := a.Records[0].String(); !containsField(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}

	// Each host answers on its own address with its own certificate.
	for _, h := range []struct{ host, ip, certName string }{
		{"mx1.good.lab.test", "127.0.0.11", "mx1.good.lab.test"},
		{"mx.badcert.lab.test", "127.0.0.13", "mail.wrong.example"},
	} {
		info := startTLS(t, l, h.host, h.ip)
		if got := info.State.PeerCertificates[0].Subject.CommonName; got != h.certName {
			t.Errorf("%s: certificate for %q, want %q", h.host, got, h.certName)
		}
		if (info.VerifyErr == nil) != (h.certName == h.host) {
			t.Errorf("%s: verify error %v", h.host, info.VerifyErr)
		}
	}
}

func containsField(rr, want string) bool {
	return slices.Contains(strings.Fields(rr), want)
}

// A lab that cannot start must say why and release what it had started,
// not panic in its own cleanup.
func TestStartFailureReleasesWhatStarted(t *testing.T) {
	first, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// The SMTP port of a running lab is taken on every lab address, so the
	// second lab fails binding its hosts, after making its CA.
	_, err = lab.Start(lab.Options{SMTPPort: first.SMTPPort})
	if err == nil {
		t.Fatal("second lab on a taken port started")
	}
	if !strings.Contains(err.Error(), strconv.Itoa(first.SMTPPort)) {
		t.Errorf("error does not name the port: %v", err)
	}
}

// Every host has an address of its own: two on one address would fail to
// bind only when the lab starts, with a message naming neither.
func TestHostAddressesUnique(t *testing.T) {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	seen := map[string]string{}
	for _, h := range l.Hosts {
		if other, dup := seen[h.IP]; dup {
			t.Errorf("%s and %s share %s", h.Name, other, h.IP)
		}
		seen[h.IP] = h.Name
	}
}

// The DANE hosts' TLSA records are made at start from the keys the hosts
// were given, at port 25 (where mx looks) and at the lab's SMTP port (where
// smtp and check look); the signed zone's answers carry the AD flag and
// the unsigned one's do not.
func TestLabTLSA(t *testing.T) {
	l, r := startLab(t)
	ctx := context.Background()
	for _, h := range []struct {
		host  string
		ip    string
		ad    bool
		match bool
	}{
		{"mx.dane.lab.test", "127.0.0.80", true, true},
		{"mx.mismatch.dane.lab.test", "127.0.0.81", true, false},
		{"mx.unsigned.dane.lab.test", "127.0.0.82", false, true},
	} {
		chain := startTLS(t, l, h.host, h.ip).State.PeerCertificates
		for _, port := range []int{25, l.SMTPPort} {
			name := "_" + strconv.Itoa(port) + "._tcp." + h.host
			a, err := r.Query(ctx, name, dns.TypeTLSA)
			if err != nil || len(a.Records) == 0 {
				t.Fatalf("%s TLSA: %v %v", name, a.Status, err)
			}
			if a.AD != h.ad {
				t.Errorf("%s: AD %v, want %v", name, a.AD, h.ad)
			}
			var records []*dns.TLSA
			for _, rr := range a.Records {
				records = append(records, rr.(*dns.TLSA))
			}
			v := dane.Verify(records, chain, []string{h.host}, time.Now())
			if (v.Matched != nil) != h.match {
				t.Errorf("%s: matched %+v for the key of %s, want a match: %v", name, v.Matched, chain[0].Subject, h.match)
			}
		}
	}
}

// TestScenarioOrderUnique: the demo lists scenarios by Order; two with the
// same number would print in an order nobody chose.
func TestScenarioOrderUnique(t *testing.T) {
	seen := map[int]string{}
	for _, s := range lab.Scenarios() {
		if other, ok := seen[s.Order]; ok {
			t.Errorf("scenarios %q and %q share order %d", other, s.Title, s.Order)
		}
		seen[s.Order] = s.Title
	}
}
