package cli

import (
	"crypto/tls"
	"net"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// tlsClientFlags are the connection and TLS controls that smtp, check and
// lint --live share: one definition, so the three read them alike.
type tlsClientFlags struct {
	cert, key      string
	minVer, maxVer string
	ciphers        string
	ipv4, ipv6     bool
	source         string
	connect        []string
	// prefix is put before each flag's help ("with --live: ").
	prefix string
}

// maxKeyFile bounds --tls-cert and --tls-key; a chain of a few
// certificates is a few KiB.
const maxKeyFile = 1 << 20

func (f *tlsClientFlags) register(cmd *cobra.Command, withConnect bool) {
	fl := cmd.Flags()
	p := f.prefix
	fl.StringVar(&f.cert, "tls-cert", "", p+"present the client certificate (chain) in this PEM FILE when the server asks for one (with --tls-key)")
	fl.StringVar(&f.key, "tls-key", "", p+"private key in PEM FILE for --tls-cert")
	fl.StringVar(&f.minVer, "tls-min", "", p+"oldest TLS version to offer: "+strings.Join(smtpclient.TLSVersionNames(), ", ")+" (default 1.0, so old servers are reported, not refused)")
	fl.StringVar(&f.maxVer, "tls-max", "", p+"newest TLS version to offer (default 1.3)")
	fl.StringVar(&f.ciphers, "tls-ciphers", "", p+"comma-separated TLS 1.2 cipher suites to offer, by IANA name (TLS 1.3 suites cannot be chosen)")
	fl.BoolVarP(&f.ipv4, "ipv4", "4", false, p+"connect over IPv4 only")
	fl.BoolVarP(&f.ipv6, "ipv6", "6", false, p+"connect over IPv6 only")
	fl.StringVar(&f.source, "source", "", p+"connect from this local IP ADDRESS")
	if withConnect {
		fl.StringArrayVar(&f.connect, "connect", nil, p+"HOST=ADDR[:PORT]: connect to ADDR whenever HOST is to be reached, still treating it as HOST for SNI, the certificate, DANE and reverse DNS (repeatable; like curl --resolve)")
	}
}

// given reports whether any of the flags was set.
func (f *tlsClientFlags) given(cmd *cobra.Command) bool {
	for _, n := range []string{"tls-cert", "tls-key", "tls-min", "tls-max", "tls-ciphers", "ipv4", "ipv6", "source", "connect"} {
		if fl := cmd.Flags().Lookup(n); fl != nil && fl.Changed {
			return true
		}
	}
	return false
}

// controls checks the flags and returns the controls they ask for.
func (f *tlsClientFlags) controls(e *Env) (smtpclient.Controls, error) {
	var c smtpclient.Controls
	var err error
	switch {
	case f.ipv4 && f.ipv6:
		return c, Usagef("-4 and -6 exclude each other")
	case f.ipv4:
		c.Network = "tcp4"
	case f.ipv6:
		c.Network = "tcp6"
	}
	if f.source != "" {
		if c.Source, err = netip.ParseAddr(f.source); err != nil {
			return c, Usagef("--source %q: want an IP address of this machine", f.source)
		}
		if !c.Allows(c.Source) {
			return c, Usagef("--source %s is not of the address family -4/-6 asks for", f.source)
		}
	}
	if f.minVer != "" {
		if c.MinVersion, err = smtpclient.ParseTLSVersion(f.minVer); err != nil {
			return c, Usagef("--tls-min: %v", err)
		}
	}
	if f.maxVer != "" {
		if c.MaxVersion, err = smtpclient.ParseTLSVersion(f.maxVer); err != nil {
			return c, Usagef("--tls-max: %v", err)
		}
	}
	if c.MinVersion != 0 && c.MaxVersion != 0 && c.MinVersion > c.MaxVersion {
		return c, Usagef("--tls-min %s is newer than --tls-max %s", f.minVer, f.maxVer)
	}
	if f.ciphers != "" {
		if c.CipherSuites, err = smtpclient.ParseCipherSuites(f.ciphers); err != nil {
			return c, Usagef("--tls-ciphers: %v", err)
		}
		if c.MinVersion == tls.VersionTLS13 {
			return c, Usagef("--tls-ciphers chooses TLS 1.2 suites, but --tls-min 1.3 leaves only TLS 1.3")
		}
	}
	switch {
	case (f.cert == "") != (f.key == ""):
		return c, Usagef("--tls-cert and --tls-key go together")
	case f.cert != "":
		certPEM, err := readInput(e, "--tls-cert", f.cert, maxKeyFile)
		if err != nil {
			return c, err
		}
		keyPEM, err := readInput(e, "--tls-key", f.key, maxKeyFile)
		if err != nil {
			return c, err
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return c, Inputf("--tls-cert %s / --tls-key %s: %v", f.cert, f.key, err)
		}
		c.ClientCert = &pair
	}
	return c, nil
}

// connectMap reads --connect HOST=ADDR[:PORT] into the probe's map.
func (f *tlsClientFlags) connectMap(c smtpclient.Controls) (map[string]netip.AddrPort, error) {
	if len(f.connect) == 0 {
		return nil, nil
	}
	out := map[string]netip.AddrPort{}
	for _, v := range f.connect {
		host, addr, ok := strings.Cut(v, "=")
		if !ok || host == "" || addr == "" {
			return nil, Usagef("--connect %q: want HOST=ADDR or HOST=ADDR:PORT", v)
		}
		name, err := resolver.ParseName(host)
		if err != nil {
			return nil, Usagef("--connect %q: %v", v, err)
		}
		ap, err := parseAddrPort(addr)
		if err != nil {
			return nil, Usagef("--connect %q: %v", v, err)
		}
		if !c.Allows(ap.Addr()) {
			return nil, Usagef("--connect %q: the address is not of the family -4/-6 asks for", v)
		}
		key := strings.ToLower(strings.TrimSuffix(name.ASCII, "."))
		if _, dup := out[key]; dup {
			return nil, Usagef("--connect names %s twice", host)
		}
		out[key] = ap
	}
	return out, nil
}

// parseAddrPort reads "IP", "IP:PORT" or "[IPv6]:PORT"; port 0 when absent.
func parseAddrPort(s string) (netip.AddrPort, error) {
	if ip, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return netip.AddrPortFrom(ip.Unmap(), 0), nil
	}
	h, p, err := net.SplitHostPort(s)
	if err == nil {
		var ap netip.AddrPort
		if ap, err = netip.ParseAddrPort(net.JoinHostPort(h, p)); err == nil && ap.Port() != 0 {
			return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
		}
	}
	return netip.AddrPort{}, Usagef("%q is not an IP address or IP:PORT with a port from 1 to 65535", s)
}
