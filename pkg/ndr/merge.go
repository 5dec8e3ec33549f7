package ndr

import (
	"strings"
)

// assemble turns a read message into a Result. The sources of facts are
// tried in a fixed order: the family layout that recognises the message,
// then the RFC 3464 delivery-status fields, then the generic scraper; merge
// is the one place their facts are joined.
func assemble(res Result, m *message, without map[string]bool) Result {
	res.Original = m.originalHeaders()
	var lr *parsed
	for _, l := range registry() {
		if without[l.name()] || !l.detect(m) {
			continue
		}
		if res.Layout == "" {
			res.Layout = l.name()
		}
		if lr = l.parse(m); lr != nil {
			res.Layout = l.name()
			break
		}
	}
	var layoutFacts []Fact
	if lr != nil {
		if lr.original != nil {
			res.Original = lr.original
		}
		res.ReportingMTA = lr.reportingMTA
		if lr.kind != "" && lr.kind != KindBounce {
			return finishResult(res, lr.kind, lr.facts)
		}
		layoutFacts = lr.facts
	}
	dsn, reporter := readDSN(m)
	if res.ReportingMTA == "" {
		res.ReportingMTA = reporter
	}
	facts := merge(layoutFacts, dsn, m)
	if len(facts) == 0 {
		if !without["autoreply"] && autoReply(m) {
			return finishResult(res, KindAutoReply, autoReplyFacts(m))
		}
		res.Kind = KindNotBounce
		if m.mimeErr != nil {
			return unparsed(res, "broken MIME structure and no readable bounce text: "+m.mimeErr.Error())
		}
		return res
	}
	for i := range facts {
		if facts[i].ReportingMTA == "" {
			facts[i].ReportingMTA = res.ReportingMTA
		}
	}
	return finishResult(res, KindBounce, facts)
}

func finishResult(res Result, kind Kind, facts []Fact) Result {
	res.Kind = kind
	for _, f := range facts {
		if f.ReportingMTA == "" {
			f.ReportingMTA = res.ReportingMTA
		}
		res.Recipients = append(res.Recipients, Resolve(f))
	}
	return res
}

// merge joins the facts of the three sources. The recipients are those of
// the delivery-status part when there is one (it is the report's own list),
// else those the layout found, else those the scraper found. Each recipient
// then takes what it lacks from the other sources, matched by address: the
// layout first, then the scraper. A diagnostic without any reply or status
// code gives way to one that has them.
func merge(layoutFacts, dsn []Fact, m *message) []Fact {
	base, others := dsn, [][]Fact{layoutFacts}
	if len(base) == 0 {
		base, others = layoutFacts, nil
	}
	needScrape := len(base) == 0
	for _, f := range base {
		if f.Address == "" || f.Diagnostic == "" || f.Command == "" || f.RemoteMTA == "" || !hasCode(f.Diagnostic) {
			needScrape = true
		}
	}
	var scraped []Fact
	if needScrape {
		scraped = scrape(m)
		if len(base) == 0 {
			base = scraped
		} else {
			others = append(others, scraped)
		}
	}
	base = nameAnonymous(base, scraped, m)
	if len(base) == 0 {
		base = lastResort(m)
	}
	if needScrape && len(scraped) == 0 && len(base) == 1 && len(dsn) > 0 {
		// One recipient and no anchor in the text: the whole report is
		// about it.
		others = append(others, []Fact{scrapeBlock(base[0].Address, strings.Split(m.reportHead(), "\n"))})
	}
	out := make([]Fact, 0, len(base))
	for _, b := range base {
		for _, o := range others {
			if f, ok := counterpart(o, b, len(base)); ok {
				b = fill(b, f)
			}
		}
		out = append(out, b)
	}
	return out
}

// nameAnonymous gives delivery-status blocks that name no recipient the
// addresses the text names, in order, skipping those other blocks already
// have; blocks left without an address are dropped.
func nameAnonymous(base, scraped []Fact, m *message) []Fact {
	anonymous := 0
	named := map[string]bool{}
	for _, f := range base {
		if f.Address == "" {
			anonymous++
		} else {
			named[f.Address] = true
		}
	}
	if anonymous == 0 {
		return base
	}
	var spare []string
	for _, list := range [][]Fact{scraped, lastResort(m)} {
		for _, f := range list {
			if !named[f.Address] {
				named[f.Address] = true
				spare = append(spare, f.Address)
			}
		}
		if len(spare) > 0 {
			break
		}
	}
	out := base[:0]
	for _, f := range base {
		if f.Address == "" && len(spare) > 0 {
			f.Address, spare = spare[0], spare[1:]
		}
		if f.Address != "" {
			out = append(out, f)
		}
	}
	return out
}

// counterpart finds the fact in list about the same recipient as b: the
// same address or original recipient, or the only one when both sides have
// one recipient.
func counterpart(list []Fact, b Fact, baseLen int) (Fact, bool) {
	for _, f := range list {
		if f.Address != "" && (f.Address == b.Address || f.Address == b.OriginalRecipient) {
			return f, true
		}
	}
	if len(list) == 1 && baseLen == 1 {
		return list[0], true
	}
	return Fact{}, false
}

// fill copies into dst what it lacks from src.
func fill(dst, src Fact) Fact {
	set := func(d *string, s string) {
		if *d == "" {
			*d = s
		}
	}
	set(&dst.OriginalRecipient, src.OriginalRecipient)
	set(&dst.Action, src.Action)
	set(&dst.Status, src.Status)
	set(&dst.StatusText, src.StatusText)
	set(&dst.RemoteMTA, src.RemoteMTA)
	set(&dst.ReportingMTA, src.ReportingMTA)
	set(&dst.Command, src.Command)
	set(&dst.Date, src.Date)
	set(&dst.Reason, src.Reason)
	set(&dst.FeedbackType, src.FeedbackType)
	if dst.ReplyCode == 0 {
		dst.ReplyCode = src.ReplyCode
	}
	if src.Diagnostic != "" && (dst.Diagnostic == "" || (!hasCode(dst.Diagnostic) && len(findReplyCodes(src.Diagnostic)) > 0)) {
		if dst.Diagnostic != "" && dst.DiagnosticType == "" {
			dst.DiagnosticType = "smtp"
		}
		dst.Diagnostic = src.Diagnostic
		set(&dst.DiagnosticType, src.DiagnosticType)
	}
	return dst
}

func hasCode(s string) bool {
	return len(findReplyCodes(s)) > 0 || len(findStatusCodes(s)) > 0
}

// lastResort finds recipients when no source named any: the bounce's own
// X-Failed-Recipients header, or, for a message that is plainly a bounce
// and quotes an SMTP failure, the To of the returned message.
func lastResort(m *message) []Fact {
	addrs := addressList(m.headerText("X-Failed-Recipients"))
	head := m.reportHead()
	if len(addrs) == 0 && m.looksLikeBounce() && isErrorLine(head) {
		if o := m.originalHeaders(); o != nil {
			addrs = addressList(o.To)
		}
	}
	lines := strings.Split(head, "\n")
	var out []Fact
	for _, a := range addrs {
		out = append(out, scrapeBlock(a, lines))
	}
	return out
}
