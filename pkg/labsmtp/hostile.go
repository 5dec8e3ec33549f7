package labsmtp

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// Behavior is how a hostile fake misbehaves.
type Behavior string

const (
	// NoGreeting accepts the connection and never sends a banner.
	NoGreeting Behavior = "no-greeting"
	// EndlessLine sends a banner line that never ends.
	EndlessLine Behavior = "endless-line"
	// EHLOFlood answers EHLO with 10,000 continuation lines.
	EHLOFlood Behavior = "ehlo-flood"
	// DropAfterSTARTTLS says 220 to STARTTLS and hangs up.
	DropAfterSTARTTLS Behavior = "drop-after-starttls"
	// Garbage answers with bytes that are not SMTP.
	Garbage Behavior = "garbage"
	// StallAfterEHLO greets and answers EHLO, then never answers again.
	StallAfterEHLO Behavior = "stall-after-ehlo"
	// AuthLoginLoop offers AUTH LOGIN and answers every line of the
	// exchange with another "334 UGFzc3dvcmQ6" (Password:), forever: a
	// client that answers whatever it is asked resends the password until
	// the server hangs up.
	AuthLoginLoop Behavior = "auth-login-loop"
	// AuthPush answers AUTH with 334 challenges it pushes without waiting
	// for the client's responses, as fast as the connection takes them.
	AuthPush Behavior = "auth-push"
	// AuthEcho refuses every AUTH with a reply that repeats what the
	// client sent: the base64 blob, and decoded, the user and password.
	AuthEcho Behavior = "auth-echo"
	// Drip answers every command correctly but one byte at a time, each
	// byte well inside any per-read timeout: only a deadline for the whole
	// session ends it.
	Drip Behavior = "drip"
)

// Behaviors lists every hostile behavior, for the lab and tests.
var Behaviors = []Behavior{NoGreeting, EndlessLine, EHLOFlood, DropAfterSTARTTLS, Garbage, StallAfterEHLO,
	AuthLoginLoop, AuthPush, AuthEcho, Drip}

// DripInterval is the pause between two bytes of a Drip server.
const DripInterval = 40 * time.Millisecond

// Hostile is a fake server that misbehaves on purpose. Everything it sends
// is bounded in time (it stops after a minute or on Close) so a client with
// no limits of its own cannot hang the test run forever.
type Hostile struct {
	Addr     string
	behavior Behavior
	ln       net.Listener
	done     chan struct{}
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]bool
}

// StartHostile listens on addr ("127.0.0.1:0" for any port).
func StartHostile(addr string, b Behavior) (*Hostile, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	h := &Hostile{Addr: ln.Addr().String(), behavior: b, ln: ln, done: make(chan struct{}), conns: map[net.Conn]bool{}}
	h.wg.Add(1)
	go h.serve()
	return h, nil
}

// TB is the part of testing.TB that HostileForTest needs; labsmtp does
// not import testing.
type TB interface {
	Helper()
	Fatal(args ...any)
	Cleanup(func())
}

// HostileForTest starts a fake on 127.0.0.1 for the length of a test and
// returns its address; it fails the test when the fake cannot listen.
func HostileForTest(t TB, b Behavior) string {
	t.Helper()
	h, err := StartHostile("127.0.0.1:0", b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h.Addr
}

// Close stops the fake and drops its connections.
func (h *Hostile) Close() error {
	close(h.done)
	err := h.ln.Close()
	h.mu.Lock()
	for c := range h.conns {
		c.Close()
	}
	h.mu.Unlock()
	h.wg.Wait()
	return err
}

func (h *Hostile) serve() {
	defer h.wg.Done()
	for {
		c, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.mu.Lock()
		h.conns[c] = true
		h.mu.Unlock()
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			defer func() {
				h.mu.Lock()
				delete(h.conns, c)
				h.mu.Unlock()
				c.Close()
			}()
			c.SetDeadline(time.Now().Add(time.Minute)) //nolint:errcheck
			h.handle(c)
		}()
	}
}

func (h *Hostile) handle(c net.Conn) {
	var w *bufio.Writer
	if h.behavior == Drip {
		w = bufio.NewWriterSize(&dripWriter{c: c, done: h.done}, 16)
	} else {
		w = bufio.NewWriter(c)
	}
	r := bufio.NewReader(c)
	switch h.behavior {
	case NoGreeting:
		h.wait()
		return
	case EndlessLine:
		w.WriteString("220 ")
		chunk := strings.Repeat("x", 4096)
		for {
			if _, err := w.WriteString(chunk); err != nil {
				return
			}
			if w.Flush() != nil {
				return
			}
			select {
			case <-h.done:
				return
			default:
			}
		}
	case Garbage:
		w.WriteString("\x00\x01HTTP/1.1 400 Bad Request\r\n\r\n")
		w.Flush()
		h.wait()
		return
	}
	fmt.Fprintf(w, "220 hostile.lab.test ESMTP %s\r\n", h.behavior)
	w.Flush()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(verb, "EHLO") && h.behavior == EHLOFlood:
			for i := 0; i < 10000; i++ {
				fmt.Fprintf(w, "250-X-FLOOD-%d\r\n", i)
			}
			w.WriteString("250 OK\r\n")
		case strings.HasPrefix(verb, "EHLO") && h.authBehavior():
			w.WriteString("250-hostile.lab.test\r\n250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER\r\n250 8BITMIME\r\n")
		case strings.HasPrefix(verb, "AUTH ") && h.authBehavior():
			if !h.auth(w, r, strings.TrimSpace(line)) {
				return
			}
		case strings.HasPrefix(verb, "EHLO"):
			w.WriteString("250-hostile.lab.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n")
			if h.behavior == StallAfterEHLO {
				w.Flush()
				h.wait()
				return
			}
		case verb == "STARTTLS" && h.behavior == DropAfterSTARTTLS:
			w.WriteString("220 2.0.0 Ready to start TLS\r\n")
			w.Flush()
			return
		case verb == "QUIT":
			w.WriteString("221 2.0.0 Bye\r\n")
			w.Flush()
			return
		default:
			w.WriteString("250 2.0.0 OK\r\n")
		}
		if w.Flush() != nil {
			return
		}
	}
}

func (h *Hostile) authBehavior() bool {
	return h.behavior == AuthLoginLoop || h.behavior == AuthPush || h.behavior == AuthEcho
}

// auth plays one AUTH exchange the hostile way; false ends the connection.
func (h *Hostile) auth(w *bufio.Writer, r *bufio.Reader, cmd string) bool {
	const password = "334 UGFzc3dvcmQ6\r\n" // base64 of "Password:"
	switch h.behavior {
	case AuthLoginLoop:
		// Every line the client sends, "*" included, gets the prompt again.
		for {
			if _, err := w.WriteString(password); err != nil || w.Flush() != nil {
				return false
			}
			if _, err := r.ReadString('\n'); err != nil {
				return false
			}
		}
	case AuthPush:
		for {
			if _, err := w.WriteString(password); err != nil || w.Flush() != nil {
				return false
			}
			select {
			case <-h.done:
				return false
			default:
			}
		}
	}
	// AuthEcho: collect what the client sends, then quote it back.
	f := strings.Fields(cmd)
	var sent []string
	if len(f) > 2 {
		sent = append(sent, f[2])
	}
	if len(f) > 1 && strings.EqualFold(f[1], "LOGIN") {
		for _, prompt := range []string{"334 VXNlcm5hbWU6\r\n", password} {
			w.WriteString(prompt)
			if w.Flush() != nil {
				return false
			}
			l, err := r.ReadString('\n')
			if err != nil {
				return false
			}
			sent = append(sent, strings.TrimSpace(l))
		}
	}
	var decoded []string
	for _, s := range sent {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			decoded = append(decoded, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	fmt.Fprintf(w, "535-5.7.8 you sent %s\r\n535-5.7.8 which reads %q\r\n535 5.7.8 Authentication credentials invalid\r\n",
		strings.Join(sent, " "), strings.Join(decoded, " "))
	return true
}

// dripWriter hands the connection one byte at a time.
type dripWriter struct {
	c    net.Conn
	done chan struct{}
}

func (d *dripWriter) Write(b []byte) (int, error) {
	for i := range b {
		select {
		case <-d.done:
			return i, net.ErrClosed
		case <-time.After(DripInterval):
		}
		if _, err := d.c.Write(b[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(b), nil
}

func (h *Hostile) wait() {
	select {
	case <-h.done:
	case <-time.After(time.Minute):
	}
}
