package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// smartHostUse is one smart host as one connector uses it, with what the
// network said about it.
type smartHostUse struct {
	obj   *Object
	prop  string
	host  smartHost
	live  *hostLive
	probe *probe
}

func (x *ctx) smartHostUses() []smartHostUse {
	var out []smartHostUse
	add := func(o *Object, prop string, p int) {
		if x.live.port > 0 {
			p = x.live.port
		}
		for _, h := range smartHosts(o, prop) {
			hl := x.live.hosts[strings.ToLower(h.text)]
			if hl == nil {
				continue
			}
			out = append(out, smartHostUse{obj: o, prop: prop, host: h, live: hl, probe: hl.probes[p]})
		}
	}
	for _, o := range x.connectors() {
		if enabled(o) {
			add(o, "SmartHosts", port(o))
		}
	}
	for _, vs := range x.OfKind(KindVirtualServer) {
		add(vs, "smart_host", 25)
	}
	return out
}

func requiresTLS(o *Object) bool {
	return o.True("RequireTLS") || smartHostAuth(o) == "basicauthrequiretls" || o.Str("TlsAuthLevel") != ""
}

func validatesCert(o *Object) bool {
	l := strings.ToLower(o.Str("TlsAuthLevel"))
	return l == "certificatevalidation" || l == "domainvalidation"
}

func checkLiveResolve(x *ctx) {
	for _, u := range x.smartHostUses() {
		if u.host.isIP() || u.live.resolved() {
			continue
		}
		st := u.live.internal.Status()
		h := hit{obj: u.obj, prop: u.prop, evidence: append(u.obj.Evidence(u.prop), "lookup "+u.host.name+": "+st.String()),
			msg: fmt.Sprintf("smart host %s does not resolve (%s): mail to this connector queues with 451 4.4.0 DNS query failed and bounces when it expires", u.host.text, st)}
		if !st.Definite() {
			h.incomplete, h.sev = true, report.Warning
			h.msg = fmt.Sprintf("smart host %s could not be resolved (%s): whether it exists is unknown", u.host.text, st)
		}
		if u.live.external != nil && len(u.live.external.IPs) > 0 {
			h.evidence = append(h.evidence, "--compare resolver: "+addrText(*u.live.external))
		}
		x.emit(h)
	}
}

func checkLiveSplitDNS(x *ctx) {
	for _, u := range x.smartHostUses() {
		ext := u.live.external
		if u.host.isIP() || ext == nil || !u.live.resolved() || len(ext.IPs) == 0 {
			continue
		}
		in, out := sortedIPs(u.live.internal.IPs), sortedIPs(ext.IPs)
		if slices.Equal(in, out) {
			continue
		}
		x.emit(hit{obj: u.obj, prop: u.prop,
			evidence: append(u.obj.Evidence(u.prop), "internal DNS: "+addrText(u.live.internal), "--compare DNS: "+addrText(*ext)),
			msg:      fmt.Sprintf("%s resolves to different addresses inside and outside: servers that use the other resolver connect elsewhere, or to an address the firewall blocks, and mail queues", u.host.text)})
	}
}

func checkLiveSMTP(x *ctx) {
	for _, u := range x.smartHostUses() {
		if u.probe == nil || u.probe.err == nil {
			continue
		}
		ev := append(u.obj.Evidence(u.prop), u.probe.describe())
		x.emit(hit{obj: u.obj, prop: u.prop, evidence: ev,
			msg: fmt.Sprintf("smart host %s does not accept an SMTP session at %s: mail to this connector queues (451 4.4.0 / 4.4.1) and bounces when it expires", u.host.text, u.probe.addr)})
	}
}

func checkLiveSTARTTLS(x *ctx) {
	for _, u := range x.smartHostUses() {
		p := u.probe
		if p == nil || p.err != nil || (p.starttls && p.tlsErr == nil) {
			continue
		}
		h := hit{obj: u.obj, prop: u.prop, sev: report.Warning, evidence: append(u.obj.Evidence(u.prop, "RequireTLS", "SmartHostAuthMechanism", "TlsAuthLevel"), p.describe()),
			msg: fmt.Sprintf("smart host %s offers no working STARTTLS: mail to it goes unencrypted", u.host.text)}
		if requiresTLS(u.obj) {
			h.sev = report.Error
			h.msg = fmt.Sprintf("this connector requires TLS but smart host %s offers no working STARTTLS: mail queues (451 4.4.0, TLS negotiation failed) and bounces", u.host.text)
		}
		x.emit(h)
	}
}

// certCovers applies Exchange's domain validation: the certificate names
// the domain itself or carries a wildcard for the names below it
// (mail.protection.outlook.com is covered by *.mail.protection.outlook.com).
func certCovers(p *probe, name string) bool {
	if p.leaf.VerifyHostname(name) == nil {
		return true
	}
	for _, n := range certNames(p.leaf) {
		if normDomain(n) == "*."+name {
			return true
		}
	}
	return false
}

func checkLiveCertificate(x *ctx) {
	for _, u := range x.smartHostUses() {
		p := u.probe
		if p == nil || p.leaf == nil {
			continue
		}
		want := normDomain(u.obj.Str("TlsDomain"))
		if want == "" {
			want = u.host.name
		}
		ev := append(u.obj.Evidence(u.prop, "TlsAuthLevel", "TlsDomain"), p.describe())
		switch {
		case want != "" && !certCovers(p, want):
			h := hit{obj: u.obj, prop: u.prop, sev: report.Warning, evidence: ev,
				msg: fmt.Sprintf("smart host %s presents a certificate for %s, which does not cover %s", u.host.text, strings.Join(certNames(p.leaf), ", "), want)}
			if validatesCert(u.obj) || smartHostAuth(u.obj) == "basicauthrequiretls" {
				h.sev = report.Error
				h.msg += ": TLS validation fails and mail queues (454 4.7.5 / 451 4.4.0)"
			}
			x.emit(h)
		case p.chainErr != nil && validatesCert(u.obj):
			x.emit(hit{obj: u.obj, prop: u.prop, evidence: append(ev, "verification: "+p.chainErr.Error()),
				msg: fmt.Sprintf("smart host %s presents a certificate that does not verify and this connector validates certificates: mail queues (454 4.7.5)", u.host.text)})
		}
	}
}
