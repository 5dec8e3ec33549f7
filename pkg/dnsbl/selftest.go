package dnsbl

import (
	"context"
	"fmt"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
)

// HealthStatus is what a list's test entries say about it.
type HealthStatus int

const (
	HealthOK              HealthStatus = iota // test entry listed, negative entry not
	HealthListsEverything                     // the never-listed entry is listed: dead or wildcarded
	HealthBogus                               // answers outside 127.0.0.0/8: a rewriting resolver or a lapsed domain
	HealthRefused                             // the list or the resolver refuses us
	HealthDown                                // no usable answer (timeout, SERVFAIL)
	HealthNoTestEntry                         // the must-be-listed entry is not listed
)

var healthNames = [...]string{"ok", "lists_everything", "bogus_answers", "refused", "down", "no_test_entry"}

func (h HealthStatus) String() string { return enumName(healthNames[:], int(h), "health") }

func (h HealthStatus) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// Broken reports whether answers from the list cannot be believed at all,
// so targets should not be checked on it.
func (h HealthStatus) Broken() bool { return h == HealthListsEverything || h == HealthBogus }

// Health is one list's selftest.
type Health struct {
	Zone   string       `json:"zone"`
	List   string       `json:"list"`
	Status HealthStatus `json:"status"`
	// Listed is the lookup of the entry that must be listed (127.0.0.2 or
	// TEST), Clean the one that must not (127.0.0.1 or INVALID).
	Listed  ListResult     `json:"listed"`
	Clean   ListResult     `json:"clean"`
	Finding report.Finding `json:"-"`
}

// SelfTest looks up every list's RFC 5782 §5 test entries (or the list's
// own test entries) and says which lists are healthy. Lists whose test
// entries are invalid come back as down with the reason.
func SelfTest(ctx context.Context, r *resolver.Resolver, o Options) []Health {
	c := &checker{r: r, o: o}
	lists := o.lists()
	out := make([]Health, len(lists))
	var wg sync.WaitGroup
	for i := range lists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = c.selftest(ctx, &lists[i])
		}()
	}
	wg.Wait()
	return out
}

func (c *checker) selftest(ctx context.Context, l *List) Health {
	h := Health{Zone: l.Zone, List: l.Name}
	pos, neg, err := l.testEntries()
	if err != nil {
		h.Status = HealthDown
		h.Finding = healthFinding(l, h.Status, err.Error(), nil)
		return h
	}
	rs := c.run(ctx, []job{{list: l, checked: pos.Show, key: pos.Key}, {list: l, checked: neg.Show, key: neg.Key}})
	h.Listed, h.Clean = rs[0], rs[1]
	ev := append(h.Listed.evidenceOrStatus(), h.Clean.evidenceOrStatus()...)
	var why string
	switch {
	case h.Listed.failure == failCode || h.Clean.failure == failCode || h.Listed.failure == failRefused || h.Clean.failure == failRefused:
		h.Status, why = HealthRefused, firstErr(h.Listed, h.Clean)
	case h.Listed.failure == failBogus || h.Clean.failure == failBogus || len(h.Clean.Ignored) > 0:
		h.Status, why = HealthBogus, firstErr(h.Listed, h.Clean)
	case h.Clean.Status == StatusListed:
		h.Status, why = HealthListsEverything, fmt.Sprintf("%s, which must never be listed, is listed", neg.Show)
	case h.Listed.Status == StatusError || h.Clean.Status == StatusError:
		h.Status, why = HealthDown, firstErr(h.Listed, h.Clean)
	case h.Listed.Status != StatusListed:
		h.Status, why = HealthNoTestEntry, fmt.Sprintf("%s, which every list must carry, is not listed", pos.Show)
	default:
		h.Status, why = HealthOK, fmt.Sprintf("%s is listed and %s is not", pos.Show, neg.Show)
	}
	h.Finding = healthFinding(l, h.Status, why, ev)
	return h
}

func firstErr(a, b ListResult) string {
	if a.Err != "" {
		return a.Checked() + ": " + a.Err
	}
	return b.Checked() + ": " + b.Err
}

func (lr *ListResult) evidenceOrStatus() []string {
	if lr.Status == StatusError && len(lr.Codes) == 0 && len(lr.Ignored) == 0 {
		return []string{lr.Query + " A -> " + lr.Err}
	}
	if len(lr.Codes) == 0 && len(lr.Ignored) == 0 {
		return []string{lr.Query + " A -> not listed"}
	}
	return lr.evidence()
}

var healthAdvice = map[HealthStatus]struct {
	id       string
	severity report.Severity
	fix      string
}{
	HealthOK: {"dnsbl.selftest.ok", report.OK, ""},
	HealthListsEverything: {"dnsbl.selftest.lists_everything", report.Error,
		"The list answers every query as listed: it was shut down or its domain was wildcarded. Remove it from every MTA configuration now; it rejects all mail."},
	HealthBogus: {"dnsbl.selftest.bogus_answers", report.Error,
		"Answers outside 127.0.0.0/8 come from a resolver that rewrites NXDOMAIN or from a lapsed list domain. Use a resolver that passes answers through, and drop the list if the domain lapsed."},
	HealthRefused: {"dnsbl.selftest.refused", report.Warning,
		"The list will not answer this resolver: public resolvers and heavy users are refused. Use your own recursive resolver or the operator's registered access; until then the list protects nothing."},
	HealthDown: {"dnsbl.selftest.down", report.Warning,
		"No usable answer: the list's servers are failing or unreachable from here, or it no longer exists. Retry; if it stays down, stop using it, since every lookup waits for a timeout."},
	HealthNoTestEntry: {"dnsbl.selftest.no_test_entry", report.Warning,
		"The list does not carry the test entry RFC 5782 asks for: it may be empty, dead or not follow the RFC. Check the operator's documentation for its own test entry (zones file key test)."},
}

func healthFinding(l *List, st HealthStatus, why string, evidence []string) report.Finding {
	a := healthAdvice[st]
	msg := fmt.Sprintf("%s: %s (%s)", l.Label(), st, why)
	if st == HealthOK {
		msg = fmt.Sprintf("%s answers as RFC 5782 expects: %s", l.Label(), why)
	}
	return report.Finding{
		ID: a.id, Severity: a.severity, Subject: l.Zone, Message: msg, Evidence: evidence, Fix: a.fix,
		Incomplete: st == HealthRefused || st == HealthDown,
		Ref:        "RFC 5782 §5 (test entries)",
	}
}
