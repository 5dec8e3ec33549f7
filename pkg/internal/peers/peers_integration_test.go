//go:build integration

package peers

import (
	"crypto/tls"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// These tests prove the harness, not mailflow: each peer answers, and it is
// configured the way the integration tests of the commands rely on.

func TestDNSPeers(t *testing.T) {
	p := Get(t)
	tests := []struct {
		name   string
		server string
		qname  string
		qtype  uint16
		rcode  int
		want   []string // answer rdata in presentation format, any order
	}{
		{"nsd MX", p.DNS, "it.test", dns.TypeMX, dns.RcodeSuccess, []string{"10 mail.it.test."}},
		{"nsd A", p.DNS, "mail.it.test", dns.TypeA, dns.RcodeSuccess, []string{"127.0.0.1"}},
		{"nsd SPF", p.DNS, "it.test", dns.TypeTXT, dns.RcodeSuccess, []string{`"v=spf1 mx ip4:127.0.0.1 -all"`}},
		{"nsd missing name", p.DNS, "nothing.it.test", dns.TypeA, dns.RcodeNameError, nil},
		{"rbldnsd RFC 5782 test entry", p.DNSBL, "2.0.0.127.bl.it.test", dns.TypeA, dns.RcodeSuccess, []string{"127.0.0.2"}},
		{"rbldnsd code 4", p.DNSBL, "1.0.0.127.bl.it.test", dns.TypeA, dns.RcodeSuccess, []string{"127.0.0.4"}},
		{"rbldnsd reason", p.DNSBL, "1.0.0.127.bl.it.test", dns.TypeTXT, dns.RcodeSuccess,
			[]string{`"loopback 127.0.0.1 listed with code 127.0.0.4 (mailflow test data)"`}},
		{"rbldnsd not listed", p.DNSBL, "3.0.0.127.bl.it.test", dns.TypeA, dns.RcodeNameError, nil},
	}
	client := &dns.Client{Net: "udp", Timeout: 5 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := new(dns.Msg)
			q.SetQuestion(dns.Fqdn(tt.qname), tt.qtype)
			q.RecursionDesired = false
			r, _, err := client.Exchange(q, tt.server)
			if err != nil {
				t.Fatalf("query %s %s at %s: %v", tt.qname, dns.TypeToString[tt.qtype], tt.server, err)
			}
			if r.Rcode != tt.rcode || !r.Authoritative {
				t.Fatalf("rcode %s, authoritative %v; want %s from an authoritative server",
					dns.RcodeToString[r.Rcode], r.Authoritative, dns.RcodeToString[tt.rcode])
			}
			var got []string
			for _, rr := range r.Answer {
				got = append(got, strings.TrimPrefix(rr.String(), rr.Header().String()))
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Errorf("answer %q, want %q", got, want)
			}
		})
	}
}

func TestSMTPPeers(t *testing.T) {
	p := Get(t)
	tests := []struct {
		name       string
		addr       string
		banner     string
		plainAuth  bool // AUTH advertised before STARTTLS
		mailFrom   string
		relayReply int // reply to an unauthenticated RCPT for a foreign domain
	}{
		{"good", p.SMTPGood, "mailflow good peer", false, "probe@it.test", 554},
		{"bad", p.SMTPBad, "mailflow bad peer", true, "probe@example.org", 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, tt.addr)
			_, banner, err := c.ReadResponse(220)
			if err != nil || !strings.HasPrefix(banner, Hostname+" ") || !strings.Contains(banner, tt.banner) {
				t.Fatalf("banner %q (%v), want %s ... %s", banner, err, Hostname, tt.banner)
			}
			ext := ehlo(t, c)
			if !slices.Contains(ext, "STARTTLS") {
				t.Errorf("plaintext EHLO %q does not offer STARTTLS", ext)
			}
			if got := hasAuth(ext); got != tt.plainAuth {
				t.Errorf("AUTH before STARTTLS = %v, want %v (EHLO %q)", got, tt.plainAuth, ext)
			}
			// Relaying is decided at RCPT; the session ends before DATA so no
			// message is ever queued.
			command(t, c, 250, "MAIL FROM:<%s>", tt.mailFrom)
			command(t, c, tt.relayReply, "RCPT TO:<someone@example.net>")
			command(t, c, 250, "RSET")

			command(t, c, 220, "STARTTLS")
			tc := tls.Client(c.conn, &tls.Config{RootCAs: p.RootCAs(t), ServerName: Hostname})
			if err := tc.Handshake(); err != nil {
				t.Fatalf("STARTTLS handshake verifying against %s: %v", p.CAFile, err)
			}
			c = &session{Conn: textproto.NewConn(tc), conn: tc}
			if ext := ehlo(t, c); !hasAuth(ext) {
				t.Errorf("EHLO inside TLS %q does not offer AUTH", ext)
			}
			command(t, c, 221, "QUIT")
		})
	}
}

// session keeps the raw connection next to the textproto view so the test can
// start TLS on it.
type session struct {
	*textproto.Conn
	conn net.Conn
}

func dial(t *testing.T, addr string) *session {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("connect %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	// One deadline for the whole session: a wedged peer fails the test
	// instead of hanging it.
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return &session{Conn: textproto.NewConn(conn), conn: conn}
}

// command sends one SMTP command and fails the test unless the reply code is
// want.
func command(t *testing.T, c *session, want int, format string, args ...any) string {
	t.Helper()
	id, err := c.Cmd(format, args...)
	if err != nil {
		t.Fatalf("send %q: %v", format, err)
	}
	c.StartResponse(id)
	defer c.EndResponse(id)
	code, msg, err := c.ReadResponse(want)
	if err != nil {
		t.Fatalf("%s: got %d %q, want %d", strings.Fields(format)[0], code, msg, want)
	}
	return msg
}

// ehlo returns the extension lines the server advertises ("SIZE 10240000",
// "STARTTLS"), everything after the greeting line.
func ehlo(t *testing.T, c *session) []string {
	t.Helper()
	lines := strings.Split(command(t, c, 250, "EHLO client.it.test"), "\n")
	return lines[1:]
}

func hasAuth(ext []string) bool {
	return slices.ContainsFunc(ext, func(l string) bool { return strings.HasPrefix(l, "AUTH ") })
}
