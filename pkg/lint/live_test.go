package lint

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// The live checks run against DNS and SMTP servers in this process, on
// loopback addresses only: every smart host gets its own 127.0.0.x address
// and all listen on one port, as --port lets the real command do.

const liveZone = `$ORIGIN lab.test.
@ 3600 IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 300
good 3600 IN A 127.0.0.1
badcert 3600 IN A 127.0.0.2
notls 3600 IN A 127.0.0.3
down 3600 IN A 127.0.0.4
split 3600 IN A %s
$ORIGIN contoso.com.
@ 3600 IN SOA ns.contoso.com. hostmaster.contoso.com. 1 3600 600 86400 300
@ 3600 IN MX 0 contoso-com.mail.protection.outlook.com.
ex01.corp 3600 IN A 127.0.0.50
$ORIGIN relay.example.
@ 3600 IN SOA ns.relay.example. hostmaster.relay.example. 1 3600 600 86400 300
@ 3600 IN MX 10 ex01.corp.contoso.com.
`

const liveConfig = `[PS] C:\>Get-ReceiveConnector | fl

Name           : Default EX01
Server         : EX01
Fqdn           : ex01.corp.contoso.com
TransportRole  : HubTransport
Bindings       : {0.0.0.0:2525}
RemoteIPRanges : {0.0.0.0-255.255.255.255}

[PS] C:\>Get-AcceptedDomain | fl

Name       : relay.example
DomainName : relay.example
DomainType : InternalRelay

[PS] C:\>Get-SendConnector | fl

Name                   : To Internet
AddressSpaces          : {SMTP:*;1}
DNSRoutingEnabled      : True
SourceTransportServers : {EX01}

Name                   : Good
AddressSpaces          : {SMTP:good.example;1}
DNSRoutingEnabled      : False
SmartHosts             : {good.lab.test}
RequireTLS             : True
TlsAuthLevel           : DomainValidation
TlsDomain              : good.lab.test
SourceTransportServers : {EX01}

Name                   : BadCert
AddressSpaces          : {SMTP:badcert.example;1}
DNSRoutingEnabled      : False
SmartHosts             : {badcert.lab.test}
RequireTLS             : True
TlsAuthLevel           : DomainValidation
TlsDomain              : badcert.lab.test
SourceTransportServers : {EX01}

Name                   : NoTLS
AddressSpaces          : {SMTP:notls.example;1}
DNSRoutingEnabled      : False
SmartHosts             : {notls.lab.test}
SmartHostAuthMechanism : BasicAuthRequireTLS
AuthenticationCredential : System.Management.Automation.PSCredential
RequireTLS             : True
SourceTransportServers : {EX01}

Name                   : Down
AddressSpaces          : {SMTP:down.example;1}
DNSRoutingEnabled      : False
SmartHosts             : {down.lab.test}
SourceTransportServers : {EX01}

Name                   : Missing
AddressSpaces          : {SMTP:missing.example;1}
DNSRoutingEnabled      : False
SmartHosts             : {missing.lab.test}
SourceTransportServers : {EX01}

Name                   : Split
AddressSpaces          : {SMTP:split.example;1}
DNSRoutingEnabled      : False
SmartHosts             : {split.lab.test}
SourceTransportServers : {EX01}

PS C:\> Get-OutboundConnector | fl

Name          : Outbound to 5a8c3d1e
ConnectorType : OnPremises
UseMXRecord   : True
RecipientDomains : {contoso.com}
TlsSettings   : DomainValidation
`

// startSMTP starts the smart hosts on one free port shared by their
// loopback addresses.
func startSMTP(t *testing.T, ca *certgen.CA) int {
	t.Helper()
	hosts := []struct {
		ip, certName string
	}{{"127.0.0.1", "good.lab.test"}, {"127.0.0.2", "other.example"}, {"127.0.0.3", ""}}
	var err error
	for try := 0; try < 20; try++ {
		var closers []io.Closer
		port := 0
		err = nil
		for _, h := range hosts {
			cfg := labsmtp.Config{Addr: net.JoinHostPort(h.ip, strconv.Itoa(port)), Hostname: "smarthost.lab.test"}
			if h.certName != "" {
				cert, cerr := certgen.Issue(ca, certgen.Leaf{Names: []string{h.certName}})
				if cerr != nil {
					t.Fatal(cerr)
				}
				cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			var s *labsmtp.Server
			if s, err = labsmtp.Start(cfg); err != nil {
				break
			}
			closers = append(closers, s)
			if port == 0 {
				_, p, _ := net.SplitHostPort(s.Addr)
				port, _ = strconv.Atoi(p)
			}
		}
		if err == nil {
			t.Cleanup(func() {
				for _, c := range closers {
					c.Close()
				}
			})
			return port
		}
		for _, c := range closers {
			c.Close()
		}
	}
	t.Fatalf("binding SMTP servers on 127.0.0.1-3 with one port: %v (on macOS: sudo ifconfig lo0 alias 127.0.0.2; likewise .3)", err)
	return 0
}

func startDNS(t *testing.T, splitAddr string) *resolver.Resolver {
	t.Helper()
	srv, err := authdns.Start("127.0.0.1:0", fmt.Sprintf(liveZone, splitAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r, err := resolver.New(resolver.Config{Servers: []string{srv.Addr}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLive(t *testing.T) {
	ca, err := certgen.NewCA("lint test CA")
	if err != nil {
		t.Fatal(err)
	}
	port := startSMTP(t, ca)
	c, err := Load([]Source{{Name: "live.txt", Data: []byte(liveConfig)}}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Live(ctx, c, LiveOptions{
		Internal: startDNS(t, "127.0.0.1"),
		External: startDNS(t, "127.0.0.9"),
		Port:     port,
		Timeout:  10 * time.Second,
		RootCAs:  ca.Pool(),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range Check(c, Options{Live: res}) {
		obj, _, _ := strings.Cut(f.Subject, " .")
		got[f.ID] = append(got[f.ID], fmt.Sprintf("%s %s", obj, f.Severity))
	}
	want := map[string][]string{
		"lint.live.smarthost_unresolved": {`SendConnector "Missing" error`},
		"lint.live.split_dns":            {`SendConnector "Split" warning`},
		"lint.live.smarthost_smtp":       {`SendConnector "Down" error`},
		"lint.live.smarthost_starttls":   {`SendConnector "NoTLS" error`},
		// Split reaches the good host, whose certificate names another host.
		"lint.live.smarthost_certificate": {`SendConnector "BadCert" error`, `SendConnector "Split" warning`},
		"lint.domain.relay_dns_loop":      {`AcceptedDomain "relay.example" error`},
		"lint.exo.outbound_onprem_mx":     {`OutboundConnector "Outbound to 5a8c3d1e" error`},
	}
	for id, w := range want {
		g := got[id]
		slices.Sort(g)
		if !slices.Equal(g, w) {
			t.Errorf("%s: got %q, want %q", id, g, w)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("unexpected %s: %q", id, g)
		}
	}
	lines := strings.Join(res.Lines(), "\n")
	for _, s := range []string{"smart host good.lab.test: 127.0.0.1", "certificate for other.example", "MX relay.example: ex01.corp.contoso.com", "--compare: 127.0.0.9"} {
		if !strings.Contains(lines, s) {
			t.Errorf("live lines lack %q:\n%s", s, lines)
		}
	}
}

// Without --live the network rules stay silent and the MX-based rules keep
// their offline severity.
func TestOfflineIgnoresLiveRules(t *testing.T) {
	c, err := Load([]Source{{Name: "live.txt", Data: []byte(liveConfig)}}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Check(c, Options{}) {
		if strings.HasPrefix(f.ID, "live.") {
			t.Errorf("offline run reported %s", f.ID)
		}
		if (f.ID == "lint.domain.relay_dns_loop" || f.ID == "lint.exo.outbound_onprem_mx") && f.Severity != report.Warning {
			t.Errorf("%s offline severity %s, want warning", f.ID, f.Severity)
		}
	}
}
