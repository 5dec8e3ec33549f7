package ndr

import (
	"fmt"
	"testing"
	"time"
)

// TestCollectorLean: a Collector reading an mbox message by message keeps
// counts, not messages, when the output needs neither the results (JSON
// data) nor the per-message rows (-v).
func TestCollectorLean(t *testing.T) {
	for _, tt := range []struct {
		results, rows bool
	}{{false, false}, {true, false}, {false, true}, {true, true}} {
		c := NewCollector()
		c.Lean(tt.results, tt.rows)
		bounce := func(src, addr string) Result {
			return Result{Source: src, Kind: KindBounce, Recipients: []Recipient{{Address: addr, Status: "5.1.1", Reason: "userunknown", HardBounce: true}}}
		}
		c.BeginMbox("big.mbox")
		const n = 500
		for i := 1; i <= n; i++ {
			c.AddMessage(bounce(fmt.Sprintf("big.mbox#%d", i), fmt.Sprintf("u%d@example.org", i)))
		}
		c.EndMbox()
		if len(c.results) != map[bool]int{false: 0, true: n}[tt.results] {
			t.Errorf("results %v rows %v: %d results kept", tt.results, tt.rows, len(c.results))
		}
		rep := c.Report(nil, time.Time{}, 0)
		rows := len(rep.Sections[0].Table.Rows)
		if rows != map[bool]int{false: 0, true: n}[tt.rows] || rep.Sections[0].Title != "big.mbox: 500 messages" {
			t.Errorf("results %v rows %v: section %q with %d rows", tt.results, tt.rows, rep.Sections[0].Title, rows)
		}
		if sum := rep.Data.(ReportData).Summary; sum.Inputs != n || sum.Recipients != n {
			t.Errorf("summary %+v", sum)
		}
	}
}
