package smtpprobe_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/certgen"
	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

// BenchmarkProbeAll200 probes 200 loopback servers the way --all-mx does:
// EHLO, STARTTLS with a verified certificate, EHLO, MAIL, RCPT, QUIT each,
// at several concurrency limits. scripts/bench/smtp.sh runs it.
func BenchmarkProbeAll200(b *testing.B) {
	ca := newCA(b)
	tlsCfg := serverTLS(b, ca, certgen.Leaf{}, 0)
	eps := make([]smtpprobe.Endpoint, 200)
	for i := range eps {
		addr := startServer(b, labsmtp.Config{TLS: tlsCfg, LocalDomains: []string{"lab.test"}})
		eps[i] = smtpprobe.Endpoint{Addr: addr, ServerName: testHost}
	}
	o := baseOptions(ca)
	o.To = []string{"postmaster@lab.test"}
	for _, c := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) {
			o.Concurrency = c
			for b.Loop() {
				for _, r := range smtpprobe.ProbeAll(context.Background(), eps, o) {
					if r.TLS == nil || !r.TLS.Trusted || len(r.Steps) != 5 {
						b.Fatalf("%s: incomplete session %+v", r.Addr(), r.Findings)
					}
				}
			}
			b.ReportMetric(float64(len(eps)*b.N)/b.Elapsed().Seconds(), "sessions/s")
		})
	}
}
