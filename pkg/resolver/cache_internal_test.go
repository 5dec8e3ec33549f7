package resolver

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mailflowkit/mailflow/pkg/authdns"
)

func testAnswer(name string) *Answer {
	return &Answer{Name: name, Type: dns.TypeA, Status: StatusOK, Records: []dns.RR{
		&dns.A{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: net.IPv4(192, 0, 2, 1)},
	}}
}

func q(name string) question { return question{name: name, qtype: dns.TypeA} }

func TestCacheEviction(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	size := answerSize(testAnswer("a.test."))
	tests := []struct {
		name string
		run  func(c *cache)
		want []string // names still cached, at now+2s
		gone []string
	}{
		{name: "least recently used goes first",
			run: func(c *cache) {
				c.put(q("a.test."), testAnswer("a.test."), 60, now)
				c.put(q("b.test."), testAnswer("b.test."), 60, now)
				c.put(q("c.test."), testAnswer("c.test."), 60, now)
				c.get(q("a.test."), now) // a is now more recent than b
				c.put(q("d.test."), testAnswer("d.test."), 60, now)
			},
			want: []string{"a.test.", "c.test.", "d.test."}, gone: []string{"b.test."}},
		{name: "expired goes before least recently used",
			run: func(c *cache) {
				c.put(q("a.test."), testAnswer("a.test."), 60, now)
				c.put(q("b.test."), testAnswer("b.test."), 60, now)
				c.put(q("short.test."), testAnswer("short.test."), 1, now)
				c.put(q("d.test."), testAnswer("d.test."), 60, now.Add(2*time.Second))
			},
			want: []string{"a.test.", "b.test.", "d.test."}, gone: []string{"short.test."}},
		{name: "replacing an entry does not count it twice",
			run: func(c *cache) {
				for range 10 {
					c.put(q("a.test."), testAnswer("a.test."), 60, now)
				}
				c.put(q("b.test."), testAnswer("b.test."), 60, now)
				c.put(q("c.test."), testAnswer("c.test."), 60, now)
			},
			want: []string{"a.test.", "b.test.", "c.test."}},
		{name: "an expired entry is not served",
			run: func(c *cache) {
				c.put(q("a.test."), testAnswer("a.test."), 1, now)
			},
			gone: []string{"a.test."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache(3*size + size/2) // room for three entries
			tt.run(c)
			at := now.Add(2 * time.Second)
			for _, n := range tt.want {
				if a, ok := c.get(q(n), at); !ok || !a.Cached {
					t.Errorf("%s not cached", n)
				}
			}
			for _, n := range tt.gone {
				if _, ok := c.get(q(n), at); ok {
					t.Errorf("%s still cached", n)
				}
			}
			if entries, used := c.stats(); used > c.budget || entries != len(tt.want) {
				t.Errorf("%d entries in %d bytes, budget %d", entries, used, c.budget)
			}
		})
	}
}

// An answer bigger than the whole budget is not cached, and does not
// push out what is.
func TestCacheSkipsHugeAnswers(t *testing.T) {
	c := newCache(4096)
	c.put(q("a.test."), testAnswer("a.test."), 60, time.Now())
	big := testAnswer("big.test.")
	for range 100 {
		big.Records = append(big.Records, big.Records[0])
	}
	c.put(q("big.test."), big, 60, time.Now())
	if _, ok := c.get(q("a.test."), time.Now()); !ok {
		t.Error("a small answer was pushed out")
	}
	if n, _ := c.stats(); n != 1 {
		t.Errorf("%d entries, want 1", n)
	}
}

// A bulk run over many more names than fit stays within the budget.
func TestCacheStaysWithinBudget(t *testing.T) {
	var zone = "$ORIGIN bulk.test.\n@ 300 IN SOA ns hostmaster 1 3600 600 86400 60\n*.bulk.test. 300 IN A 192.0.2.1\n"
	s, err := authdns.Start("127.0.0.1:0", zone)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const budget = 64 << 10
	r, err := New(Config{Servers: []string{s.Addr}, Timeout: 2 * time.Second, CacheBytes: budget})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		if _, err := r.Query(context.Background(), fmt.Sprintf("n%d.bulk.test", i), dns.TypeA); err != nil {
			t.Fatal(err)
		}
	}
	entries, used := r.cache.stats()
	if used > budget || entries < 100 {
		t.Errorf("%d entries in %d bytes with a budget of %d", entries, used, budget)
	}
	// The most recent answers are the ones kept.
	n := s.Queries()
	r.Query(context.Background(), "n1999.bulk.test", dns.TypeA)
	if s.Queries() != n {
		t.Error("the latest answer was evicted")
	}
}
