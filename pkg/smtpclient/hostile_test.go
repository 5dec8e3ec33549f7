package smtpclient_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"

	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// hostileSession greets and EHLOs a hostile fake and returns the client.
// The context outlives every bound under test many times over, so a test
// that ends by it has found a missing bound.
func hostileSession(t *testing.T, b labsmtp.Behavior, o smtpclient.Options) (*smtpclient.Client, context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	c, err := smtpclient.Dial(ctx, labsmtp.HostileForTest(t, b), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Hello(ctx); err != nil {
		t.Fatal(err)
	}
	return c, ctx
}

// A server that keeps asking must not keep the client answering: every
// mechanism stops at its step limit, however fast the server asks.
func TestSASLStepLimit(t *testing.T) {
	const pass = "s3cret-pass"
	mechs := []struct {
		name string
		mech func() sasl.Client
	}{
		{"LOGIN", func() sasl.Client { return smtpclient.NewLoginClient("alice", pass) }},
		{"PLAIN", func() sasl.Client { return sasl.NewPlainClient("", "alice", pass) }},
		{"CRAM-MD5", func() sasl.Client { return smtpclient.NewCRAMMD5Client("alice", pass) }},
		{"XOAUTH2", func() sasl.Client { return smtpclient.NewXOAuth2Client("alice", pass) }},
		{"OAUTHBEARER", func() sasl.Client {
			return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: "alice", Token: pass})
		}},
	}
	for _, b := range []labsmtp.Behavior{labsmtp.AuthLoginLoop, labsmtp.AuthPush} {
		for _, m := range mechs {
			t.Run(string(b)+"/"+m.name, func(t *testing.T) {
				c, ctx := hostileSession(t, b, opts())
				_, err := c.Auth(ctx, m.mech())
				// Either the step limit ended the exchange or the
				// mechanism refused a challenge it had no answer for;
				// both cancel, and neither may be a timeout.
				var se *smtpclient.SASLStepError
				switch {
				case errors.As(err, &se):
					if se.Steps > smtpclient.SASLStepLimit(m.name) {
						t.Errorf("answered %d challenges, limit %d", se.Steps, smtpclient.SASLStepLimit(m.name))
					}
				case err == nil || errors.Is(err, smtpclient.ErrTimeout) || !strings.Contains(err.Error(), "AUTH"):
					t.Fatalf("err = %v, want the exchange cancelled by the client", err)
				}
				if !strings.Contains(err.Error(), "connection was closed") {
					t.Errorf("a server that ignores the cancel must lose the connection: %v", err)
				}
				sent := 0
				for _, l := range c.Transcript().Lines() {
					if l.Dir == smtpclient.Sent {
						sent++
					}
				}
				// EHLO, AUTH, the answered steps and the cancelling "*".
				if max := 3 + smtpclient.SASLStepLimit(m.name); sent > max {
					t.Errorf("%d lines sent, want at most %d", sent, max)
				}
				if n := len(c.Transcript().Lines()); n > 40 {
					t.Errorf("transcript has %d lines", n)
				}
			})
		}
	}
}

// A server whose every read succeeds, slowly, is ended by the session
// deadline, not by the per-reply timeout (which it never trips).
func TestSessionDeadline(t *testing.T) {
	o := opts()
	o.ReplyTimeout = 10 * time.Second
	o.SessionTimeout = 2 * time.Second
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, labsmtp.HostileForTest(t, labsmtp.Drip), o)
	for i := 0; err == nil && i < 100; i++ {
		_, err = c.Cmd(ctx, "NOOP")
	}
	if !errors.Is(err, smtpclient.ErrSessionDeadline) || !errors.Is(err, smtpclient.ErrTimeout) {
		t.Fatalf("err = %v, want the session deadline", err)
	}
	if !strings.Contains(err.Error(), "session deadline") {
		t.Errorf("error does not say which limit ended the session: %v", err)
	}
}

// Every form of a secret the client sent is scrubbed from what the server
// echoes, whichever mechanism sent it, and from the error it returns.
func TestEchoedSecretsRedacted(t *testing.T) {
	const user, pass = "alice", "s3cret-pass"
	forms := []string{pass, base64.StdEncoding.EncodeToString([]byte(pass)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass)), "\x00" + user + "\x00" + pass,
		base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))[:20]}
	for _, m := range []struct {
		name string
		mech sasl.Client
	}{
		{"PLAIN", sasl.NewPlainClient("", user, pass)},
		{"LOGIN", smtpclient.NewLoginClient(user, pass)},
	} {
		t.Run(m.name, func(t *testing.T) {
			c, ctx := hostileSession(t, labsmtp.AuthEcho, opts())
			r, err := c.Auth(ctx, m.mech)
			if err == nil || r == nil || r.Code != 535 {
				t.Fatalf("reply %v, err %v; want 535", r, err)
			}
			var all []string
			all = append(all, err.Error(), r.String())
			for _, l := range c.Transcript().Lines() {
				all = append(all, l.Text)
			}
			out := strings.Join(all, "\n")
			if !strings.Contains(out, "you sent") || !strings.Contains(out, "(redacted)") {
				t.Fatalf("echo not seen or not redacted:\n%s", out)
			}
			for _, f := range forms {
				if strings.Contains(out, f) {
					t.Errorf("secret form %q in output:\n%s", f, out)
				}
			}
		})
	}
}

// The transcript keeps its head and tail and says how much it left out.
func TestTranscriptCap(t *testing.T) {
	o := opts()
	o.MaxReplyLines = 20000
	o.Transcript = smtpclient.NewTranscriptLimit(50)
	ctx := context.Background()
	c, err := smtpclient.Dial(ctx, labsmtp.HostileForTest(t, labsmtp.EHLOFlood), o)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Hello(ctx); err != nil {
		t.Fatal(err)
	}
	c.Quit(ctx)
	lines := c.Transcript().Format(false)
	if len(lines) > 51 {
		t.Fatalf("%d lines kept, cap 50", len(lines))
	}
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, "more lines not shown") || !strings.Contains(joined, "221 2.0.0 Bye") || !strings.Contains(joined, "-> EHLO") {
		t.Errorf("cap lost the head, the tail or the marker:\n%s", joined)
	}
	if got := c.Transcript().Omitted(); got < 9000 {
		t.Errorf("Omitted = %d", got)
	}
}
