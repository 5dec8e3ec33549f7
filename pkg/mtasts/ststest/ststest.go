// Package ststest serves MTA-STS policy files over HTTPS on a loopback
// address, one policy per mta-sts.<domain> host name, each with a
// certificate from a given CA. The lab and the tests use it as the policy
// host senders fetch from; it can also serve the faults a policy host has
// in the wild (wrong certificate, redirect, missing file, wrong media
// type, a slow or oversized answer).
package ststest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/certgen"
)

// Policy is what the server answers for one policy host.
type Policy struct {
	// Body is the policy file.
	Body string
	// ContentType defaults to "text/plain".
	ContentType string
	// LastModified, when set, is sent as the Last-Modified header.
	LastModified time.Time
	// Status, when set, is the HTTP status instead of 200.
	Status int
	// Redirect, when set, answers 302 to this URL.
	Redirect string
	// CertName, when set, is the name on the certificate instead of the
	// policy host's.
	CertName string
	// Delay holds the answer back, to model a slow or hanging server.
	Delay time.Duration
}

// Server is a running policy server.
type Server struct {
	// Addr is "IP:PORT".
	Addr string
	Port int
	srv  *http.Server
}

// Start serves policies, keyed by policy host name (mta-sts.<domain>), on
// addr ("127.0.0.1:0" picks a free port).
func Start(addr string, ca *certgen.CA, policies map[string]Policy) (*Server, error) {
	certs := map[string]*tls.Certificate{}
	for host, p := range policies {
		name := host
		if p.CertName != "" {
			name = p.CertName
		}
		c, err := certgen.Issue(ca, certgen.Leaf{Names: []string{name}})
		if err != nil {
			return nil, err
		}
		certs[strings.ToLower(host)] = &c
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), Port: ln.Addr().(*net.TCPAddr).Port}
	s.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, _, _ := strings.Cut(r.Host, ":")
			p, ok := policies[strings.ToLower(host)]
			if !ok || r.URL.Path != "/.well-known/mta-sts.txt" {
				http.NotFound(w, r)
				return
			}
			serve(w, r, p)
		}),
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: func(hi *tls.ClientHelloInfo) (*tls.Certificate, error) {
			if c := certs[strings.ToLower(hi.ServerName)]; c != nil {
				return c, nil
			}
			return nil, errors.New("no certificate for that name")
		}},
		ReadHeaderTimeout: 5 * time.Second,
		// Clients that refuse a certificate make the server log; the
		// client's side is what the tests look at.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go s.srv.ServeTLS(ln, "", "") //nolint:errcheck // ends on Close
	return s, nil
}

func serve(w http.ResponseWriter, r *http.Request, p Policy) {
	if p.Delay > 0 {
		select {
		case <-r.Context().Done():
			// Returning would send an empty 200 that a client racing
			// its own deadline may still read; a slow server that
			// was given up on sends nothing.
			panic(http.ErrAbortHandler)
		case <-time.After(p.Delay):
		}
	}
	if p.Redirect != "" {
		http.Redirect(w, r, p.Redirect, http.StatusFound)
		return
	}
	ct := p.ContentType
	if ct == "" {
		ct = "text/plain"
	}
	w.Header().Set("Content-Type", ct)
	if !p.LastModified.IsZero() {
		w.Header().Set("Last-Modified", p.LastModified.UTC().Format(http.TimeFormat))
	}
	if p.Status != 0 {
		w.WriteHeader(p.Status)
	}
	fmt.Fprint(w, p.Body)
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }
