package ndr

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// This file renders results for people: the sections of the text and
// Markdown reports. The JSON shapes are the Result and Summary types
// themselves.

// fieldWidth pads field names so the values of a recipient line up.
const fieldWidth = 14

// resultSection renders one input in detail: where the bounce came from,
// the returned message, and per recipient what failed, what it means and
// what to do.
func resultSection(res Result) []report.Section {
	title := res.Source
	var lines []string
	for _, t := range res.Truncated {
		lines = append(lines, report.Wrap(fmt.Sprintf("%-*s", fieldWidth, "read in part"), t.String()+" (see --max-input)")...)
	}
	switch res.Kind {
	case KindUnparsed:
		return []report.Section{{Title: title + ": could not be parsed", Lines: append(lines, res.Error)}}
	case KindNotBounce:
		return []report.Section{{Title: title + ": not a bounce", Lines: []string{"no failed or delayed recipient found"}}}
	case KindCode:
		title = "Code " + res.Source
	default:
		desc := string(res.Kind)
		if res.Layout != "" {
			desc = res.Layout + " " + desc
		}
		if res.ReportingMTA != "" {
			desc += " from " + res.ReportingMTA
		}
		title = fmt.Sprintf("%s: %s, %s", res.Source, desc, report.Plural(len(res.Recipients), "recipient"))
		if o := res.Original; o != nil {
			lines = append(lines, report.Wrap(fmt.Sprintf("%-*s", fieldWidth, "original msg"), originalLine(o))...)
		}
	}
	for _, r := range res.Recipients {
		lines = append(lines, recipientLines(r, res.Kind)...)
	}
	return []report.Section{{Title: title, Lines: lines}}
}

// originalLine identifies the bounced message in one sentence, so the
// sender can find it in their own sent folder or logs.
func originalLine(o *Original) string {
	var parts []string
	if o.Subject != "" {
		parts = append(parts, strconv.Quote(o.Subject))
	}
	if o.From != "" {
		parts = append(parts, "from "+o.From)
	}
	if o.To != "" {
		parts = append(parts, "to "+o.To)
	}
	if o.Date != "" {
		parts = append(parts, "sent "+o.Date)
	}
	if o.MessageID != "" {
		parts = append(parts, "Message-ID "+o.MessageID)
	}
	return strings.Join(parts, ", ")
}

// recipientLines renders one recipient as "name  value" lines. A bare code
// has no recipient, action or remote MTA, so those lines are left out
// rather than shown empty.
func recipientLines(r Recipient, kind Kind) []string {
	var l []string
	field := func(name, value string) {
		if value != "" {
			l = append(l, report.Wrap(fmt.Sprintf("%-*s", fieldWidth, name), value)...)
		}
	}
	if kind != KindCode {
		addr := r.Address
		if addr == "" {
			addr = "(not named in the report)"
		}
		field("recipient", addr)
	}
	x := r.Explanation
	if r.Status != "" {
		s := r.Status
		if x != nil && x.Title != "" && x.Code == r.Status {
			s += " " + x.Title
		}
		field("status", s)
	}
	if r.ReplyCode != 0 {
		field("reply code", strconv.Itoa(r.ReplyCode))
	}
	outcome := r.Reason
	if r.HardBounce {
		outcome += " (hard bounce: retrying will not help)"
	} else if kind == KindBounce && r.Reason != "delivered" {
		outcome += " (soft bounce)"
	}
	field("reason", outcome)
	if kind != KindCode {
		field("action", r.Action)
		remote := r.RemoteMTA
		if r.Command != "" {
			remote = strings.TrimSpace(remote + " (rejected at " + r.Command + ")")
		}
		field("remote MTA", remote)
		field("diagnostic", r.Diagnostic)
	}
	if x == nil {
		return l
	}
	field("meaning", x.Meaning)
	field("reason means", x.Reason)
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		l = append(l, title)
		for _, it := range items {
			l = append(l, report.Wrap("  - ", it)...)
		}
	}
	list("likely causes", x.Causes)
	list("check and fix", x.Checks)
	return l
}

// messageRows is one mbox message in the per-message table: a row per
// recipient, or one row saying why the message has none. The table of a
// mail log, whose results are all bounces, shows each recipient's action
// instead of the kind.
func messageRows(res Result, log bool) [][]string {
	idx := res.Source
	if file := inputFile(res.Source); file != res.Source {
		idx = res.Source[len(file)+1:]
	}
	kind := string(res.Kind)
	if len(res.Truncated) > 0 {
		kind += " (read in part)"
	}
	if len(res.Recipients) == 0 {
		what := kind
		if res.Error != "" {
			what += ": " + res.Error
		}
		return [][]string{{idx, what, "", "", "", ""}}
	}
	var rows [][]string
	for _, r := range res.Recipients {
		what := kind
		if log {
			what = r.Action
		}
		rows = append(rows, []string{idx, what, r.Address, dash(r.Status), replyText(r.ReplyCode), r.Reason})
	}
	return rows
}

// dash stands in for a missing value, so a table cell never looks like a
// misaligned column.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func replyText(code int) string {
	if code == 0 {
		return "-"
	}
	return strconv.Itoa(code)
}

// summaryLine is the one-line verdict under the report: how much was read
// and the reasons, most frequent first.
func summaryLine(s Summary) string {
	var parts []string
	for _, c := range s.ByReason {
		parts = append(parts, fmt.Sprintf("%d %s", c.Count, c.Key))
	}
	line := fmt.Sprintf("%s, %s", report.Plural(s.Inputs, "input"), report.Plural(s.Recipients, "recipient"))
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	if s.Truncated > 0 {
		line += "; " + counted(s.Truncated, "input", "inputs") + " read in part"
	}
	if s.Logs != nil {
		line += "; mail logs: " + logSummary(*s.Logs)
	}
	return line
}

// summaryKinds orders the "Inputs by kind" table: bounces first, the inputs
// that explain nothing last.
var summaryKinds = [...]Kind{KindBounce, KindFeedback, KindAutoReply, KindCode, KindNotBounce, KindUnparsed}

// summarySections groups many inputs by reason, status, recipient domain
// and kind, which is where patterns (one blocked IP, one dead domain) show.
func summarySections(s Summary) []report.Section {
	table := func(title, key string, rows []Count) report.Section {
		t := &report.Table{Header: []string{key, "Recipients"}}
		for _, c := range rows {
			t.Rows = append(t.Rows, []string{c.Key, strconv.Itoa(c.Count)})
		}
		return report.Section{Title: title, Table: t}
	}
	out := []report.Section{
		table("Summary by reason", "Reason", s.ByReason),
		table("Summary by status", "Status", s.ByStatus),
	}
	dom := table("Summary by recipient domain", "Domain", s.ByDomain)
	if s.Domains > len(s.ByDomain) {
		dom.Title = fmt.Sprintf("Summary by recipient domain (top %d of %d)", len(s.ByDomain), s.Domains)
	}
	kinds := &report.Table{Header: []string{"Kind", "Inputs"}}
	for _, k := range summaryKinds {
		if n := s.ByKind[string(k)]; n > 0 {
			kinds.Rows = append(kinds.Rows, []string{string(k), strconv.Itoa(n)})
		}
	}
	return append(out, dom, report.Section{Title: "Inputs by kind", Table: kinds})
}

// counted writes n with the word in the singular or plural form given.
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
