package resolver

import (
	"testing"

	"github.com/miekg/dns"
)

// Without a trace, recording an exchange costs nothing; with one, the
// answer is put into words when the trace is read, as it was when it was
// recorded.
func TestTraceRendersLazily(t *testing.T) {
	rr, err := dns.NewRR("example.test. 300 IN MX 10 mx.example.test.")
	if err != nil {
		t.Fatal(err)
	}
	a := &Answer{Name: "example.test.", Type: dns.TypeMX, Status: StatusOK, Records: []dns.RR{rr},
		Server: "127.0.0.1:53", Transport: "udp", AA: true}
	var none *Trace
	if n := testing.AllocsPerRun(100, func() { none.addAnswer(a, false, "") }); n != 0 {
		t.Errorf("recording without a trace allocates %.0f times", n)
	}

	tr := &Trace{}
	tr.addAnswer(a, false, "; sending again")
	a.Status, a.Records, a.AA = StatusNXDomain, nil, false // the transport reuses a
	ex := tr.Exchanges()
	if len(ex) != 1 || ex[0].Status != "ok" || len(ex[0].Answers) != 1 || ex[0].Answers[0] != "example.test. 300 MX 10 mx.example.test." ||
		len(ex[0].Flags) != 1 || ex[0].Error != "; sending again" || ex[0].Time.IsZero() {
		t.Errorf("trace %+v", ex)
	}
}
