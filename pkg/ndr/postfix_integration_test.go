//go:build integration

package ndr_test

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/mailflowkit/mailflow/pkg/internal/peers"
	"github.com/mailflowkit/mailflow/pkg/ndr"
)

// remote plays the server the relay Postfix delivers to: it refuses
// recipients and messages by the local part of the address, and keeps the
// bounces Postfix sends back (MAIL FROM:<>).
type remote struct {
	mu      sync.Mutex
	bounces [][]byte
	arrived chan struct{}
}

func (r *remote) NewSession(*smtp.Conn) (smtp.Session, error) { return &remoteSession{r: r}, nil }

type remoteSession struct {
	r      *remote
	bounce bool
	rcpts  []string
}

func (s *remoteSession) Mail(from string, _ *smtp.MailOptions) error {
	s.bounce = from == ""
	return nil
}

func (s *remoteSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch strings.ToLower(to[:strings.IndexByte(to, '@')]) {
	case "nobody":
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: Recipient address rejected: User unknown in virtual mailbox table"}
	case "full":
		return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "<" + to + ">: Mailbox full, try again later"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *remoteSession) Data(r io.Reader) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.bounce {
		s.r.mu.Lock()
		s.r.bounces = append(s.r.bounces, body)
		s.r.mu.Unlock()
		s.r.arrived <- struct{}{}
		return nil
	}
	for _, rcpt := range s.rcpts {
		if strings.HasPrefix(rcpt, "spamtrap@") {
			return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message rejected: spam content detected"}
		}
	}
	return nil
}

func (s *remoteSession) Reset()        { s.bounce, s.rcpts = false, nil }
func (s *remoteSession) Logout() error { return nil }

// TestRealPostfixBounces has a real Postfix return mail that a server
// refused, at RCPT permanently and temporarily and after DATA, and reads
// the bounces it writes (its own template, its DSN, its wording) and the
// lines its log has for the same deliveries.
func TestRealPostfixBounces(t *testing.T) {
	p := peers.Get(t)
	ln, err := net.Listen("tcp", p.RelayNextHop)
	if err != nil {
		t.Fatalf("listening on the relay's next hop %s: %v", p.RelayNextHop, err)
	}
	r := &remote{arrived: make(chan struct{}, 8)}
	srv := smtp.NewServer(r)
	srv.Domain = "mx.remote.it.test"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	go srv.Serve(ln) //nolint:errcheck // ends on Close
	t.Cleanup(func() { srv.Close() })

	send := func(to ...string) {
		t.Helper()
		msg := "From: alice@sender.it.test\r\nTo: " + strings.Join(to, ", ") + "\r\nSubject: mailflow bounce test\r\nMessage-ID: <" + to[0] + ".bounce-test@sender.it.test>\r\n\r\nThis message is meant to bounce.\r\n"
		c, err := smtp.DialStartTLS(p.SMTPRelay, &tls.Config{RootCAs: p.RootCAs(t), ServerName: peers.Hostname})
		if err == nil {
			err = c.SendMail("alice@sender.it.test", to, strings.NewReader(msg))
			c.Close()
		}
		if err != nil {
			t.Fatalf("submitting to the relay Postfix at %s: %v", p.SMTPRelay, err)
		}
	}
	// One message to two recipients refused at RCPT, one permanently, one
	// temporarily (Postfix returns each in a bounce of its own: the first
	// at once, the second when its queue lifetime of 0 ends the retries),
	// and one refused after DATA.
	send("nobody@remote.it.test", "full@remote.it.test")
	send("spamtrap@remote.it.test")

	deadline := time.After(90 * time.Second)
	for n := 0; n < 3; n++ {
		select {
		case <-r.arrived:
		case <-deadline:
			t.Fatalf("%d of 3 bounces arrived from the relay Postfix within 90s; its log is in %s/postfix-relay", n, p.Dir)
		}
	}

	type want struct {
		status, reason string
		code           int
		hard           bool
	}
	wants := map[string]want{
		"nobody@remote.it.test": {"5.1.1", "userunknown", 550, true},
		"full@remote.it.test":   {"4.2.2", "mailboxfull", 452, false},
		// Content can be changed and sent again: not hard (as Sisimai).
		"spamtrap@remote.it.test": {"5.7.1", "spamdetected", 554, false},
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for i, raw := range r.bounces {
		res := ndr.Parse(raw, "postfix-bounce")
		if res.Kind != ndr.KindBounce || len(res.Recipients) == 0 {
			t.Errorf("bounce %d: kind %q with %d recipients\n%s", i, res.Kind, len(res.Recipients), raw)
			continue
		}
		for _, rc := range res.Recipients {
			w, ok := wants[rc.Address]
			if !ok {
				t.Errorf("bounce %d: recipient %q was not sent to", i, rc.Address)
				continue
			}
			seen[rc.Address] = true
			if rc.Status != w.status || rc.ReplyCode != w.code || rc.Reason != w.reason || rc.HardBounce != w.hard {
				t.Errorf("%s: status %s, reply %d, reason %s, hard %v; want %s, %d, %s, %v\ndiagnostic: %s",
					rc.Address, rc.Status, rc.ReplyCode, rc.Reason, rc.HardBounce, w.status, w.code, w.reason, w.hard, rc.Diagnostic)
			}
			if rc.Action != "failed" {
				t.Errorf("%s: action %q, want failed (Postfix returned it)", rc.Address, rc.Action)
			}
			if !strings.Contains(rc.Diagnostic, w.status) {
				t.Errorf("%s: diagnostic %q lacks the server's reply", rc.Address, rc.Diagnostic)
			}
		}
	}
	for addr := range wants {
		if !seen[addr] {
			t.Errorf("no bounce named %s", addr)
		}
	}
	if t.Failed() {
		for i, raw := range r.bounces {
			t.Logf("bounce %d:\n%s", i, raw)
		}
	}

	// The same deliveries in the relay's own log, as an administrator
	// would have them: a deferral, then the expiry that returned it.
	if p.Dir == "" {
		t.Fatal("MAILFLOW_IT_DIR is not set: the relay's log cannot be found; source the peers.env that scripts/peers/up.sh writes")
	}
	logWants := map[[2]string]want{
		{"nobody@remote.it.test", "failed"}:   wants["nobody@remote.it.test"],
		{"full@remote.it.test", "delayed"}:    wants["full@remote.it.test"],
		{"full@remote.it.test", "failed"}:     {"4.2.2", "expired", 452, false},
		{"spamtrap@remote.it.test", "failed"}: wants["spamtrap@remote.it.test"],
	}
	path := filepath.Join(p.Dir, "postfix-relay", "postfix.log")
	var got map[[2]string]ndr.Recipient
	for end := time.Now().Add(30 * time.Second); ; {
		got = map[[2]string]ndr.Recipient{}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 4096)
		n, _ := io.ReadFull(f, head)
		if !ndr.IsLog(head[:n]) {
			t.Fatalf("%s is not taken for a mail log; it starts:\n%s", path, head[:n])
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		_, err = ndr.ParseLog(f, path, func(res ndr.Result) error {
			for _, rc := range res.Recipients {
				got[[2]string{rc.Address, rc.Action}] = rc
			}
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) >= len(logWants) || time.Now().After(end) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	for key, w := range logWants {
		rc, ok := got[key]
		if !ok {
			t.Errorf("log: no %s result for %s; the log is %s", key[1], key[0], path)
			continue
		}
		if rc.Status != w.status || rc.ReplyCode != w.code || rc.Reason != w.reason || rc.HardBounce != w.hard {
			t.Errorf("log: %s %s: status %s, reply %d, reason %s, hard %v; want %s, %d, %s, %v",
				key[0], key[1], rc.Status, rc.ReplyCode, rc.Reason, rc.HardBounce, w.status, w.code, w.reason, w.hard)
		}
	}
	if len(got) != len(logWants) {
		t.Errorf("log: %d address and action pairs, want %d: %v", len(got), len(logWants), got)
	}
}
