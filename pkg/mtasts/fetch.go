package mtasts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// Limits of a policy fetch. RFC 8461 §3.3 asks senders to accept at most
// 64 KiB and to give up after about a minute; a diagnosis waits less.
const (
	MaxPolicyBytes      = 64 << 10
	DefaultFetchTimeout = 10 * time.Second
	maxHeaderBytes      = 16 << 10
)

// FetchOptions shape a policy fetch.
type FetchOptions struct {
	// RootCAs verify the policy host's certificate; nil means the system
	// roots.
	RootCAs *x509.CertPool
	// Port of the policy host; 0 means 443. Only test labs need another.
	Port int
	// Timeout bounds the whole fetch: address lookup, connect, TLS,
	// request and body. 0 means DefaultFetchTimeout.
	Timeout time.Duration
}

// Fetch is the outcome of fetching a policy file.
type Fetch struct {
	URL string `json:"url"`
	// IP is the address the policy came from.
	IP          string `json:"ip,omitempty"`
	TLSVersion  string `json:"tls_version,omitempty"`
	HTTPStatus  int    `json:"http_status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Bytes       int    `json:"bytes,omitempty"`
	// LastModified is the Last-Modified header, if the server sent one.
	LastModified *time.Time `json:"last_modified,omitempty"`
	// Location is where a redirect pointed; senders do not follow it.
	Location   string  `json:"location,omitempty"`
	DurationMS float64 `json:"duration_ms"`
	// Problem names what failed: dns, connect, tls, redirect,
	// http_status, too_large or read. Empty when the file was fetched.
	Problem string `json:"problem,omitempty"`
	Error   string `json:"error,omitempty"`
	// Transient is set when the failure says nothing about the domain
	// (a DNS lookup or the server did not answer in time).
	Transient bool `json:"-"`
	// Body is the policy text.
	Body string `json:"-"`
}

// PolicyURL is where the policy of domain is served (RFC 8461 §3.2).
func PolicyURL(domain string, port int) string {
	host := "mta-sts." + domain
	if port != 0 && port != 443 {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return "https://" + host + "/.well-known/mta-sts.txt"
}

// FetchPolicy fetches the policy of domain as RFC 8461 §3.3 asks of
// senders: over HTTPS with the certificate verified for mta-sts.<domain>,
// no redirects followed, no proxy, no cache, at most MaxPolicyBytes. The
// policy host's name is resolved through r, the resolver of the run, so a
// lab or split-DNS view applies to it too.
func FetchPolicy(ctx context.Context, r *resolver.Resolver, domain string, o FetchOptions) *Fetch {
	if o.Timeout <= 0 {
		o.Timeout = DefaultFetchTimeout
	}
	if o.Port == 0 {
		o.Port = 443
	}
	start := time.Now()
	f := &Fetch{URL: PolicyURL(domain, o.Port)}
	defer func() { f.DurationMS = float64(time.Since(start).Microseconds()) / 1000 }()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()

	host := "mta-sts." + domain
	addrs := r.LookupAddrs(ctx, host)
	if len(addrs.IPs) == 0 {
		st := addrs.Status()
		f.Problem, f.Transient = "dns", !st.Definite()
		f.Error = fmt.Sprintf("%s has no address (%s)", host, strings.ToUpper(st.String()))
		if f.Transient {
			f.Error = fmt.Sprintf("could not resolve %s (%s)", host, strings.ToUpper(st.String()))
		}
		return f
	}
	client := newClient(addrs.IPs, o, f)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		f.Problem, f.Error = "connect", err.Error()
		return f
	}
	req.Header.Set("User-Agent", "mailflow (MTA-STS check)")
	resp, err := client.Do(req)
	if err != nil {
		f.fail(err, host)
		return f
	}
	defer resp.Body.Close()
	if resp.TLS != nil {
		f.TLSVersion = tls.VersionName(resp.TLS.Version)
	}
	f.HTTPStatus = resp.StatusCode
	f.ContentType = resp.Header.Get("Content-Type")
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		f.LastModified = &t
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		f.Problem, f.Location = "redirect", clip(resp.Header.Get("Location"))
		f.Error = fmt.Sprintf("HTTP %d redirect to %q: senders do not follow redirects (RFC 8461 §3.3)", resp.StatusCode, f.Location)
		return f
	case resp.StatusCode != http.StatusOK:
		f.Problem = "http_status"
		f.Error = fmt.Sprintf("HTTP %s; senders accept only 200", resp.Status)
		return f
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxPolicyBytes+1))
	if err != nil {
		f.fail(err, host)
		f.Problem = "read"
		return f
	}
	if err := ctx.Err(); err != nil {
		// An answer that came as the deadline passed is a timeout, not an
		// empty policy: net/http may hand over a response that raced its
		// own cancellation.
		f.fail(err, host)
		return f
	}
	if len(body) > MaxPolicyBytes {
		f.Problem = "too_large"
		f.Error = fmt.Sprintf("the policy is larger than %d KiB, the most senders read (RFC 8461 §3.3)", MaxPolicyBytes>>10)
		return f
	}
	f.Bytes, f.Body = len(body), string(body)
	return f
}

// newClient makes a one-shot HTTPS client that connects to the resolved
// addresses of the policy host in turn and records the one it reached.
func newClient(ips []netip.Addr, o FetchOptions, f *Fetch) *http.Client {
	dialer := &net.Dialer{}
	port := strconv.Itoa(o.Port)
	transport := &http.Transport{
		// The URL's host is mta-sts.<domain>; the address comes from our
		// resolver, never from the system's.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var last error
			for _, ip := range ips {
				c, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), port))
				if err == nil {
					f.IP = ip.String()
					return c, nil
				}
				last = err
			}
			return nil, last
		},
		Proxy:                  nil,
		TLSClientConfig:        &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: maxHeaderBytes,
	}
	return &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// fail classifies a transport error.
func (f *Fetch) fail(err error, host string) {
	var cv *tls.CertificateVerificationError
	var ne net.Error
	var re tls.RecordHeaderError
	var ae tls.AlertError
	switch {
	case errors.As(err, &cv):
		f.Problem = "tls"
		f.Error = "the certificate of " + host + " is not valid: " + cv.Err.Error()
	case errors.As(err, &re), errors.As(err, &ae), strings.Contains(err.Error(), "tls: "):
		// A TLS alert from the server (no certificate for the name, no
		// common protocol version) has no exported type of its own.
		f.Problem, f.Error = "tls", "TLS handshake failed: "+unwrapURL(err).Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		f.Problem, f.Transient = "connect", true
		f.Error = "no answer in time: " + unwrapURL(err).Error()
	default:
		f.Problem, f.Error = "connect", unwrapURL(err).Error()
	}
}

// unwrapURL drops the "Get URL:" prefix net/http puts on errors; the URL
// is reported on its own.
func unwrapURL(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil || !strings.HasPrefix(err.Error(), "Get ") {
			return err
		}
		err = u
	}
}
