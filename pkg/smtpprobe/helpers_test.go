package smtpprobe_test

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

const (
	testHost = "mx.lab.test"
	testUser = "probe@lab.test"
	testPass = "hunter2-Secret!"
)

func newCA(t testing.TB) *certgen.CA {
	t.Helper()
	ca, err := certgen.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// serverTLS issues a certificate (self-signed when ca is nil) and returns
// a server config limited to maxVersion when it is not zero.
func serverTLS(t testing.TB, ca *certgen.CA, leaf certgen.Leaf, maxVersion uint16) *tls.Config {
	t.Helper()
	if len(leaf.Names) == 0 {
		leaf.Names = []string{testHost}
	}
	cert, err := certgen.Issue(ca, leaf)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: maxVersion}
	if maxVersion != 0 && maxVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS10
	}
	return cfg
}

func startServer(t testing.TB, cfg labsmtp.Config) string {
	t.Helper()
	if cfg.Hostname == "" {
		cfg.Hostname = testHost
	}
	s, err := labsmtp.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.Addr
}

func startHostile(t testing.TB, b labsmtp.Behavior) string {
	t.Helper()
	return labsmtp.HostileForTest(t, b)
}

// goodConfig is a correctly set-up server: STARTTLS with a certificate for
// testHost from ca, AUTH only after TLS, relaying refused.
func goodConfig(t testing.TB, ca *certgen.CA) labsmtp.Config {
	return labsmtp.Config{
		TLS: serverTLS(t, ca, certgen.Leaf{}, 0), Users: map[string]string{testUser: testPass},
		LocalDomains: []string{"lab.test"}, MaxSize: 10 << 20,
	}
}

func baseOptions(ca *certgen.CA) smtpprobe.Options {
	o := smtpprobe.Options{EHLO: "probe.test", DialTimeout: 2 * time.Second, ReplyTimeout: 2 * time.Second}
	if ca != nil {
		o.RootCAs = ca.Pool()
	}
	return o
}

func findingsWith(res *smtpprobe.Result, id string) []report.Finding {
	var out []report.Finding
	for _, f := range res.Findings {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

// fakeServer runs a scripted server for one connection: greet is sent on
// connect, then each command line gets the next reply (the last reply
// repeats). It is for behaviour labsmtp cannot produce.
func fakeServer(t testing.TB, greet string, replies ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte(greet))
		br := bufio.NewReader(c)
		for i := 0; ; i++ {
			line, err := br.ReadString('\n')
			if err != nil || len(replies) == 0 {
				return
			}
			r := replies[min(i, len(replies)-1)]
			if strings.HasPrefix(strings.ToUpper(line), "QUIT") {
				r = "221 bye\r\n"
			}
			if _, err := c.Write([]byte(r)); err != nil {
				return
			}
		}
	}()
	return ln.Addr().String()
}
