// Command slowdns serves zones from memory on a loopback address and delays
// answers, standing in for servers far away. It is a helper of the scripts
// in scripts/bench, not part of mailflow:
//
//   - DNSBL zones bl0.bench.test ... (dnsbl.sh): every answer delayed;
//   - with -mx N, N mail domains d1.mx.bench.test ... dN (mx-hol.sh) of
//     which -dead percent never answer their MX query and -slow percent
//     answer it after -slow-delay, spread through the list.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to serve on (UDP and TCP)")
	zones := flag.Int("zones", 20, "number of zones bl0.bench.test ... blN-1.bench.test")
	delay := flag.Duration("delay", 50*time.Millisecond, "delay before every answer")
	mxDomains := flag.Int("mx", 0, "serve N mail domains d1.mx.bench.test ... instead of DNSBL zones")
	dead := flag.Int("dead", 20, "with -mx: percent of domains whose MX query is never answered")
	slow := flag.Int("slow", 30, "with -mx: percent of domains whose MX answer is late")
	slowDelay := flag.Duration("slow-delay", 500*time.Millisecond, "with -mx: how late")
	flag.Parse()
	var zt strings.Builder
	var opts []authdns.Option
	if *mxDomains > 0 {
		zt.WriteString("$ORIGIN mx.bench.test.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 60\n")
		for j := range 50 {
			fmt.Fprintf(&zt, "mx%d IN A 127.0.41.%d\n", j, j)
		}
		for i := 1; i <= *mxDomains; i++ {
			fmt.Fprintf(&zt, "d%d IN MX 10 mx%d\n", i, i%50)
			// Out of every 100 domains, the first dead% never answer and
			// the next slow% are late: both spread evenly through the list.
			name := fmt.Sprintf("d%d.mx.bench.test", i)
			switch k := i % 100; {
			case k < *dead:
				opts = append(opts, authdns.WithRule(name, authdns.Rule{Type: dns.TypeMX, Drop: true}))
			case k < *dead+*slow:
				opts = append(opts, authdns.WithRule(name, authdns.Rule{Type: dns.TypeMX, Delay: *slowDelay}))
			}
		}
	} else {
		for i := range *zones {
			fmt.Fprintf(&zt, "$ORIGIN bl%d.bench.test.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 60\n", i)
			zt.WriteString("2.0.0.127 IN A 127.0.0.2\n2.0.0.127 IN TXT \"test entry\"\n")
		}
		opts = append(opts, authdns.WithDelay(*delay))
	}
	s, err := authdns.Start(*addr, zt.String(), opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slowdns:", err)
		os.Exit(1)
	}
	fmt.Println("ready", s.Addr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	s.Close()
}
