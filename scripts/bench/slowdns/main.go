// Command slowdns serves DNSBL zones from memory on a loopback address and
// delays every answer, standing in for list servers far away. It is a
// helper of scripts/bench/dnsbl.sh, not part of mailflow.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mailflowkit/mailflow/pkg/authdns"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to serve on (UDP and TCP)")
	zones := flag.Int("zones", 20, "number of zones bl0.bench.test ... blN-1.bench.test")
	delay := flag.Duration("delay", 50*time.Millisecond, "delay before every answer")
	flag.Parse()
	var zt strings.Builder
	for i := range *zones {
		fmt.Fprintf(&zt, "$ORIGIN bl%d.bench.test.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 60\n", i)
		zt.WriteString("2.0.0.127 IN A 127.0.0.2\n2.0.0.127 IN TXT \"test entry\"\n")
	}
	s, err := authdns.Start(*addr, zt.String(), authdns.WithDelay(*delay))
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
