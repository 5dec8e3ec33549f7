package resolver

import (
	"container/heap"
	"container/list"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// DefaultCacheBytes is the cache budget when Config.CacheBytes is unset:
// room for some 50,000 typical answers, far more than one diagnosis needs,
// while a bulk run over a million names stays within it.
const DefaultCacheBytes = 16 << 20

// cache keeps definite answers for their TTL within a budget of bytes. When
// an answer does not fit, expired answers go first, then the least recently
// used, so memory stays flat however many names a bulk run asks for.
type cache struct {
	mu      sync.Mutex
	budget  int
	used    int
	entries map[question]*cacheEntry
	lru     list.List // of *cacheEntry, most recently used first
	expiry  expiryHeap
}

type cacheEntry struct {
	q       question
	ans     *Answer
	expires time.Time
	size    int
	elem    *list.Element
	index   int // in the expiry heap
}

func newCache(budget int) *cache {
	return &cache{budget: budget, entries: map[question]*cacheEntry{}}
}

// get returns a copy of the answer for q, marked as cached, while it is
// fresh.
func (c *cache) get(q question, now time.Time) (*Answer, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[q]
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) {
		c.remove(e)
		return nil, false
	}
	c.lru.MoveToFront(e.elem)
	a := *e.ans
	a.Cached, a.RTT, a.Try = true, 0, 0
	return &a, true
}

// put stores a for ttl seconds. An answer larger than the whole budget is
// not kept. (The largest DNS message, 64 KiB, is estimated at well under
// 1% of the default budget.)
func (c *cache) put(q question, a *Answer, ttl uint32, now time.Time) {
	if ttl == 0 {
		return
	}
	size := answerSize(a)
	if size > c.budget {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[q]; ok {
		c.remove(old)
	}
	e := &cacheEntry{q: q, ans: a, expires: now.Add(time.Duration(ttl) * time.Second), size: size}
	e.elem = c.lru.PushFront(e)
	heap.Push(&c.expiry, e)
	c.entries[q] = e
	c.used += size
	for c.used > c.budget {
		if first := c.expiry[0]; !now.Before(first.expires) {
			c.remove(first)
			continue
		}
		c.remove(c.lru.Back().Value.(*cacheEntry))
	}
}

func (c *cache) remove(e *cacheEntry) {
	delete(c.entries, e.q)
	c.lru.Remove(e.elem)
	heap.Remove(&c.expiry, e.index)
	c.used -= e.size
}

// stats returns the number of answers held and their estimated size.
func (c *cache) stats() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.used
}

// answerSize estimates what an answer costs in memory: the structures
// around it plus each record at about twice its wire size (owner name,
// header fields and data as Go values).
func answerSize(a *Answer) int {
	const entryOverhead = 400 // Answer, cacheEntry, map slot, list element
	const rrOverhead = 48     // interface value and RR_Header
	n := entryOverhead + len(a.Name) + len(a.Server)
	for _, sec := range [][]dns.RR{a.Records, a.Authority, a.Stray} {
		for _, rr := range sec {
			n += rrOverhead + 2*dns.Len(rr)
		}
	}
	return n
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []*cacheEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *expiryHeap) Push(x any) {
	e := x.(*cacheEntry)
	e.index = len(*h)
	*h = append(*h, e)
}

func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
