package ndr

import (
	_ "embed"
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/ndr/internal/phraseset"
)

// A layout knows one MTA or provider family's bounces: how to recognise
// them and how to read per-recipient facts out of them. Each family lives
// in a file of its own (layout_<family>.go) whose doc comment names the
// product, its markers and where they are documented. The order of
// layouts lists the more specific families before the ones they resemble
// (GMX before Exim, Google Workspace before Gmail).
type layout interface {
	// name is the value Result.Layout takes for this family.
	name() string
	// detect reports whether m is this family's bounce.
	detect(m *message) bool
	// parse reads m; nil means nothing usable was found, and the DSN
	// reader and the scraper take over.
	parse(m *message) *parsed
}

// parsed is what a layout read from one message.
type parsed struct {
	kind         Kind // KindBounce unless the layout says otherwise
	facts        []Fact
	reportingMTA string
	original     *Original
}

// markers are the signs that identify a family, all lower-case: substrings
// of the From and Subject headers, headers whose presence alone identifies
// the family, header values, and phrases of the report text. A message is
// the family's when a body phrase or a header sign is present, or when both
// a From and a Subject sign are.
type markers struct {
	from, subject []string
	headers       []string
	values        map[string][]string // header name → substrings of its lower-cased value
	body          []string
}

// family is the usual layout: markers for detection and a parse function.
type family struct {
	id   string
	m    markers
	read func(m *message) *parsed
	// also, when set, replaces the marker test.
	test func(m *message) bool
	// index is the family's position in the body-marker automaton.
	index int
}

func (f *family) name() string             { return f.id }
func (f *family) parse(m *message) *parsed { return f.read(m) }
func (f *family) detect(msg *message) bool {
	if f.test != nil {
		return f.test(msg)
	}
	return f.m.match(msg, f.index)
}

func (k *markers) match(msg *message, index int) bool {
	if msg.hasBodyMarker(index) {
		return true
	}
	for _, h := range k.headers {
		if msg.header.Has(h) {
			return true
		}
	}
	for h, vals := range k.values {
		if containsAny(msg.lowHeader(h), vals) {
			return true
		}
	}
	return len(k.from) > 0 && len(k.subject) > 0 &&
		containsAny(msg.lowHeader("From"), k.from) && containsAny(msg.lowHeader("Subject"), k.subject)
}

func containsAny(s string, subs []string) bool {
	if s == "" {
		return false
	}
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// layouts is the registry, filled by register calls in the family files'
// init functions and ordered by their rank.
var (
	layouts     []rankedLayout
	sortLayouts sync.Once
)

type rankedLayout struct {
	rank int
	l    layout
}

// register adds a family. rank orders detection: lower ranks are tried
// first; families whose bounces resemble another's take a lower rank than
// the one they resemble.
func register(rank int, f *family) {
	f.index = len(layouts)
	layouts = append(layouts, rankedLayout{rank, f})
}

// registry returns the layouts in detection order.
func registry() []layout {
	sortLayouts.Do(func() {
		for i := 1; i < len(layouts); i++ {
			for j := i; j > 0 && layouts[j].rank < layouts[j-1].rank; j-- {
				layouts[j], layouts[j-1] = layouts[j-1], layouts[j]
			}
		}
	})
	out := make([]layout, len(layouts))
	for i, r := range layouts {
		out[i] = r.l
	}
	return out
}

// LayoutNames lists the family layouts in detection order.
func LayoutNames() []string {
	var out []string
	for _, l := range registry() {
		out = append(out, l.name())
	}
	return out
}

// bodyMarkers compiles every family's body phrases into one automaton, so
// the report text is read once for all families; owner maps a phrase to
// the index of its family.
var bodyMarkers = sync.OnceValue(func() (c struct {
	set   *phraseset.Set
	owner []int
}) {
	var list []string
	list, c.owner = bodyMarkerList()
	c.set = phraseset.Load(bodyMarkersTable, list)
	return c
})

// The body marker automaton is built ahead and embedded (see package
// phraseset); TestEmbeddedTable fails when it is out of date.
//
//go:generate go test -run ^TestEmbeddedTable$ -update
//go:embed markers.bin
var bodyMarkersTable []byte

// bodyMarkerList lists every family's body phrases with the index of the
// family each belongs to.
func bodyMarkerList() (list []string, owner []int) {
	// In detection order: the order of registration depends on how the
	// package was built (the test binary initialises it in another order),
	// and the embedded table must fit every build.
	for _, l := range registry() {
		f, ok := l.(*family)
		if !ok {
			continue
		}
		for _, p := range f.m.body {
			list = append(list, p)
			owner = append(owner, f.index)
		}
	}
	return list, owner
}

// hasBodyMarker reports whether the report text holds a body phrase of the
// family with this index.
func (m *message) hasBodyMarker(index int) bool {
	if m.marks == nil {
		m.prepare()
		bm := bodyMarkers()
		m.marks = make(phraseset.Bits, (len(layouts)+63)/64)
		bm.set.Scan(m.lowHead, func(id int) { m.marks.Set(bm.owner[id]) })
	}
	return m.marks.Has(index)
}
