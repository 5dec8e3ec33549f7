package dnsbl

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// errorCase settles a table case that may expect an error: it fails t on
// the wrong outcome and reports whether the case is done (an error was
// wanted and got).
func errorCase(t *testing.T, err error, want string) bool {
	t.Helper()
	if want != "" {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want %q", err, want)
		}
		return true
	}
	if err != nil {
		t.Fatal(err)
	}
	return false
}

func TestParsePattern(t *testing.T) {
	tests := []struct {
		in      string
		match   []string
		nomatch []string
		err     string
	}{
		{in: "127.0.0.2", match: []string{"127.0.0.2"}, nomatch: []string{"127.0.0.3", "127.0.1.2"}},
		{in: "127.0.0.[2..11]", match: []string{"127.0.0.2", "127.0.0.7", "127.0.0.11"}, nomatch: []string{"127.0.0.1", "127.0.0.12"}},
		{in: "127.0.1.[2;4;102..106]", match: []string{"127.0.1.4", "127.0.1.105"}, nomatch: []string{"127.0.1.3", "127.0.1.107"}},
		{in: "127.[0..1].0.2", match: []string{"127.1.0.2"}, nomatch: []string{"127.2.0.2"}},
		{in: "10.0.0.2", err: "outside 127.0.0.0/8"},
		{in: "[127;10].0.0.2", err: "outside 127.0.0.0/8"},
		{in: "127.0.0", err: "want four octets"},
		{in: "127.0.0.2.5", err: "unexpected"},
		{in: "127.0.0.256", err: "not a number from 0 to 255"},
		{in: "127.0.0.[11..2]", err: "runs backwards"},
		{in: "127.0.0.[2..", err: "missing ]"},
		{in: "127.0.0.[2-5]", err: "inside brackets"},
		{in: "127.0.0.", err: "want a number"},
		{in: "127.0.0.0002", err: "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePattern(tt.in)
			if errorCase(t, err, tt.err) {
				return
			}
			for _, s := range tt.match {
				if !p.Contains(netip.MustParseAddr(s)) {
					t.Errorf("%s does not contain %s", tt.in, s)
				}
			}
			for _, s := range tt.nomatch {
				if p.Contains(netip.MustParseAddr(s)) {
					t.Errorf("%s contains %s", tt.in, s)
				}
			}
		})
	}
}

func TestParseBitmask(t *testing.T) {
	tests := []struct {
		in   string
		want uint8
		err  string
	}{
		{"0.0.0.4", 4, ""},
		{"0.0.0.255", 255, ""},
		{"72", 72, ""},
		{"0.0.0.0", 0, "from 1 to 255"},
		{"0", 0, "from 1 to 255"},
		{"256", 0, "from 1 to 255"},
		{"0.0.1.0", 0, "last octet"},
		{"127.0.0.4", 0, "last octet"},
		{"0.0.0.x", 0, "want 0.0.0.N"},
		{"::4", 0, "want 0.0.0.N"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBitmask(tt.in)
			if errorCase(t, err, tt.err) {
				return
			}
			if got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestClassify pins each matching model, including the Exchange 2003
// example: mask 0.0.0.3 counts .1 .2 .3 .5 .6 ... (any shared bit), and
// mask 0.0.0.6 counts either of its bits, not only both.
func TestClassify(t *testing.T) {
	anyList := List{Match: MatchAny, Errors: map[netip.Addr]string{ip4(127, 255, 255, 254): "refused"}}
	exact := List{Match: MatchExact, Exact: patterns("127.0.0.2", "127.0.0.[4..7]")}
	mask3 := List{Match: MatchBitmask, Mask: 3}
	mask6 := List{Match: MatchBitmask, Mask: 6}
	mask8 := List{Match: MatchBitmask, Mask: 8, Errors: map[netip.Addr]string{ip4(127, 0, 0, 1): "blocked"}}
	tests := []struct {
		name string
		l    *List
		code string
		want answerClass
	}{
		{"any listed", &anyList, "127.0.0.2", answerListed},
		{"any high code", &anyList, "127.0.5.200", answerListed},
		{"any error code", &anyList, "127.255.255.254", answerError},
		{"any outside 127/8", &anyList, "198.51.100.7", answerBogus},
		{"any mapped outside", &anyList, "::ffff:10.0.0.2", answerBogus},
		{"exact hit", &exact, "127.0.0.2", answerListed},
		{"exact range hit", &exact, "127.0.0.6", answerListed},
		{"exact miss", &exact, "127.0.0.3", answerNotMatched},
		{"exact outside", &exact, "10.0.0.2", answerBogus},
		{"mask 3 .1", &mask3, "127.0.0.1", answerListed},
		{"mask 3 .2", &mask3, "127.0.0.2", answerListed},
		{"mask 3 .3", &mask3, "127.0.0.3", answerListed},
		{"mask 3 .4", &mask3, "127.0.0.4", answerNotMatched},
		{"mask 3 .5", &mask3, "127.0.0.5", answerListed},
		{"mask 3 .8", &mask3, "127.0.0.8", answerNotMatched},
		{"mask 3 .72", &mask3, "127.0.0.72", answerNotMatched},
		{"mask 6 .2 only", &mask6, "127.0.0.2", answerListed},
		{"mask 6 .4 only", &mask6, "127.0.0.4", answerListed},
		{"mask 6 .6 both", &mask6, "127.0.0.6", answerListed},
		{"mask 6 .9", &mask6, "127.0.0.9", answerNotMatched},
		{"mask 8 .72", &mask8, "127.0.0.72", answerListed},
		{"mask 8 .64", &mask8, "127.0.0.64", answerNotMatched},
		{"mask 8 error", &mask8, "127.0.0.1", answerError},
		{"mask ignores middle octets", &mask8, "127.9.9.8", answerListed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.classify(netip.MustParseAddr(tt.code)); got != tt.want {
				t.Errorf("classify(%s) = %d, want %d", tt.code, got, tt.want)
			}
		})
	}
}

func TestMeaning(t *testing.T) {
	surbl, _ := FromCatalog("surbl")
	zen, _ := FromCatalog("zen")
	dnswl, _ := FromCatalog("dnswl")
	user := List{Zone: "bl.example", Match: MatchAny}
	tests := []struct {
		l    List
		code string
		want string
	}{
		{surbl, "127.0.0.24", "PH: phishing, MW: malware"},
		{surbl, "127.0.0.1", "SURBL blocked this resolver (public resolver or too many queries)"},
		{zen, "127.0.0.4", "XBL: compromised host (malware, botnet, open proxy)"},
		{zen, "127.255.255.254", spamhausErrors[ip4(127, 255, 255, 254)]},
		{dnswl, "127.0.5.3", "service or network provider, high trust"},
		{dnswl, "127.0.0.255", "DNSWL blocked this resolver (over the free-use limit or a public resolver)"},
		{user, "127.0.0.9", ""},
		{user, "127.0.0.1", "RFC 5782 reserves 127.0.0.1 as never listed; a list answering it is refusing us or listing everything"},
		{List{Match: MatchBitmask, Mask: 8}, "127.0.0.72", "bit 8, bit 64"},
	}
	for _, tt := range tests {
		if got := tt.l.Meaning(netip.MustParseAddr(tt.code)); got != tt.want {
			t.Errorf("%s %s: meaning %q, want %q", tt.l.Zone, tt.code, got, tt.want)
		}
	}
}

func TestMatchingCodes(t *testing.T) {
	got, more := matchingCodes(3, 9)
	if want := []int{1, 2, 3, 5, 6, 7, 9, 10, 11}; !slices.Equal(got, want) || !more {
		t.Errorf("mask 3: %v more=%v, want %v more=true", got, more, want)
	}
	got, more = matchingCodes(128, 200)
	if len(got) != 128 || got[0] != 128 || more {
		t.Errorf("mask 128: %d codes from %v, more=%v", len(got), got[:1], more)
	}
}

func TestCatalog(t *testing.T) {
	ids, zones := map[string]bool{}, map[string]bool{}
	for _, l := range Catalog() {
		if ids[l.ID] || zones[l.Zone] {
			t.Errorf("duplicate catalog entry %s %s", l.ID, l.Zone)
		}
		ids[l.ID], zones[l.Zone] = true, true
		if l.Dead && l.Default {
			t.Errorf("%s: a dead list must not be checked by default", l.Zone)
		}
		if _, _, err := l.testEntries(); err != nil {
			t.Errorf("%s: %v", l.Zone, err)
		}
		for code := range l.Errors {
			if l.classify(code) != answerError {
				t.Errorf("%s: error code %s does not classify as an error", l.Zone, code)
			}
		}
	}
	// By catalog ID: tests name no public list, so none can be queried by
	// mistake; the zones themselves live only in the catalog.
	for _, id := range []string{"zen", "dbl", "spamcop", "barracuda", "uceprotect1", "uceprotect2", "uceprotect3",
		"psbl", "mailspike", "s5h", "surbl", "uribl", "dnswl"} {
		l, ok := FromCatalog(id)
		if !ok || !zones[l.Zone] {
			t.Errorf("catalog lacks %s", id)
		}
	}
	if d, _ := FromCatalog("dnswl"); !d.Allow {
		t.Error("DNSWL must be an allow-list")
	}
}
