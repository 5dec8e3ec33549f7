package cli

import (
	"strconv"
	"time"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// dnsServersSection shows what the resolvers learned about each DNS server
// during the run: the round-trip estimate and retransmission timer, the
// window of queries in flight, and how many queries were sent, sent again,
// answered and lost. It is verbose detail for an admin wondering why a run
// was slow, or whether a server drops queries under load.
func dnsServersSection(rs ...*resolver.Resolver) report.Section {
	t := &report.Table{Header: []string{"Server", "RTT", "RTO", "Window", "Sent", "Resent", "Answered", "Timed out", "Window halved"}}
	for _, r := range rs {
		if r == nil {
			continue
		}
		for _, st := range r.Stats() {
			rtt := "-"
			if st.Answers > 0 {
				rtt = millis(st.SRTT) + " ± " + millis(st.RTTVar)
			}
			t.Rows = append(t.Rows, []string{st.Server, rtt, millis(st.RTO), strconv.Itoa(st.Window),
				count(st.Sent), count(st.Retransmits), count(st.Answers), count(st.Timeouts), count(st.WindowCuts)})
		}
	}
	return report.Section{Title: "DNS servers", Table: t, Verbose: true}
}

func millis(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

func count(n uint64) string { return strconv.FormatUint(n, 10) }
