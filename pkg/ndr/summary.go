package ndr

import "sort"

// Count is one row of a summary grouping.
type Count struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// Summary groups many results by what they say.
type Summary struct {
	Inputs      int            `json:"inputs"`
	ByKind      map[string]int `json:"by_kind,omitempty"`
	Recipients  int            `json:"recipients"`
	HardBounces int            `json:"hard_bounces"`
	ByReason    []Count        `json:"by_reason,omitempty"`
	ByStatus    []Count        `json:"by_status,omitempty"`
	// ByDomain lists the recipient domains with the most bounces, at most
	// MaxSummaryDomains of them; Domains is the number of distinct domains.
	ByDomain []Count `json:"by_domain,omitempty"`
	Domains  int     `json:"domains"`
	// Truncated counts the inputs that a size limit stopped before their
	// end (each result says which limit and how much was not read).
	Truncated int `json:"truncated,omitempty"`
	// Logs counts the lines of the mail logs read; their lines that record
	// a failure or a delay are among the inputs, the others are counted
	// here and not shown.
	Logs *LogStats `json:"logs,omitempty"`
}

// MaxSummaryDomains bounds the per-domain rows of a summary.
const MaxSummaryDomains = 25

// Summarizer accumulates results into a Summary. Its memory grows with the
// number of distinct reasons, codes and domains, not with the input.
type Summarizer struct {
	inputs, recipients, hard, truncated int
	kinds                               map[string]int
	reasons, statuses, doms             map[string]int
	logs                                *LogStats
}

// NewSummarizer returns an empty Summarizer.
func NewSummarizer() *Summarizer {
	return &Summarizer{kinds: map[string]int{}, reasons: map[string]int{}, statuses: map[string]int{}, doms: map[string]int{}}
}

// Add counts one result.
func (s *Summarizer) Add(r Result) {
	s.inputs++
	s.kinds[string(r.Kind)]++
	if len(r.Truncated) > 0 {
		s.truncated++
	}
	for _, rc := range r.Recipients {
		s.recipients++
		if rc.HardBounce {
			s.hard++
		}
		if rc.Reason != "" {
			s.reasons[rc.Reason]++
		}
		status := rc.Status
		if status == "" {
			status = "(none)"
		}
		s.statuses[status]++
		if d := domainOf(rc.Address); d != "" {
			s.doms[d]++
		}
	}
}

// AddLog counts the lines of a mail log; its results are added one by one
// with Add.
func (s *Summarizer) AddLog(st LogStats) {
	if s.logs == nil {
		s.logs = &LogStats{}
	}
	s.logs.Lines += st.Lines
	s.logs.Results += st.Results
	s.logs.Delivered += st.Delivered
	s.logs.Skipped += st.Skipped
	s.logs.LongLines += st.LongLines
}

// Summary returns the counts, largest groups first.
func (s *Summarizer) Summary() Summary {
	sum := Summary{
		Inputs:      s.inputs,
		ByKind:      s.kinds,
		Recipients:  s.recipients,
		HardBounces: s.hard,
		ByReason:    sorted(s.reasons, 0),
		ByStatus:    sorted(s.statuses, 0),
		ByDomain:    sorted(s.doms, MaxSummaryDomains),
		Domains:     len(s.doms),
		Truncated:   s.truncated,
		Logs:        s.logs,
	}
	return sum
}

func sorted(m map[string]int, limit int) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
