package mx

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/mtasts"
	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/tlsrpt"
)

// lowTTL and veryLowTTL are the thresholds of mx.low_ttl: below an hour is
// common for records that are about to change, below five minutes makes
// every delivery depend on the name servers answering at that moment.
const (
	lowTTL     = 300
	veryLowTTL = 60
)

// checks lists every check the package can report.
var checks = []report.Check{
	{ID: "mx.lookup_failed", Ref: "RFC 1035 §4.1.1 (SERVFAIL, REFUSED)",
		Fix: "Try again, or point --dns at another resolver. If it persists, the zone's name servers are unreachable or broken: SERVFAIL often means failed DNSSEC validation or a lame delegation (compare dig +cd and dig +trace)."},
	{ID: "mx.domain_nxdomain", Ref: "RFC 5321 §5.1",
		Fix: "Check the spelling. If the domain is new, expired or recently moved, check its registration and the delegation (NS records) at the parent zone."},
	{ID: "mx.domain_cname", Ref: "RFC 5321 §5.1",
		Fix: "Nothing to change: senders follow the alias. Publishing MX records at the domain itself removes the dependency on the alias target's zone."},
	{ID: "mx.null_mx", Ref: "RFC 7505",
		Fix: "If the domain should receive mail, replace the null MX with MX records naming your mail servers. If it should not, this is right: senders bounce at once instead of retrying for days."},
	{ID: "mx.null_mx_mixed", Ref: "RFC 7505 §3",
		Fix: "Remove the null MX if the domain receives mail, or every other MX record if it does not: the combination has no defined meaning and senders handle it differently."},
	{ID: "mx.implicit_mx", Ref: "RFC 5321 §5.1; RFC 7505",
		Fix: "Publish an MX record naming the server that should receive mail, or a null MX (MX 0 .) if the domain receives none. Without either, senders deliver to whatever the address record points at, often a web server."},
	{ID: "mx.no_route", Ref: "RFC 5321 §5.1",
		Fix: "Publish MX records for the domain's mail servers, or a null MX (MX 0 .) if it receives no mail: right now senders have nothing to connect to."},
	{ID: "mx.too_many_targets", Ref: "RFC 5321 §5.1",
		Fix: "Keep the MX set to the servers you actually run: senders try only the first few addresses (Postfix: 5) before deferring."},
	{ID: "mx.target_ip_literal", Ref: "RFC 5321 §5.1; RFC 1035 §3.3.9",
		Fix: "An MX target must be a host name. Create an A/AAAA record for the address (for example mail.<domain>) and point the MX at that name."},
	{ID: "mx.target_cname", Ref: "RFC 2181 §10.3; RFC 5321 §5.1",
		Fix: "Point the MX at the canonical name (the end of the alias chain) or give the target its own A/AAAA records. Most MTAs follow the alias, some refuse it, and it confuses loop detection."},
	{ID: "mx.target_nxdomain", Ref: "RFC 5321 §5.1",
		Fix: "Create A/AAAA records for the target or correct the name in the MX record. In a zone file, a target without its trailing dot gets the zone name appended (mail.example.com.example.com)."},
	{ID: "mx.target_nodata", Ref: "RFC 5321 §5.1",
		Fix: "The name exists but has no address: add A (and AAAA) records for it, or point the MX at a host that has them."},
	{ID: "mx.target_servfail", Ref: "RFC 1035 §4.1.1",
		Fix: "Senders defer mail while the target's addresses cannot be resolved. Check the name servers of the target's zone (dig +trace; dig +cd when DNSSEC is involved) and try again."},
	{ID: "mx.target_private", Ref: "RFC 6890; RFC 1918",
		Fix: "Publish the mail server's public address in the public zone. If an internal resolver gave this answer on purpose (split DNS), check with a public resolver (--dns) or compare both views (--compare)."},
	{ID: "mx.duplicate_target", Ref: "RFC 5321 §5.1",
		Fix: "List each host once, at the preference you want: a second entry for the same host adds no redundancy, only retries against the same server."},
	{ID: "mx.single_ip", Ref: "RFC 5321 §5.1",
		Fix: "Give the backup MX its own address, ideally on another network: while every target shares one address, one outage stops all delivery."},
	{ID: "mx.no_ipv6", Ref: "RFC 3974",
		Fix: "Add AAAA records for at least one MX target so senders with only IPv6 connectivity can deliver."},
	{ID: "mx.low_ttl", Ref: "RFC 1912 §2.2",
		Fix: "Raise the TTL (an hour or more is common for MX and mail host records) once the setup is stable: short TTLs make every delivery depend on your name servers answering right then."},
	{ID: "mx.loopback", Ref: "RFC 5321 §5.1; Exchange NDR 554 5.4.4 SMTPSEND.DNS.MxLoopback",
		Fix: "If this server should deliver the domain's mail itself, make the domain local here (an accepted or authoritative domain) so it is not routed by MX. In a hosting setup where tenants on the same hub servers reach each other through the DNS, send outbound mail from servers that do not receive (scope the Internet send connector to separate outbound transport servers) or through a smart host, so the server that looks up the MX is never the one it names."},
	{ID: "mx.self_backup", Ref: "RFC 5321 §5.1",
		Fix: "Nothing to fix if this server is meant to be a backup MX: make sure it accepts (relays) mail for the domain and can reach the better targets."},
	{ID: "mx.split_dns", Passes: true, Ref: "split DNS: docs/mx.md#split-dns",
		Fix: "Decide which view each server must see. If a server's own or a peer's name resolves to its public address inside, traffic goes out through the firewall, which usually drops it: add the name with its internal address to the internal zone, or bind the connector (SMTP virtual server) to a specific address instead of All Unassigned."},
	{ID: "mx.ptr_missing", Ref: "RFC 1912 §2.1",
		Fix: "Ask whoever holds the address block (ISP, hosting or cloud provider) for a PTR record naming this host: receivers check it when this host sends mail."},
	{ID: "mx.fcrdns_mismatch", Ref: "RFC 8601 §2.7.3 (iprev)",
		Fix: "Make the PTR name resolve back to this address (add its A/AAAA record) or set the PTR to a name that does: many receivers reject mail from addresses whose reverse DNS does not confirm."},
	{ID: "mx.dane", Passes: true, Ref: "RFC 7672",
		Fix: "Publish TLSA records at _25._tcp.<mx host> in a DNSSEC-signed zone, so DANE senders insist on TLS with your certificate."},
	{ID: "dnssec.route", Passes: true, Ref: "RFC 4035 §3.2.3; RFC 7672 §2.2", Replaces: []string{"mx.dnssec"},
		Fix: "Sign the zone with DNSSEC (and publish its DS record at the parent), and check through a validating resolver: its answers carry the AD flag. DANE depends on it."},
	{ID: "dnssec.bogus", Ref: "RFC 4035 §5.5; RFC 4033 §5",
		Fix: "Re-sign the zone (expired signatures are the usual cause), make the DS record at the parent match a published DNSKEY, and check with dig +dnssec and dig +cd or a DNSSEC debugger such as DNSViz."},
}

func init() { report.Register(checks...) }

// newFinding fills in the reference and the usual fix of id, even for an
// ok finding: some ok findings (an unsigned zone) still have a next step.
func newFinding(id string, sev report.Severity, subject, message string, evidence ...string) report.Finding {
	c, _ := report.LookupCheck(id)
	f := c.Finding(sev, subject, message, evidence...)
	f.ID, f.Fix = id, c.Fix
	return f
}

// unchecked is a finding for a check the DNS did not let us make.
func unchecked(id, subject, message string, evidence ...string) report.Finding {
	f := newFinding(id, report.Warning, subject, message, evidence...)
	f.Incomplete = true
	return f
}

// uncheckedAfter is unchecked for a lookup that ended with st. A resolver
// that answered another question gets its own fix: trying again through
// the same resolver does not help.
func uncheckedAfter(st resolver.Status, id, subject, message string, evidence ...string) report.Finding {
	f := unchecked(id, subject, message, evidence...)
	if st == resolver.StatusMismatch {
		f.Fix = resolver.MismatchFix
	}
	return f
}

// passed records a check that found things in order: nothing to fix.
func passed(id, subject, message string, evidence ...string) report.Finding {
	f := newFinding(id, report.OK, subject, message, evidence...)
	f.Fix = ""
	return f
}

func (rt *router) add(f report.Finding) { rt.res.Findings = append(rt.res.Findings, f) }

// check turns what was resolved into findings.
func (rt *router) check(ours uint16, weAreMX bool) {
	res := rt.res
	domain := res.Domain.ASCII
	if len(res.CNAME) > 0 && res.Outcome != OutcomeUnchecked {
		rt.add(newFinding("mx.domain_cname", report.Info, domain,
			fmt.Sprintf("%s is an alias: senders use the MX records of %s", domain, res.CNAME[len(res.CNAME)-1]),
			"alias chain: "+strings.Join(append([]string{domain}, res.CNAME...), " -> ")))
	}
	switch res.Outcome {
	case OutcomeUnchecked:
		if len(res.Targets) == 0 {
			f := rt.mxFailure
			rt.add(uncheckedAfter(f.status, "mx.lookup_failed", domain, fmt.Sprintf("could not get the MX records of %s, so its route is unknown", domain), errText(f.err)))
			rt.checkDNSSEC()
			return
		}
	case OutcomeNXDomain:
		msg := fmt.Sprintf("%s does not exist in the DNS (NXDOMAIN): mail to it bounces", domain)
		if len(res.CNAME) > 0 {
			msg = fmt.Sprintf("%s is an alias of %s, which does not exist (NXDOMAIN): mail to it bounces", domain, res.CNAME[len(res.CNAME)-1])
		}
		rt.add(newFinding("mx.domain_nxdomain", report.Error, domain, msg))
		return
	case OutcomeNullMX:
		rt.add(newFinding("mx.null_mx", report.Warning, domain,
			fmt.Sprintf("%s publishes a null MX: it declares that it accepts no mail, so senders bounce at once", domain),
			fmt.Sprintf("%s MX 0 .", domain)))
		rt.checkDNSSEC()
		return
	}
	if rt.nullMixed {
		rt.add(newFinding("mx.null_mx_mixed", report.Error, domain,
			fmt.Sprintf("%s publishes a null MX (MX 0 .) together with %d other MX records", domain, rt.published),
			"senders that honour the null MX bounce mail that the other records would have delivered"))
	}
	if rt.published > maxTargets {
		rt.add(newFinding("mx.too_many_targets", report.Warning, domain,
			fmt.Sprintf("%s has %d MX targets; only the first %d in delivery order were checked", domain, rt.published, maxTargets)))
	}
	if rt.mxAA && res.MXTTL > 0 {
		rt.checkTTL(domain, "MX records", res.MXTTL)
	}
	if res.Implicit {
		rt.checkImplicit()
	} else {
		rt.checkTargets()
	}
	rt.checkAddresses()
	rt.checkSelf(ours, weAreMX)
	rt.checkDNSSEC()
	rt.checkSecurity()
}

func (rt *router) checkImplicit() {
	res := rt.res
	domain := res.Domain.ASCII
	t := res.Targets[0]
	switch {
	case t.Status == resolver.StatusOK:
		rt.add(newFinding("mx.implicit_mx", report.Warning, domain,
			fmt.Sprintf("%s has no MX records: senders fall back to its address records (implicit MX)", domain),
			fmt.Sprintf("implicit MX 0 %s -> %s", t.Host, ipList(t.Addrs))))
	case t.Status.Definite():
		rt.add(newFinding("mx.no_route", report.Error, domain,
			fmt.Sprintf("%s has no MX records and no addresses: there is nowhere to deliver its mail", domain),
			fmt.Sprintf("%s MX: NODATA", domain), fmt.Sprintf("%s A/AAAA: %s", t.Host, strings.ToUpper(t.Status.String()))))
	default:
		rt.add(uncheckedAfter(t.Status, "mx.lookup_failed", domain,
			fmt.Sprintf("%s has no MX records and its addresses could not be resolved", domain), errText(t.err)))
	}
}

// checkTargets reports the targets that senders cannot use. A broken
// target is an error when no other target works and a warning otherwise:
// senders skip it and deliver to the others.
func (rt *router) checkTargets() {
	res := rt.res
	usable := 0
	for _, t := range res.Targets {
		if !t.Dropped && t.Status == resolver.StatusOK {
			usable++
		}
	}
	sev := report.Warning
	if usable == 0 {
		sev = report.Error
	}
	seen := map[string][]string{}
	var order []string
	for _, t := range res.Targets {
		key := t.Host
		if t.canon != "" {
			key = t.canon
		}
		if seen[key] == nil {
			order = append(order, key)
		}
		seen[key] = append(seen[key], fmt.Sprintf("MX %d %s", t.Preference, t.Host))
		rt.checkTarget(t, sev)
	}
	for _, key := range order {
		if len(seen[key]) > 1 {
			rt.add(newFinding("mx.duplicate_target", report.Warning, key,
				fmt.Sprintf("%s is listed %d times in the MX records of %s", key, len(seen[key]), res.Domain.ASCII), seen[key]...))
		}
	}
	rt.checkSingleIP()
	switch {
	case usable > 0:
	case rt.anyUnchecked():
		res.Outcome = OutcomeUnchecked
	default:
		res.Outcome = OutcomeNoRoute
	}
}

func (rt *router) anyUnchecked() bool {
	for _, t := range rt.res.Targets {
		if !t.Status.Definite() {
			return true
		}
	}
	return false
}

func (rt *router) checkTarget(t Target, sev report.Severity) {
	mx := fmt.Sprintf("MX %d %s", t.Preference, t.Host)
	if t.IPLiteral {
		rt.add(newFinding("mx.target_ip_literal", sev, t.Host,
			fmt.Sprintf("the MX target %s is an IP address written as a name; senders look it up as a host name and find nothing", t.Host),
			mx, fmt.Sprintf("%s A/AAAA: %s", t.Host, strings.ToUpper(t.Status.String()))))
		return
	}
	if len(t.CNAME) > 0 {
		rt.add(newFinding("mx.target_cname", report.Warning, t.Host,
			fmt.Sprintf("the MX target %s is an alias of %s; MX targets must be canonical names", t.Host, t.CNAME[len(t.CNAME)-1]),
			mx, "alias chain: "+strings.Join(append([]string{t.Host}, t.CNAME...), " -> ")))
	}
	switch t.Status {
	case resolver.StatusOK:
		if t.aa {
			rt.checkTTL(t.Host, "address records", t.TTL)
		}
	case resolver.StatusNXDomain:
		rt.add(newFinding("mx.target_nxdomain", sev, t.Host,
			fmt.Sprintf("the MX target %s does not exist (NXDOMAIN)", t.Host), mx))
	case resolver.StatusNoData:
		rt.add(newFinding("mx.target_nodata", sev, t.Host,
			fmt.Sprintf("the MX target %s exists but has no A or AAAA record (NODATA)", t.Host), mx))
	default:
		rt.add(uncheckedAfter(t.Status, "mx.target_servfail", t.Host,
			fmt.Sprintf("the addresses of the MX target %s could not be resolved (%s)", t.Host, strings.ToUpper(t.Status.String())),
			mx, errText(t.err)))
	}
}

// checkSingleIP reports several targets that all land on one address: the
// backup MX is no backup.
func (rt *router) checkSingleIP() {
	hosts := map[string]bool{}
	ips := map[string]bool{}
	for _, t := range rt.res.Targets {
		if t.Dropped || len(t.Addrs) == 0 {
			continue
		}
		hosts[t.Host] = true
		for _, a := range t.Addrs {
			ips[a.IP.String()] = true
		}
	}
	if len(hosts) < 2 || len(ips) != 1 {
		return
	}
	var ip string
	for k := range ips {
		ip = k
	}
	rt.add(newFinding("mx.single_ip", report.Warning, ip,
		fmt.Sprintf("all %d MX targets of %s resolve to the one address %s", len(hosts), rt.res.Domain.ASCII, ip), sortedKeys(hosts)...))
}

// checkAddresses judges where the addresses point: special-purpose ranges,
// IPv6 presence, reverse DNS.
func (rt *router) checkAddresses() {
	res := rt.res
	domain := res.Domain.ASCII
	suffix, suffixRef, private := specialUse(domain)
	var classed []string
	publicTargets := 0
	withAddrs := 0
	ipv6 := false
	for _, t := range res.Targets {
		if len(t.Addrs) == 0 {
			continue
		}
		withAddrs++
		ipv6 = ipv6 || t.hasAAAA
		var ev []string
		for _, a := range t.Addrs {
			if a.Class != "" {
				_, ref := classify(a.IP)
				ev = append(ev, fmt.Sprintf("%s -> %s (%s, %s)", t.Host, a.IP, a.Class, ref))
			}
		}
		if len(ev) < len(t.Addrs) && !t.Dropped {
			publicTargets++
		}
		classed = append(classed, ev...)
	}
	switch {
	case len(classed) == 0:
	case private:
		f := newFinding("mx.target_private", report.Info, domain,
			fmt.Sprintf("%s is under .%s (%s), which is not part of the public DNS, so non-public target addresses are expected there (%d found)", domain, suffix, suffixRef, len(classed)),
			classed...)
		f.Fix = "Nothing to fix for a test or internal domain; on the internet the same addresses would be an error."
		rt.add(f)
	default:
		rt.reportPublicMisuse(publicTargets == 0)
	}
	if withAddrs > 0 && !ipv6 {
		rt.add(newFinding("mx.no_ipv6", report.Info, domain,
			fmt.Sprintf("no MX target of %s has an IPv6 address", domain)))
	}
	for _, t := range res.Targets {
		for _, a := range t.Addrs {
			rt.checkReverse(t.Host, a)
		}
	}
}

// reportPublicMisuse flags each target of a public domain that resolves to
// special-purpose addresses: an error when no target is reachable from the
// internet at all.
func (rt *router) reportPublicMisuse(noneReachable bool) {
	sev := report.Warning
	if noneReachable {
		sev = report.Error
	}
	for _, t := range rt.res.Targets {
		var ev []string
		for _, a := range t.Addrs {
			if a.Class != "" {
				_, ref := classify(a.IP)
				ev = append(ev, fmt.Sprintf("%s (%s, %s)", a.IP, a.Class, ref))
			}
		}
		if len(ev) == 0 {
			continue
		}
		rt.add(newFinding("mx.target_private", sev, t.Host,
			fmt.Sprintf("the MX target %s resolves to addresses senders on the internet cannot reach", t.Host), ev...))
	}
}

func (rt *router) checkReverse(host string, a Address) {
	ip := a.IP.String()
	switch a.PTRStatus {
	case "":
	case resolver.StatusOK.String():
		if !a.FCrDNS {
			rt.add(newFinding("mx.fcrdns_mismatch", report.Warning, ip,
				fmt.Sprintf("the reverse DNS of %s (%s) names %s, which does not resolve back to %s", ip, host, strings.Join(a.PTR, ", "), ip)))
		}
	case resolver.StatusNXDomain.String(), resolver.StatusNoData.String():
		rt.add(newFinding("mx.ptr_missing", report.Info, ip,
			fmt.Sprintf("%s (%s) has no reverse DNS (PTR %s)", ip, host, strings.ToUpper(a.PTRStatus))))
	default:
		// Reverse zones of private ranges are often served nowhere; that
		// says nothing about mail from the internet.
		if a.Class == "" {
			st := resolver.StatusError
			if a.PTRStatus == resolver.StatusMismatch.String() {
				st = resolver.StatusMismatch
			}
			rt.add(uncheckedAfter(st, "mx.lookup_failed", ip,
				fmt.Sprintf("could not look up the reverse DNS of %s (%s): %s", ip, host, strings.ToUpper(a.PTRStatus))))
		}
	}
}

func (rt *router) checkTTL(subject, what string, ttl uint32) {
	if ttl >= lowTTL {
		return
	}
	sev := report.Info
	if ttl < veryLowTTL {
		sev = report.Warning
	}
	rt.add(newFinding("mx.low_ttl", sev, subject,
		fmt.Sprintf("the %s of %s have a TTL of %d seconds", what, subject, ttl)))
}

// checkSelf explains what an MTA on this machine would do with the route.
func (rt *router) checkSelf(ours uint16, weAreMX bool) {
	if !weAreMX {
		return
	}
	res := rt.res
	domain := res.Domain.ASCII
	var ev, kept []string
	for _, t := range res.Targets {
		line := fmt.Sprintf("MX %d %s", t.Preference, t.Host)
		switch {
		case t.Self:
			ev = append(ev, line+" is us ("+rt.selfReason(t)+")")
		case t.Dropped:
			ev = append(ev, line+" dropped: not better than our own preference")
		default:
			kept = append(kept, t.Host)
		}
	}
	if len(kept) > 0 {
		rt.add(newFinding("mx.self_backup", report.Info, domain,
			fmt.Sprintf("this server is an MX of %s at preference %d: an MTA here drops the targets at that preference and above and relays to %s", domain, ours, strings.Join(kept, ", ")), ev...))
		return
	}
	res.Outcome = OutcomeLoop
	ev = append(ev, "an MTA here has no target left: Exchange bounces with 554 5.4.4 SMTPSEND.DNS.MxLoopback, Postfix with \"mail for "+domain+" loops back to myself\"")
	rt.add(newFinding("mx.loopback", report.Error, domain,
		fmt.Sprintf("the most preferred MX of %s is this server: a sending MTA here would connect to itself, so the message loops and bounces", domain), ev...))
}

// selfReason says which --self entry matched a target.
func (rt *router) selfReason(t Target) string {
	if rt.self.names[t.Host] {
		return "matches " + t.Host
	}
	for _, c := range t.CNAME {
		if rt.self.names[c] {
			return "alias of " + c
		}
	}
	for _, a := range t.Addrs {
		if a.Self {
			return "address " + a.IP.String() + " is ours"
		}
	}
	return "self"
}

// checkSecurity reports DANE, and validates MTA-STS and TLS-RPT. Nothing
// here changes the route.
func (rt *router) checkSecurity() {
	if !rt.o.Security {
		return
	}
	res := rt.res
	domain := res.Domain.ASCII
	sts, rpt := stsLookup(rt.sec.mtaSTS), rptLookup(rt.sec.tlsRPT)
	res.Security = &Security{MTASTS: sts.Records(), TLSRPT: rpt.Records()}
	rt.checkDANE()
	v := mtasts.Evaluate(mtasts.Inputs{Domain: domain, TXT: sts, Fetch: rt.sec.fetch, MX: rt.mxHosts(), TLSRPT: rpt.Valid()})
	if v.Record != nil {
		res.Security.MTASTSPolicy = v
	}
	res.Findings = append(res.Findings, v.Findings...)
	res.Findings = append(res.Findings, tlsrpt.Check(domain, rpt)...)
}

func (rt *router) checkDANE() {
	res := rt.res
	var secure, insecure []string
	for _, t := range res.Targets {
		switch {
		case !t.tlsa.status.Definite() && res.DNSSEC:
			// Only a secure MX makes DANE senders look for TLSA; for them
			// an unanswered TLSA query defers the mail.
			rt.add(unchecked("mx.lookup_failed", "_25._tcp."+t.Host,
				fmt.Sprintf("could not look up the TLSA records of %s (%s); DANE senders defer mail until they can", t.Host, strings.ToUpper(t.tlsa.status.String())),
				errText(t.tlsa.err)))
		case len(t.TLSA) == 0:
		case t.TLSASecure && res.DNSSEC:
			secure = append(secure, t.Host)
		default:
			insecure = append(insecure, t.Host)
		}
	}
	domain := res.Domain.ASCII
	res.Security.DANE = len(secure) > 0
	switch {
	case len(insecure) > 0:
		f := newFinding("mx.dane", report.Warning, domain,
			fmt.Sprintf("TLSA records exist for %s but DANE senders ignore them: the MX and TLSA answers are not both DNSSEC-validated", strings.Join(insecure, ", ")),
			fmt.Sprintf("MX answer validated: %s", yesNo(res.DNSSEC)))
		f.Fix = "Sign both the zone with the MX records and the zone with the TLSA records (DNSSEC) and query through a validating resolver; TLSA records only count when both answers are secure."
		rt.add(f)
	case len(secure) > 0:
		rt.add(passed("mx.dane", domain,
			fmt.Sprintf("DANE is in effect: DNSSEC-validated TLSA records for %s; whether they match each server's certificate only a connection shows (smtp, check)", strings.Join(secure, ", "))))
	case res.DNSSEC:
		rt.add(newFinding("mx.dane", report.Info, domain,
			fmt.Sprintf("%s is DNSSEC-signed but publishes no TLSA records for its MX hosts, so DANE senders do not require TLS", domain)))
	}
}

func ipList(addrs []Address) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.IP.String()
	}
	return strings.Join(s, ", ")
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func errText(err error) string {
	if err == nil {
		return "no answer"
	}
	return err.Error()
}
