package ndr

import "strings"

// addrPattern matches an email address as it appears in bounce text. The
// domain may be a single label ("user@server") because some reports name
// internal hosts that way.
const addrPattern = `[\p{L}\p{N}!#$%&'*+/=?^_{|}~.-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*`

var addrRE = lazyRE(addrPattern)

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
