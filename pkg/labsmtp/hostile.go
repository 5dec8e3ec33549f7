package labsmtp

import (
	"bufio"
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
)

// Behaviors lists every hostile behavior, for the lab and tests.
var Behaviors = []Behavior{NoGreeting, EndlessLine, EHLOFlood, DropAfterSTARTTLS, Garbage, StallAfterEHLO}

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
	w := bufio.NewWriter(c)
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

func (h *Hostile) wait() {
	select {
	case <-h.done:
	case <-time.After(time.Minute):
	}
}
