package smtpclient

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// Controls are the connection and TLS choices a user makes for every
// session, the ones swaks has as --tls-protocol, --tls-cipher,
// --tls-cert/--tls-key, -4/-6 and --local-interface. The zero value
// changes nothing.
type Controls struct {
	// Network is "tcp4" or "tcp6" to use one address family; "" for both.
	Network string
	// Source is the local address to connect from; invalid for any.
	Source netip.Addr
	// MinVersion and MaxVersion bound the TLS versions offered; 0 keeps
	// the caller's choice.
	MinVersion, MaxVersion uint16
	// CipherSuites are the TLS 1.2 (and older) suites offered; TLS 1.3
	// suites cannot be chosen in crypto/tls. Nil keeps the default.
	CipherSuites []uint16
	// ClientCert is presented when the server asks for a certificate.
	ClientCert *tls.Certificate
}

// Apply sets the TLS choices on cfg.
func (c Controls) Apply(cfg *tls.Config) {
	if c.MinVersion != 0 {
		cfg.MinVersion = c.MinVersion
	}
	if c.MaxVersion != 0 {
		cfg.MaxVersion = c.MaxVersion
	}
	if c.CipherSuites != nil {
		cfg.CipherSuites = c.CipherSuites
	}
	if c.ClientCert != nil {
		cfg.Certificates = []tls.Certificate{*c.ClientCert}
	}
}

// Dialer returns a TCP dialer that connects from Source.
func (c Controls) Dialer() *net.Dialer {
	d := &net.Dialer{}
	if c.Source.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: c.Source.AsSlice(), Zone: c.Source.Zone()}
	}
	return d
}

// Allows reports whether ip is of the address family the controls allow.
func (c Controls) Allows(ip netip.Addr) bool {
	switch c.Network {
	case "tcp4":
		return ip.Unmap().Is4()
	case "tcp6":
		return ip.Is6() && !ip.Is4In6()
	}
	return true
}

var tlsVersions = []struct {
	name string
	v    uint16
}{{"1.0", tls.VersionTLS10}, {"1.1", tls.VersionTLS11}, {"1.2", tls.VersionTLS12}, {"1.3", tls.VersionTLS13}}

// TLSVersionNames lists the versions ParseTLSVersion accepts.
func TLSVersionNames() []string {
	out := make([]string, len(tlsVersions))
	for i, v := range tlsVersions {
		out[i] = v.name
	}
	return out
}

// ParseTLSVersion reads "1.2", "TLS1.2", "tlsv1.2" or "TLS 1.2".
func ParseTLSVersion(s string) (uint16, error) {
	n := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	n = strings.TrimPrefix(strings.TrimPrefix(n, "tls"), "v")
	for _, v := range tlsVersions {
		if n == v.name {
			return v.v, nil
		}
	}
	return 0, fmt.Errorf("unknown TLS version %q (want %s)", s, strings.Join(TLSVersionNames(), ", "))
}

// CipherSuiteNames lists the TLS 1.2 cipher suites crypto/tls can offer,
// secure ones first, by their IANA names (which Go uses too).
func CipherSuiteNames() []string {
	var out []string
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if slices.Contains(cs.SupportedVersions, tls.VersionTLS12) || slices.Contains(cs.SupportedVersions, tls.VersionTLS10) {
			out = append(out, cs.Name)
		}
	}
	return out
}

// ParseCipherSuites reads a comma-separated list of TLS 1.2 cipher suite
// names (IANA names as in CipherSuiteNames, any case).
func ParseCipherSuites(list string) ([]uint16, error) {
	byName := map[string]uint16{}
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if slices.Contains(cs.SupportedVersions, tls.VersionTLS12) || slices.Contains(cs.SupportedVersions, tls.VersionTLS10) {
			byName[cs.Name] = cs.ID
		}
	}
	var out []uint16
	for _, n := range strings.Split(list, ",") {
		n = strings.ToUpper(strings.TrimSpace(n))
		if n == "" {
			continue
		}
		id, ok := byName[n]
		if !ok {
			if strings.HasPrefix(n, "TLS_AES_") || strings.HasPrefix(n, "TLS_CHACHA20_") {
				return nil, fmt.Errorf("%s is a TLS 1.3 suite, which cannot be chosen (TLS 1.3 always offers all three)", n)
			}
			return nil, fmt.Errorf("unknown TLS 1.2 cipher suite %q (IANA names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)", n)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cipher suite named")
	}
	return out, nil
}
