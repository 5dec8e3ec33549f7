package ndr

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// addrChar is the class of characters an address's local part and
// domain labels are made of besides ASCII punctuation: ASCII letters and
// digits, and every non-ASCII character except the punctuation blocks that
// bounce text puts around an address (Latin-1 signs and NBSP, « », general
// punctuation and quotes, CJK and full-width punctuation, the BOM). It
// stands in for \p{L}\p{N}, which costs about 0.4 ms to compile in each
// of the package's two dozen expressions and makes every match search
// hundreds of ranges; unlike \p{L}\p{N}, it keeps the combining marks that
// Indic and Thai domain names are written with.
const addrChar = `A-Za-z0-9\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1FFF}\x{2C00}-\x{2DFF}\x{2E80}-\x{2FFF}` +
	`\x{3040}-\x{FE0F}\x{FE70}-\x{FEFE}\x{FF10}-\x{FF19}\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{FF66}-\x{FFDC}\x{10000}-\x{10FFFF}`

// addrPattern matches an email address as it appears in bounce text. The
// domain may be a single label ("user@server") because some reports name
// internal hosts that way. Case folding is off inside it: the class holds
// both cases already, and folding its wide ranges under a caller's (?i)
// costs more than the class saves.
const addrPattern = `(?-i:[` + addrChar + `!#$%&'*+/=?^_{|}~.-]+@[` + addrChar + `](?:[` + addrChar + `-]*[` + addrChar + `])?(?:\.[` + addrChar + `](?:[` + addrChar + `-]*[` + addrChar + `])?)*)`

var addrRE = lazyre.New(addrPattern)

// cleanAddress extracts the mailbox from a recipient value such as
// "<user@example.org>", "rfc822; user@example.org", a source route
// "@relay:user@host" or a pipe "|/bin/prog user@example.org". It returns ""
// when the value holds no address.
func cleanAddress(v string) string {
	_, v = splitTyped(v)
	if i := strings.LastIndexByte(v, ':'); i >= 0 && strings.HasPrefix(v, "@") {
		v = v[i+1:]
	}
	m := addrRE().FindString(v)
	m = strings.Trim(m, ".")
	if strings.Count(m, "@") != 1 {
		return ""
	}
	return strings.ToLower(m)
}

// domainOf returns the part after the @, lower-cased.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// addressList extracts every address from a header value such as
// X-Failed-Recipients, in order and without duplicates.
func addressList(v string) []string {
	var out []string
	for _, m := range addrRE().FindAllString(v, -1) {
		if a := cleanAddress(m); a != "" && !containsString(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
