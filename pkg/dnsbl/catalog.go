package dnsbl

import (
	"fmt"
	"net/netip"
	"strings"
)

// Return codes and policies below were taken from each operator's published
// documentation; the explanations are ours.

var (
	spamhausErrors = map[netip.Addr]string{
		ip4(127, 255, 255, 252): "Spamhaus error: the zone name is mistyped (no such Spamhaus list)",
		ip4(127, 255, 255, 254): "Spamhaus error: the query came through a public or open resolver (or one without attributable reverse DNS), which Spamhaus refuses",
		ip4(127, 255, 255, 255): "Spamhaus error: this resolver sent too many queries (over the free-use limit)",
	}
	spamhausIPCodes = map[netip.Addr]string{
		ip4(127, 0, 0, 2):  "SBL: spam source or spam operation handled by Spamhaus staff",
		ip4(127, 0, 0, 3):  "SBL CSS: low-reputation or snowshoe sending found automatically",
		ip4(127, 0, 0, 4):  "XBL: compromised host (malware, botnet, open proxy)",
		ip4(127, 0, 0, 9):  "DROP: hijacked or criminal network (always listed in the SBL as well)",
		ip4(127, 0, 0, 10): "PBL: the ISP declares this range should not send mail directly",
		ip4(127, 0, 0, 11): "PBL: Spamhaus considers this range end-user space that should not send mail directly",
		ip4(127, 0, 0, 30): "BCL: botnet command-and-control server",
	}
	spamhausNote = "Free only for low-volume, non-commercial use through your own resolver; queries through public resolvers get 127.255.255.254 (use Spamhaus DQS instead)."
)

// Catalog returns the built-in lists, a fresh copy on each call.
func Catalog() []List {
	return []List{
		spamhausIP("zen", "zen.spamhaus.org", "Spamhaus ZEN", true,
			"SBL, CSS, XBL, DROP, PBL and BCL in one zone; do not combine it with the separate Spamhaus zones. "+spamhausNote,
			"127.0.0.[2..11]", "127.0.0.30"),
		spamhausIP("sbl", "sbl.spamhaus.org", "Spamhaus SBL", false, "Included in ZEN. "+spamhausNote, "127.0.0.[2;3;9]", "127.0.0.30"),
		spamhausIP("xbl", "xbl.spamhaus.org", "Spamhaus XBL", false, "Included in ZEN. "+spamhausNote, "127.0.0.[4..7]"),
		spamhausIP("pbl", "pbl.spamhaus.org", "Spamhaus PBL", false,
			"Included in ZEN. A PBL listing is policy, not abuse: mail from this range is expected to go through the provider's relay. "+spamhausNote,
			"127.0.0.[10;11]"),
		{
			ID: "dbl", Zone: "dbl.spamhaus.org", Name: "Spamhaus DBL", Kind: KindDomain, Default: true,
			Match: MatchExact, Exact: patterns("127.0.1.[2..99]", "127.0.1.[102..199]"),
			Codes: map[netip.Addr]string{
				ip4(127, 0, 1, 2):   "domain with low reputation (spam)",
				ip4(127, 0, 1, 4):   "domain used for phishing",
				ip4(127, 0, 1, 5):   "domain used for malware",
				ip4(127, 0, 1, 6):   "domain of a botnet command-and-control server",
				ip4(127, 0, 1, 102): "legitimate domain abused for spam",
				ip4(127, 0, 1, 103): "legitimate domain abused as a redirector",
				ip4(127, 0, 1, 104): "legitimate domain abused for phishing",
				ip4(127, 0, 1, 105): "legitimate domain abused for malware",
				ip4(127, 0, 1, 106): "legitimate domain abused to host botnet control",
			},
			Errors: withErrors(spamhausErrors, map[netip.Addr]string{
				ip4(127, 0, 1, 255): "Spamhaus error: an IP address was queried on the domain list",
			}),
			Test: "dbltest.com", Note: spamhausNote, Lookup: "https://check.spamhaus.org/",
		},
		anyIP("spamcop", "bl.spamcop.net", "SpamCop", true, "address reported as a spam source by SpamCop users",
			"Listings expire by themselves about a day after the reports stop.", "https://www.spamcop.net/bl.shtml"),
		anyIP("barracuda", "b.barracudacentral.org", "Barracuda Reputation Block List", false, "address with poor reputation at Barracuda",
			"Free, but Barracuda wants the querying DNS server registered first; without that, answers may be missing.",
			"https://www.barracudacentral.org/lookups"),
		anyIP("uceprotect1", "dnsbl-1.uceprotect.net", "UCEPROTECT level 1", true, "this address hit UCEPROTECT spam traps",
			"Single addresses; listings expire automatically after the spam stops.", "https://www.uceprotect.net/en/rblcheck.php"),
		anyIP("uceprotect2", "dnsbl-2.uceprotect.net", "UCEPROTECT level 2", false, "the provider's allocation around this address holds many level-1 listings",
			"Lists whole allocations for their neighbours' behaviour; expect collateral listings.", "https://www.uceprotect.net/en/rblcheck.php"),
		anyIP("uceprotect3", "dnsbl-3.uceprotect.net", "UCEPROTECT level 3", false, "the network (AS) of this address scores badly at UCEPROTECT",
			"Lists whole autonomous systems (every customer of a provider); hardly anyone blocks on it.", "https://www.uceprotect.net/en/rblcheck.php"),
		anyIP("psbl", "psbl.surriel.com", "Passive Spam Block List", true, "address sent mail to PSBL spam traps",
			"Listings expire by themselves; removal is self-service.", "https://psbl.org/"),
		{
			ID: "mailspike", Zone: "bl.mailspike.net", Name: "Mailspike BL", Kind: KindIP, Default: true,
			Match: MatchExact, Exact: patterns("127.0.0.2", "127.0.0.[10..12]"),
			Codes: map[netip.Addr]string{
				ip4(127, 0, 0, 2):  "part of an ongoing distributed spam wave",
				ip4(127, 0, 0, 10): "worst reputation (L5)",
				ip4(127, 0, 0, 11): "very bad reputation (L4)",
				ip4(127, 0, 0, 12): "bad reputation (L3)",
			},
			Note:   "Free below 100,000 queries a day.",
			Lookup: "https://mailspike.org/",
		},
		{
			ID: "mailspike-rep", Zone: "rep.mailspike.net", Name: "Mailspike reputation", Kind: KindIP,
			Match: MatchExact, Exact: patterns("127.0.0.[10..14]"),
			Codes: mailspikeReputation(),
			Note:  "Answers a reputation level for most addresses it has seen; only L5 to L1 (127.0.0.10-14) count as listed here.",
		},
		anyIP("s5h", "all.s5h.net", "s5h.net", true, "address seen sending spam to s5h.net traps", "", ""),
		anyIP("nixspam", "ix.dnsbl.manitu.net", "NiX Spam", false, "address seen sending spam by the NiX Spam project", "", "https://www.nixspam.net/"),
		{
			ID: "surbl", Zone: "multi.surbl.org", Name: "SURBL multi", Kind: KindDomain, Default: true,
			Match: MatchBitmask, Mask: 0xfe,
			Bits: map[uint8]string{
				2: "retired SURBL sub-list (bit 2)", 4: "retired SURBL sub-list (bit 4)",
				8: "PH: phishing", 16: "MW: malware", 32: "retired SURBL sub-list (bit 32)",
				64: "ABUSE: spam and other abuse", 128: "CR: cracked (compromised) web site",
			},
			Errors: map[netip.Addr]string{ip4(127, 0, 0, 1): "SURBL blocked this resolver (public resolver or too many queries)"},
			Test:   "test.surbl.org",
			Note:   "Lists web-site domains seen in spam bodies, not senders. The public zone is wildcarded, so subdomains of a listed domain match too.",
			Lookup: "https://www.surbl.org/",
		},
		{
			ID: "uribl", Zone: "multi.uribl.com", Name: "URIBL multi", Kind: KindDomain, Default: true,
			Match: MatchBitmask, Mask: 2 | 4 | 8,
			Bits: map[uint8]string{
				2: "black: domain used by spammers",
				4: "grey: domain seen in bulk mail that may be solicited",
				8: "red: young or privacy-registered domain active in mail flow",
			},
			Errors: map[netip.Addr]string{ip4(127, 0, 0, 1): "URIBL refused the query (public resolver or too many queries)"},
			Test:   "test.uribl.com",
			Note:   "Lists domains that appear in spam, not senders; it lists registered domains only.",
			Lookup: "https://admin.uribl.com/",
		},
		{
			ID: "dnswl", Zone: "list.dnswl.org", Name: "DNSWL", Kind: KindIP, Allow: true, IPv6: true, Default: true,
			Match:  MatchAny,
			Codes:  dnswlCodes(),
			Errors: map[netip.Addr]string{ip4(127, 0, 0, 255): "DNSWL blocked this resolver (over the free-use limit or a public resolver)"},
			Note:   "An allow-list: receivers trust listed senders more. Free below 100,000 queries a day.",
			Lookup: "https://www.dnswl.org/",
		},
		dead("ahbl", "dnsbl.ahbl.org", "AHBL", KindIP, "Shut down; since 1 January 2015 it answers every query as listed."),
		dead("ahbl-rhsbl", "rhsbl.ahbl.org", "AHBL RHSBL", KindDomain, "Shut down; since 1 January 2015 it answers every query as listed."),
		dead("ordb", "relays.ordb.org", "ORDB", KindIP, "Shut down in 2006; it later answered every query as listed."),
		dead("dulru", "dul.ru", "Russian dial-up list", KindIP, "Gone; since May 2015 the domain is wildcarded, so every query looks listed."),
		dead("emailbasura", "bl.emailbasura.org", "Email Basura", KindIP, "Gone; the domain lapsed and has been wildcarded since 2019, so every query looks listed."),
		dead("megarbl", "rbl.megarbl.net", "MegaRBL", KindIP, "Gone; the domain lapsed in 2019 and is wildcarded, so every query looks listed."),
	}
}

// DefaultLists returns the catalog lists checked when the user names none.
func DefaultLists() []List {
	var out []List
	for _, l := range Catalog() {
		if l.Default {
			out = append(out, l)
		}
	}
	return out
}

// FromCatalog finds a catalog list by zone or ID.
func FromCatalog(name string) (List, bool) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, l := range Catalog() {
		if l.Zone == name || l.ID == name {
			return l, true
		}
	}
	return List{}, false
}

func ip4(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

func patterns(ss ...string) []Pattern {
	out := make([]Pattern, len(ss))
	for i, s := range ss {
		p, err := ParsePattern(s)
		if err != nil {
			panic(fmt.Sprintf("catalog pattern: %v", err))
		}
		out[i] = p
	}
	return out
}

func withErrors(base, extra map[netip.Addr]string) map[netip.Addr]string {
	out := make(map[netip.Addr]string, len(base)+len(extra))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func spamhausIP(id, zone, name string, def bool, note string, exact ...string) List {
	l := List{
		ID: id, Zone: zone, Name: name, Kind: KindIP, IPv6: true, Default: def,
		Match: MatchExact, Exact: patterns(exact...),
		Codes:  map[netip.Addr]string{},
		Errors: withErrors(spamhausErrors, nil),
		Note:   note, Lookup: "https://check.spamhaus.org/",
	}
	for code, meaning := range spamhausIPCodes {
		for _, p := range l.Exact {
			if p.Contains(code) {
				l.Codes[code] = meaning
			}
		}
	}
	return l
}

func anyIP(id, zone, name string, def bool, meaning, note, lookup string) List {
	return List{
		ID: id, Zone: zone, Name: name, Kind: KindIP, Default: def, Match: MatchAny,
		Codes: map[netip.Addr]string{ip4(127, 0, 0, 2): meaning},
		Note:  note, Lookup: lookup,
	}
}

func dead(id, zone, name string, kind Kind, note string) List {
	return List{ID: id, Zone: zone, Name: name, Kind: kind, Dead: true, Match: MatchAny,
		Note: note + " Remove it from every MTA configuration: it rejects all mail."}
}

func mailspikeReputation() map[netip.Addr]string {
	levels := []string{
		"worst reputation (L5)", "very bad reputation (L4)", "bad reputation (L3)",
		"suspicious (L2)", "neutral, probably spam (L1)", "neutral (LH0)",
		"neutral, probably legitimate (H1)", "possibly legitimate (H2)", "good reputation (H3)",
		"very good reputation (H4)", "excellent reputation (H5)",
	}
	m := make(map[netip.Addr]string, len(levels))
	for i, s := range levels {
		m[ip4(127, 0, 0, byte(10+i))] = s
	}
	return m
}

// dnswlCodes spells out DNSWL's 127.0.C.T scheme: C is the sender's
// category, T the trust level.
func dnswlCodes() map[netip.Addr]string {
	categories := map[byte]string{
		2: "financial services", 3: "email service provider", 4: "organisation",
		5: "service or network provider", 6: "personal or private server", 7: "travel and leisure",
		8: "public sector or government", 9: "media and technology", 10: "special case",
		11: "education and research", 12: "healthcare", 13: "manufacturing and industry",
		14: "retail, wholesale and services", 15: "email marketing provider", 20: "added through self-service",
	}
	trust := []string{"no trust (only avoids outright blocking)", "low trust", "medium trust", "high trust"}
	m := map[netip.Addr]string{}
	for c, cat := range categories {
		for t, tr := range trust {
			m[ip4(127, 0, c, byte(t))] = cat + ", " + tr
		}
	}
	return m
}
