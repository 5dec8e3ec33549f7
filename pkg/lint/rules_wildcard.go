package lint

import (
	"fmt"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// A wildcard is judged by what it covers, not by its text: "*.contoso.com"
// is one organization's namespace, "*.co.uk" is every company registered
// in the United Kingdom. The Public Suffix List says where registrations
// happen: its ICANN section (com, co.uk, and wildcard rules such as
// *.ck), and its private section, where providers hand out names under
// their own domain to unrelated customers (cloudapp.net, blogspot.com).
// Both count here: a relay for *.cloudapp.net relays for every customer
// of that cloud. The one exception is a private suffix the organization
// accepts as its own domain, which makes it the provider. A top-level
// domain that is not on the list (.local, .example) is a suffix by the
// list's default rule and counts too.

// suffixCover is the public suffix a wildcard covers.
type suffixCover struct {
	suffix  string
	private bool // from the list's private section: a provider's domain
	tld     bool // a top-level domain the list does not name
	below   bool // every name directly under suffix is a public suffix
}

func (c suffixCover) String() string {
	switch {
	case c.below:
		return fmt.Sprintf("every public suffix under %s (*.%s is on the Public Suffix List)", c.suffix, c.suffix)
	case c.tld:
		return "the top-level domain ." + c.suffix
	case c.private:
		return fmt.Sprintf("the shared provider suffix %s (Public Suffix List, private section)", c.suffix)
	}
	return "the public suffix " + c.suffix
}

// probeLabel is a name no exception rule of the list uses, to ask whether
// a wildcard rule makes every name under a domain a suffix.
const probeLabel = "mailflow-probe"

// coversSuffix reports whether a pattern "*.X" covers a public suffix.
// "*" alone covers everything and is judged by the callers; a pattern
// without a wildcard names one domain and covers nothing else.
func coversSuffix(pattern string) (suffixCover, bool) {
	p := normDomain(pattern)
	base, ok := strings.CutPrefix(p, "*.")
	if !ok || base == "" || strings.Contains(base, "*") {
		return suffixCover{}, false
	}
	if s, icann := publicsuffix.PublicSuffix(base); s == base {
		return suffixCover{suffix: base, private: !icann && strings.Contains(base, "."), tld: !icann && !strings.Contains(base, ".")}, true
	}
	probe := probeLabel + "." + base
	if s, icann := publicsuffix.PublicSuffix(probe); s == probe {
		return suffixCover{suffix: base, private: !icann, below: true}, true
	}
	return suffixCover{}, false
}

// ownDomains are the domains the organization accepts by name (no
// wildcard), which make a private suffix its own.
func (x *ctx) ownDomains() map[string]bool {
	own := map[string]bool{}
	for _, d := range x.domains() {
		if d.domain != "" && !strings.Contains(d.domain, "*") {
			own[d.domain] = true
		}
	}
	return own
}

// wideWildcard is coversSuffix less the private suffixes the organization
// owns.
func (x *ctx) wideWildcard(pattern string, own map[string]bool) (suffixCover, bool) {
	c, ok := coversSuffix(pattern)
	if ok && c.private && own[c.suffix] {
		return suffixCover{}, false
	}
	return c, ok
}

// domainPattern is the namespace an accepted domain stands for: its name,
// or "*.name" when MatchSubDomains takes in every subdomain (Exchange
// Online relay domains).
func (d domainEntry) pattern() string {
	if d.obj.Kind == KindAcceptedDomain && d.obj.True("MatchSubDomains") && !strings.HasPrefix(d.domain, "*") {
		return "*." + d.domain
	}
	return d.domain
}

func checkSuffixWildcardDomain(x *ctx) {
	own := x.ownDomains()
	for _, d := range x.domains() {
		pat := d.pattern()
		c, ok := x.wideWildcard(pat, own)
		if !ok {
			continue
		}
		ev := d.obj.Evidence(d.prop, d.typeProp())
		if pat != d.domain {
			ev = append(ev, d.obj.Evidence("MatchSubDomains")...)
		}
		msg := fmt.Sprintf("%s covers %s: every domain registered there is treated as this organization's own, so mail from your users to any of them is refused with 550 5.1.1", pat, c)
		if !d.authoritative {
			msg = fmt.Sprintf("%s covers %s: the organization accepts mail for every domain registered there, from anyone, and relays it on: an open relay for all of them", pat, c)
		}
		x.emit(hit{obj: d.obj, prop: d.prop, evidence: ev, msg: msg})
	}
}

// checkRelayWildcard finds Exchange 2003 SMTP connectors that let anyone
// relay to "*" or to a whole public suffix.
func checkRelayWildcard(x *ctx) {
	own := x.ownDomains()
	for _, o := range x.OfKind(KindSMTPConnector) {
		if !o.True("allow_relay") || !enabled(o) {
			continue
		}
		for _, as := range addressSpaces(o) {
			if !as.smtp() {
				continue
			}
			what := "every domain"
			if normDomain(as.addr) != "*" {
				c, ok := x.wideWildcard(as.addr, own)
				if !ok {
					continue
				}
				what = "every domain under " + c.String()
			}
			x.emit(hit{obj: o, prop: "allow_relay", evidence: o.Evidence("address_spaces", "allow_relay"),
				msg: fmt.Sprintf("the connector allows relay to %s: anyone on the Internet can send through this server to %s, and it will be abused for spam and block-listed", as.text, what)})
			break
		}
	}
}

// smartHostKey names a connector's set of smart hosts.
func smartHostKey(o *Object, prop string) string {
	var hs []string
	for _, h := range smartHosts(o, prop) {
		hs = append(hs, strings.ToLower(h.text))
	}
	return strings.Join(hs, ",")
}

// routed is a connector that hands some domains to smart hosts: a send
// connector, an Exchange 2003 SMTP connector, or an Exchange Online
// outbound connector.
type routed struct {
	obj               *Object
	spacesProp, hosts string
	spaces            []string
}

func (x *ctx) smartHostRoutes() []routed {
	var out []routed
	for _, o := range x.connectors() {
		prop := "SmartHosts"
		if o.Kind == KindSMTPConnector {
			prop = "smart_hosts"
		}
		if dns, _ := dnsRouting(o); dns || !enabled(o) || len(smartHosts(o, prop)) == 0 {
			continue
		}
		var spaces []string
		for _, as := range addressSpaces(o) {
			if as.smtp() {
				spaces = append(spaces, as.addr)
			}
		}
		sp := "AddressSpaces"
		if o.Kind == KindSMTPConnector {
			sp = "address_spaces"
		}
		out = append(out, routed{obj: o, spacesProp: sp, hosts: prop, spaces: spaces})
	}
	for _, o := range x.OfKind(KindOutboundConnector) {
		if !o.False("UseMXRecord") || !enabled(o) || len(smartHosts(o, "SmartHosts")) == 0 {
			continue
		}
		out = append(out, routed{obj: o, spacesProp: "RecipientDomains", hosts: "SmartHosts", spaces: o.List("RecipientDomains")})
	}
	return out
}

func checkSuffixSmartHost(x *ctx) {
	routes := x.smartHostRoutes()
	// The smart hosts that carry "*" are the organization's way to the
	// Internet; a suffix sent there goes where everything else goes.
	internet := map[string]bool{}
	for _, r := range routes {
		for _, s := range r.spaces {
			if normDomain(s) == "*" {
				internet[smartHostKey(r.obj, r.hosts)] = true
			}
		}
	}
	own := x.ownDomains()
	for _, r := range routes {
		if internet[smartHostKey(r.obj, r.hosts)] {
			continue
		}
		for _, s := range r.spaces {
			c, ok := x.wideWildcard(s, own)
			if !ok {
				continue
			}
			x.emit(hit{obj: r.obj, prop: r.spacesProp, evidence: r.obj.Evidence(r.spacesProp, r.hosts),
				msg: fmt.Sprintf("%s covers %s: mail to every domain there goes to %s instead of the recipients' own servers; a partner's relay refuses what is not its own (550 5.7.1 unable to relay) or receives mail meant for others", s, c, strings.Join(r.obj.List(r.hosts), ", "))})
			break
		}
	}
}
