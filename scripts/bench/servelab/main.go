// Command servelab runs the built-in lab with N tenant domains added to
// its DNS, for load tests of mailflow serve: every tenant's MX is the
// lab's healthy mx1.good.lab.test, except every tenth, whose MX is the
// lab's hub (a loop when the hub is "us"). It is a helper of
// scripts/bench/serve.sh, not part of mailflow, and listens on 127.0.0.0/8
// only.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mailflowkit/mailflow/pkg/authdns"
	"github.com/mailflowkit/mailflow/pkg/lab"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address of the DNS server (UDP and TCP)")
	tenants := flag.Int("tenants", 1000, "tenant domains t1.bench.test ... tN.bench.test")
	flag.Parse()
	if err := run(*addr, *tenants); err != nil {
		fmt.Fprintln(os.Stderr, "servelab:", err)
		os.Exit(1)
	}
}

func run(addr string, tenants int) error {
	l, err := lab.Start(lab.Options{})
	if err != nil {
		return err
	}
	defer l.Close()
	zone, err := lab.Zone()
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(zone)
	b.WriteString("$ORIGIN bench.test.\n@ 3600 IN SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 300\n@ 3600 IN NS ns.lab.test.\n")
	for i := 1; i <= tenants; i++ {
		mx := "mx1.good.lab.test."
		if i%10 == 0 {
			mx = "hub.lab.test."
		}
		fmt.Fprintf(&b, "t%d 3600 IN MX 10 %s\nt%d 3600 IN TXT \"v=spf1 ip4:127.0.0.11 -all\"\n", i, mx, i)
	}
	dns, err := authdns.Start(addr, b.String())
	if err != nil {
		return err
	}
	defer dns.Close()
	fmt.Printf("ready %s %d %s\n", dns.Addr, l.SMTPPort, l.CAFile)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}
