package dnsbl

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is a number of DNS queries per second; 0 means unlimited.
type Rate float64

// ParseRate reads "N/s", "N/m", "N/h", a bare N (per second), or "0",
// "off" or "unlimited".
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "0", "off", "unlimited", "none":
		return 0, nil
	}
	num, unit, _ := strings.Cut(s, "/")
	per := map[string]float64{"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit]
	n, err := strconv.ParseFloat(num, 64)
	if per == 0 || err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("rate %q: want N/s, N/m or N/h with N > 0, or 0 for no limit", s)
	}
	return Rate(n / per), nil
}

func (r Rate) String() string {
	if r == 0 {
		return "unlimited"
	}
	return strconv.FormatFloat(float64(r), 'f', -1, 64) + "/s"
}

// Limiter is a token bucket shared by every query of a run: public lists
// block resolvers that query too fast, so bulk checks must pace themselves.
// A nil Limiter does not limit.
type Limiter struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
}

// minBurst lets one ordinary check (a dozen lists, A and TXT each) go out
// at once before the rate applies.
const minBurst = 64

// NewLimiter returns a limiter for r, nil for an unlimited rate.
func NewLimiter(r Rate) *Limiter {
	if r <= 0 {
		return nil
	}
	burst := max(math.Ceil(float64(r)), minBurst)
	return &Limiter{rate: float64(r), burst: burst, tokens: burst, last: time.Now()}
}

// Wait blocks until a query may be sent or ctx ends. Waiters reserve their
// token in order, so nobody starves.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	l.tokens--
	deficit := -l.tokens
	l.mu.Unlock()
	if deficit <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(deficit / l.rate * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		l.tokens++ // give the reservation back
		l.mu.Unlock()
		return ctx.Err()
	}
}
