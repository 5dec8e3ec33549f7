package lint

import (
	"fmt"
	"net/netip"
	"strings"
)

// defaultPrefixes are the names setup gives receive connectors, each
// followed by the server name.
var defaultPrefixes = []string{
	"default frontend ", "outbound proxy frontend ", "client frontend ", "client proxy ",
	"default internal receive connector ", "default ", "client ",
}

// defaultConnector reports a receive connector created by Exchange setup.
func defaultConnector(r *Object) bool {
	name := strings.ToLower(r.Name())
	for _, p := range defaultPrefixes {
		rest, ok := strings.CutPrefix(name, p)
		if !ok || rest == "" {
			continue
		}
		if srv := r.Server(); srv != "" {
			if shortName(rest) == shortName(srv) {
				return true
			}
		} else if !strings.Contains(rest, " ") {
			return true
		}
	}
	return false
}

// relayACE finds a Get-ADPermission entry giving anonymous senders the
// right to relay through the receive connector.
func (x *ctx) relayACE(r *Object) *Object {
	ids := []string{strings.ToLower(r.Str("Identity")), strings.ToLower(r.Server() + `\` + r.Name())}
	for _, ace := range x.OfKind(KindADPermission) {
		if ace.True("Deny") || !strings.Contains(strings.ToLower(ace.Str("User")), "anonymous logon") ||
			!ace.HasFlag("ExtendedRights", "ms-Exch-SMTP-Accept-Any-Recipient") {
			continue
		}
		id := strings.ToLower(ace.Str("Identity"))
		if id == ids[0] || id == ids[1] || strings.HasPrefix(id, "cn="+strings.ToLower(r.Name())+",") {
			return ace
		}
	}
	return nil
}

// acceptsAll reports whether RemoteIPRanges covers the whole IPv4 (or
// IPv6) address space.
func acceptsAll(r *Object, ipv4 bool) bool {
	for _, rg := range ranges(r, "RemoteIPRanges") {
		if rg.everything() && rg.lo.Is4() == ipv4 {
			return true
		}
	}
	return false
}

// wide reports ranges wider than a /24 (IPv4) or /64 (IPv6).
func wide(rs []ipRange) []string {
	var out []string
	for _, r := range rs {
		if (r.lo.Is4() && r.widerThan(24)) || (!r.lo.Is4() && r.widerThan(64)) {
			out = append(out, r.text)
		}
	}
	return out
}

func checkInternalOpen(x *ctx) {
	for _, r := range x.OfKind(KindReceiveConnector) {
		if defaultConnector(r) || r.HasFlag("PermissionGroups", "AnonymousUsers") ||
			!(r.HasFlag("PermissionGroups", "ExchangeServers") || r.HasFlag("PermissionGroups", "Partners")) {
			continue
		}
		if acceptsAll(r, true) {
			x.emit(hit{obj: r, prop: "RemoteIPRanges", evidence: r.Evidence("RemoteIPRanges", "PermissionGroups", "Bindings"),
				msg: "a connector meant for servers accepts sessions from every IPv4 address: Internet hosts reaching it are refused (530 5.7.1) and can try passwords against it"})
		}
	}
}

func checkAnonymousIPv6(x *ctx) {
	for _, r := range x.OfKind(KindReceiveConnector) {
		if defaultConnector(r) || !r.HasFlag("PermissionGroups", "AnonymousUsers") {
			continue
		}
		v6 := false
		for _, b := range bindings(r) {
			v6 = v6 || b.addr.Is6()
		}
		if v6 && acceptsAll(r, false) {
			x.emit(hit{obj: r, prop: "RemoteIPRanges", evidence: r.Evidence("RemoteIPRanges", "Bindings", "PermissionGroups"),
				msg: "anonymous mail is accepted from every IPv6 address: block lists rarely cover IPv6, so spam from unknown IPv6 hosts passes connection filtering"})
		}
	}
}

func checkAnonymousRelayWide(x *ctx) {
	for _, r := range x.OfKind(KindReceiveConnector) {
		ace := x.relayACE(r)
		if ace == nil || defaultConnector(r) {
			continue
		}
		w := wide(ranges(r, "RemoteIPRanges"))
		if len(w) == 0 {
			continue
		}
		x.emit(hit{obj: r, prop: "RemoteIPRanges", evidence: append(r.Evidence("RemoteIPRanges"), ref(ace, "User"), ref(ace, "ExtendedRights")),
			msg: fmt.Sprintf("anonymous senders may relay through this connector and it accepts %s: every host there can send mail anywhere through you", strings.Join(w, ", "))})
	}
}

func checkRelayOnDefault(x *ctx) {
	for _, r := range x.OfKind(KindReceiveConnector) {
		ace := x.relayACE(r)
		if ace == nil || !defaultConnector(r) {
			continue
		}
		x.emit(hit{obj: r, evidence: append(r.Evidence("RemoteIPRanges"), ref(ace, "User"), ref(ace, "ExtendedRights")),
			msg: "anonymous relay is granted on a default connector, which accepts every address: this server is an open relay"})
	}
}

func checkExternalAuthWide(x *ctx) {
	for _, r := range x.OfKind(KindReceiveConnector) {
		if !r.HasFlag("AuthMechanism", "ExternalAuthoritative") {
			continue
		}
		if w := wide(ranges(r, "RemoteIPRanges")); len(w) > 0 {
			x.emit(hit{obj: r, prop: "RemoteIPRanges", evidence: r.Evidence("RemoteIPRanges", "AuthMechanism", "PermissionGroups"),
				msg: fmt.Sprintf("every host in %s is trusted as an authenticated Exchange server: it may relay anywhere and send as any internal user", strings.Join(w, ", "))})
		}
	}
}

func checkHubPort25(x *ctx) {
	for _, r := range x.OfKind(KindReceiveConnector) {
		if !strings.EqualFold(r.Str("TransportRole"), "HubTransport") {
			continue
		}
		s := x.topo.get(r.Server())
		if s == nil || !s.frontend {
			continue
		}
		for _, b := range bindings(r) {
			if b.port == 25 {
				x.emit(hit{obj: r, prop: "Bindings", evidence: r.Evidence("Bindings", "TransportRole", "Server"),
					msg: fmt.Sprintf("a HubTransport connector listens on port 25 of %s, where the Front End Transport service already does: one of the two services cannot bind the port and inbound mail fails", s.name)})
				break
			}
		}
	}
}

func checkRecvBasicCleartext(x *ctx) {
	for _, r := range x.OfKind(KindReceiveConnector) {
		if r.HasFlag("AuthMechanism", "BasicAuth") && !r.HasFlag("AuthMechanism", "BasicAuthRequireTLS") {
			x.emit(hit{obj: r, prop: "AuthMechanism",
				msg: "Basic authentication is offered before STARTTLS: passwords may cross the network in clear text"})
		}
	}
}

func checkDefaultFqdn(x *ctx) {
	for _, r := range x.OfKind(KindReceiveConnector) {
		srv, fq := r.Server(), r.Str("Fqdn")
		role := r.Str("TransportRole")
		if srv == "" || fq == "" || !strings.EqualFold(r.Name(), "Default "+srv) || (role != "" && !strings.EqualFold(role, "HubTransport")) {
			continue
		}
		if shortName(fq) != shortName(srv) {
			x.emit(hit{obj: r, prop: "Fqdn", evidence: r.Evidence("Fqdn", "Server"),
				msg: fmt.Sprintf("the FQDN of %q is %s, not server %s's own name: Exchange servers authenticate to this connector by that name and server-to-server mail fails authentication and queues", r.Name(), fq, srv)})
		}
	}
}

func checkSourceInRanges(x *ctx) {
	type pair struct {
		r   *Object
		src string
	}
	seen := map[pair]bool{}
	for _, o := range x.OfKind(KindSendConnector) {
		for _, h := range smartHosts(o, "SmartHosts") {
			r := x.landing(o, h)
			if r == nil || openToAll(r) {
				continue
			}
			if p := r.Get("RemoteIPRanges"); p == nil || p.Truncated {
				continue
			}
			rs := ranges(r, "RemoteIPRanges")
			for _, src := range o.List("SourceTransportServers") {
				s := x.topo.get(src)
				if s == nil || len(s.ips) == 0 || seen[pair{r, shortName(src)}] || covers(rs, s.ips) {
					continue
				}
				seen[pair{r, shortName(src)}] = true
				x.emit(hit{obj: r, prop: "RemoteIPRanges",
					evidence: append(r.Evidence("RemoteIPRanges"), ref(o, "SourceTransportServers"), s.describe()),
					msg:      fmt.Sprintf("%s sends through %s to this connector but none of its addresses is in RemoteIPRanges: its sessions land on another connector without its authentication, and mail queues (530 5.7.1) or is refused as relay (550 5.7.54)", s.name, o.Label())})
			}
		}
	}
}

func covers(rs []ipRange, ips map[netip.Addr]bool) bool {
	for a := range ips {
		for _, r := range rs {
			if r.contains(a) {
				return true
			}
		}
	}
	return false
}
