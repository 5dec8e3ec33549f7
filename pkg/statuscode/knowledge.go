package statuscode

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Entry explains one code or diagnostic token.
type Entry struct {
	Code    string   `json:"code"`             // "5.4.4", "550", "SMTPSEND.DNS.MxLoopback", "5.7.64"
	Title   string   `json:"title"`            // short name, e.g. "Unable to route"
	Meaning string   `json:"meaning"`          // what it means, one or two sentences
	Causes  []string `json:"causes,omitempty"` // likely causes, most likely first
	Fixes   []string `json:"fixes,omitempty"`  // what to check and fix
	Source  string   `json:"source"`           // where the knowledge comes from
}

// maxExplainText bounds how much of a bounce Explain and FindTokens read.
// Diagnostic lines sit near the top of an NDR; the rest is usually the
// returned message, and scanning megabytes of it for every vendor phrase
// would let a hostile input make the tool crawl.
const maxExplainText = 256 << 10

// maxTokens bounds FindTokens output for the same reason.
const maxTokens = 100

// ClassMeaning describes the class digit of an enhanced status code
// (RFC 3463 §3.1). It returns "" for anything but 2, 4 and 5.
func ClassMeaning(class int) string {
	switch class {
	case 2:
		return "Success: the message was delivered or relayed; the detail may report something changed on the way"
	case 4:
		return "Persistent transient failure: the message itself is acceptable but a temporary condition stopped it; the sender keeps retrying until its queue lifetime runs out"
	case 5:
		return "Permanent failure: sending the same message to the same address again will fail until something is changed"
	}
	return ""
}

// subjects holds the RFC 3463 §3 subject titles and their scope.
var subjects = [...]struct{ title, scope string }{
	{"Other or undefined status", "nothing more specific than the class is known"},
	{"Addressing status", "something about the sender or recipient address"},
	{"Mailbox status", "the recipient mailbox exists but its state caused the report"},
	{"Mail system status", "the receiving system as a whole: storage, configuration or capabilities"},
	{"Network and routing status", "reaching the next hop: DNS, connections, loops and time limits"},
	{"Mail delivery protocol status", "the SMTP conversation itself: commands, syntax and protocol limits"},
	{"Message content or media status", "the content of the message or its conversion"},
	{"Security or policy status", "authentication, authorisation, filtering or local policy"},
}

// SubjectMeaning describes the subject digit of an enhanced status code
// (RFC 3463 §3). It returns "" for subjects RFC 3463 does not define.
func SubjectMeaning(subject int) string {
	if subject < 0 || subject >= len(subjects) {
		return ""
	}
	return subjects[subject].title + ": " + subjects[subject].scope
}

// LookupEnhanced returns the IANA registry meaning of an enhanced code. For a
// code not in the registry it falls back to the class and subject meaning
// (X.Y.0 / RFC 3463 §3) and says so in Meaning; ok is false only for an invalid class.
func LookupEnhanced(e Enhanced) (Entry, bool) {
	class := ClassMeaning(e.Class)
	if class == "" {
		return Entry{}, false
	}
	if r, found := registryIndex[[2]int{e.Subject, e.Detail}]; found {
		return r.entry(e), true
	}
	ent := Entry{Code: e.String(), Source: "RFC 3463 §3 (class and subject only)"}
	if e.Subject >= 0 && e.Subject < len(subjects) {
		ent.Title = subjects[e.Subject].title + " (unregistered detail)"
		ent.Meaning = fmt.Sprintf("Detail %d is not in the IANA registry, so only the class and subject can be read. %s. The subject covers %s.",
			e.Detail, class, subjects[e.Subject].scope)
		return ent, true
	}
	ent.Title = "Unregistered subject"
	ent.Meaning = fmt.Sprintf("Subject %d is not defined by RFC 3463 and the code is not in the IANA registry; it is private to whichever system sent it. Only the class can be read: %s.",
		e.Subject, class)
	return ent, true
}

// LookupReply returns the RFC 5321 meaning of a basic reply code (211..554, plus the well-known 521/556 of RFC 7504).
// An unlisted but well-formed code gets the meaning of its first two digits
// (RFC 5321 §4.2.1); ok is false when the code cannot be an SMTP reply.
func LookupReply(code int) (Entry, bool) {
	if r, found := replyIndex[code]; found {
		return r, true
	}
	first, second := code/100, code/10%10
	if code < 200 || code > 599 || second > 5 {
		return Entry{}, false
	}
	return Entry{
		Code:    fmt.Sprint(code),
		Title:   "Unlisted " + ReplyClass(code) + " reply",
		Meaning: fmt.Sprintf("%d is not a standard reply, so only its digits can be read: the first (%d) says %s, the second (%d) says the reply concerns %s.", code, first, ReplyClass(code), second, replyCategories[second]),
		Source:  "RFC 5321 §4.2.1 (digits only)",
	}, true
}

// replyCategories is the meaning of the second digit of a reply code.
var replyCategories = [...]string{
	"syntax", "information", "the connection", "an unspecified category", "an unspecified category", "the mail system",
}

// LookupToken returns an Exchange diagnostic token such as SMTPSEND.DNS.MxLoopback (case-insensitive).
// A longer token than the knowledge base holds, such as an exception name
// with its MAPI detail, resolves to its closest known parent.
func LookupToken(token string) (Entry, bool) {
	key := strings.ToLower(strings.TrimSpace(token))
	for strings.ContainsAny(key, ".:") {
		if ent, found := tokenIndex[key]; found {
			return ent, true
		}
		key = key[:strings.LastIndexAny(key, ".:")]
	}
	return Entry{}, false
}

// tokenRE finds Exchange diagnostic tokens: a component prefix followed by
// dotted parts and optionally an exception name after a colon.
var tokenRE = lazyre.New(`(?i)\b(SMTPSEND|RESOLVER|ROUTING|QUEUE|STOREDRV|PICKUP|REPLAY|DSNGENERATION|APPROVAL|TRANSPORT\.RULES)(?:\.[A-Za-z0-9_]+)+(?::[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?`)

// FindTokens returns the Exchange diagnostic tokens found in free text, in order.
// Each token appears once. Exchange writes the component prefix in capitals;
// a lower-case look-alike (a host name such as queue.example.net) is kept
// only when the knowledge base recognises it.
func FindTokens(text string) []string {
	text = bounded(text)
	var out []string
	seen := map[string]bool{}
	for _, m := range tokenRE().FindAllStringSubmatchIndex(text, -1) {
		tok := text[m[0]:m[1]]
		prefix := text[m[2]:m[3]]
		if prefix != strings.ToUpper(prefix) {
			if _, known := LookupToken(tok); !known {
				continue
			}
		}
		key := strings.ToLower(tok)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, tok)
		if len(out) == maxTokens {
			break
		}
	}
	return out
}

// Explain returns every entry that applies to a bounce, most specific first:
// Exchange tokens found in text; vendor entries for the code (Exchange 2003 /
// 2007-2019 / Exchange Online tables; provider patterns such as Gmail "gsmtp",
// Yahoo TSS codes, Microsoft's own texts, matched on text); then the IANA entry
// for the enhanced code; then the basic reply code entry. Duplicates removed.
// reply may be 0 and e may be zero when unknown.
func Explain(e Enhanced, reply int, text string) []Entry {
	text = bounded(text)
	var out []Entry
	seen := map[string]bool{}
	add := func(ent Entry) {
		key := ent.Source + "\x00" + strings.ToLower(ent.Code) + "\x00" + ent.Title
		if !seen[key] {
			seen[key] = true
			out = append(out, ent)
		}
	}
	tokens := FindTokens(text)
	for _, tok := range tokens {
		if ent, ok := LookupToken(tok); ok {
			add(ent)
		}
	}
	for _, ent := range vendorEntries(e, strings.ToLower(text), len(tokens) > 0) {
		add(ent)
	}
	if !e.IsZero() {
		if ent, ok := LookupEnhanced(e); ok {
			add(ent)
		}
	}
	if reply != 0 {
		if ent, ok := LookupReply(reply); ok {
			add(ent)
		}
	}
	return out
}

func bounded(text string) string {
	if len(text) > maxExplainText {
		return text[:maxExplainText]
	}
	return text
}

// family groups vendor rules by the system that emits the text, so a Gmail
// bounce is not explained with Exchange tables and vice versa.
type family uint8

const (
	famMicrosoft    family = iota + 1 // Exchange 2007 and later, Exchange Online, Outlook.com
	famExchange2003                   // Exchange 2000/2003 transport: no tokens, no fingerprints
	famGoogle
	famYahoo
)

// fingerprints are lower-case strings that show which provider wrote a bounce.
var fingerprints = map[family][]string{
	famMicrosoft: {"outlook.com", "hotmail", "exchangelabs", "microsoft", "office365", "office 365"},
	famGoogle:    {"gsmtp", "google.com", "googlemail"},
	famYahoo:     {"yahoo", "aol.com"},
}

// needsFingerprint reports whether the family's rules apply only when the
// bounce shows the provider. Exchange tables are this tool's home ground and
// apply to a bare code; a bare 5.1.1 is not a Gmail bounce, and a sentence
// such as "mailbox not found" means Yahoo's only in a Yahoo bounce.
func (f family) needsFingerprint() bool { return f == famGoogle || f == famYahoo }

// codeSpan matches class.subject.lo through class.subject.hi.
type codeSpan struct{ class, subject, lo, hi int }

func at(class, subject, detail int) codeSpan { return codeSpan{class, subject, detail, detail} }

func span(class, subject, lo, hi int) codeSpan { return codeSpan{class, subject, lo, hi} }

func (s codeSpan) covers(e Enhanced) bool {
	return e.Class == s.class && e.Subject == s.subject && e.Detail >= s.lo && e.Detail <= s.hi
}

// rule is one vendor entry and when it applies. A rule with phrases is a
// variant: it needs one of its phrases in the text (and a matching code if
// codes are given). A rule without phrases is the general meaning of its
// codes for that vendor; a matching variant of the same family replaces it.
type rule struct {
	Entry
	family  family
	codes   []codeSpan
	phrases []string // lower case, any one suffices
}

func (r *rule) covers(e Enhanced) bool {
	for _, s := range r.codes {
		if s.covers(e) {
			return true
		}
	}
	return false
}

// width is the size of the narrowest span of r that covers e, or 0 for a
// rule that matched on text alone.
func (r *rule) width(e Enhanced) int {
	w := 0
	for _, s := range r.codes {
		if s.covers(e) && (w == 0 || s.hi-s.lo+1 < w) {
			w = s.hi - s.lo + 1
		}
	}
	return w
}

// entryFor fills in the code the rule matched, so a range rule such as
// 5.7.606-649 reports the concrete 5.7.607 it explained. Text-only rules
// keep the code they were named with.
func (r *rule) entryFor(e Enhanced) Entry {
	ent := r.Entry
	if len(r.codes) > 0 {
		ent.Code = e.String()
	}
	return ent
}

// allRules is every vendor table in the order ties are broken: newest
// Microsoft knowledge first, then the Exchange 2003 table, then providers.
// The tables are built on first use, not at every start of the binary.
var allRules = sync.OnceValue(func() []rule {
	return concatRules(exchangeOnlineRules(), exchangeRules(), exchange2003Rules(), outlookComRules(), gmailRules(), yahooRules())
})

func concatRules(tables ...[]rule) []rule {
	var out []rule
	for _, t := range tables {
		out = append(out, t...)
	}
	return out
}

// match strength, strongest first.
const (
	strengthCodeAndText = 3 // code and a distinctive phrase both match
	strengthText        = 2 // a text-only rule's phrase matched
	strengthFingerprint = 1 // general rule of a provider the text names
	strengthCode        = 0 // general rule matched on the code alone
)

type hit struct {
	r        *rule
	strength int
	width    int // size of the matching code span: an exact code beats a range
}

// vendorEntries applies the vendor tables to one bounce.
func vendorEntries(e Enhanced, lower string, hasTokens bool) []Entry {
	detected := map[family]bool{}
	for f, marks := range fingerprints {
		if containsAny(lower, marks) {
			detected[f] = true
		}
	}
	if hasTokens {
		detected[famMicrosoft] = true
	}
	var hits []hit
	variantFor := map[family]bool{}
	rules := allRules()
	for i := range rules {
		r := &rules[i]
		s, ok := r.match(e, lower, detected)
		if !ok {
			continue
		}
		if len(r.phrases) > 0 && len(r.codes) > 0 {
			variantFor[r.family] = true
		}
		hits = append(hits, hit{r, s, r.width(e)})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].strength != hits[j].strength {
			return hits[i].strength > hits[j].strength
		}
		return hits[i].width < hits[j].width
	})
	var out []Entry
	for _, h := range hits {
		if len(h.r.phrases) == 0 && variantFor[h.r.family] {
			continue
		}
		if h.r.family == famExchange2003 && variantFor[famMicrosoft] {
			continue
		}
		out = append(out, h.r.entryFor(e))
	}
	return out
}

func (r *rule) match(e Enhanced, lower string, detected map[family]bool) (int, bool) {
	if r.family.needsFingerprint() && !detected[r.family] {
		return 0, false
	}
	if len(r.codes) > 0 && (e.IsZero() || !r.covers(e)) {
		return 0, false
	}
	if len(r.phrases) > 0 {
		if !containsAny(lower, r.phrases) {
			return 0, false
		}
		if len(r.codes) > 0 {
			return strengthCodeAndText, true
		}
		return strengthText, true
	}
	if detected[r.family] {
		return strengthFingerprint, true
	}
	if len(detected) > 0 {
		return 0, false
	}
	return strengthCode, true
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// newRule starts a vendor rule; the chained methods below fill it in so the
// tables read as one line per fact.
func newRule(f family, source string, codes ...codeSpan) rule {
	return rule{Entry: Entry{Source: source}, family: f, codes: codes}
}

// named sets the code shown for a rule that matches on text alone.
func (r rule) named(code string) rule { r.Code = code; return r }

// on makes the rule a variant that needs one of these lower-case phrases.
func (r rule) on(phrases ...string) rule { r.phrases = phrases; return r }

func (r rule) says(title, meaning string) rule { r.Title, r.Meaning = title, meaning; return r }

func (r rule) because(causes ...string) rule { r.Causes = causes; return r }

func (r rule) fix(fixes ...string) rule { r.Fixes = fixes; return r }
