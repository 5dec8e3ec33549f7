package lint

import (
	"encoding/json"
	"fmt"
	"html"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The rule fixtures are written once, as Format-List text; these helpers
// render the parsed objects the way Export-Clixml and ConvertTo-Json would
// have written them, so every rule is checked in all three formats.

// typeNames are the .NET types the cmdlets return.
var typeNames = map[Kind]string{
	KindSendConnector:     "Microsoft.Exchange.Data.Directory.SystemConfiguration.SmtpSendConnectorConfig",
	KindReceiveConnector:  "Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector",
	KindAcceptedDomain:    "Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain",
	KindTransportService:  "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportServer",
	KindInboundConnector:  "Microsoft.Exchange.Data.Directory.SystemConfiguration.TenantInboundConnector",
	KindOutboundConnector: "Microsoft.Exchange.Data.Directory.SystemConfiguration.TenantOutboundConnector",
	KindExchangeServer:    "Microsoft.Exchange.Data.Directory.Management.ExchangeServer",
	KindADPermission:      "Microsoft.Exchange.Management.RecipientTasks.ADAcePresentationObject",
}

var intRE = regexp.MustCompile(`^-?[0-9]+$`)

// enumNumber is the numeric value of an enum text such as "Tls, BasicAuth".
func enumNumber(prop, text string) (int, bool) {
	e, ok := enumNames[canon(prop)]
	if !ok || text == "" {
		return 0, false
	}
	n := 0
	for _, part := range splitFlags(text) {
		found := false
		for v, name := range e.names {
			if strings.EqualFold(name, part) {
				n |= v
				found = true
			}
		}
		if !found {
			return 0, false
		}
	}
	return n, true
}

type clixmlWriter struct {
	b      strings.Builder
	refID  int
	tnID   int
	tnRefs map[string]int
}

func (w *clixmlWriter) ref() int { w.refID++; return w.refID - 1 }

// tn writes a type-name block, as a TNRef when the type was written before.
func (w *clixmlWriter) tn(indent string, types ...string) {
	key := strings.Join(types, "|")
	if id, ok := w.tnRefs[key]; ok {
		fmt.Fprintf(&w.b, "%s<TNRef RefId=\"%d\" />\n", indent, id)
		return
	}
	w.tnRefs[key] = w.tnID
	fmt.Fprintf(&w.b, "%s<TN RefId=\"%d\">\n", indent, w.tnID)
	w.tnID++
	for _, t := range types {
		fmt.Fprintf(&w.b, "%s  <T>Deserialized.%s</T>\n", indent, html.EscapeString(t))
	}
	fmt.Fprintf(&w.b, "%s</TN>\n", indent)
}

func writeCliXML(objs []*Object) string {
	w := &clixmlWriter{tnRefs: map[string]int{}}
	w.b.WriteString("<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">\n")
	for _, o := range objs {
		fmt.Fprintf(&w.b, "  <Obj RefId=\"%d\">\n", w.ref())
		typ := typeNames[o.Kind]
		if typ == "" {
			typ = "System.Management.Automation.PSCustomObject"
		}
		w.tn("    ", typ, "System.Object")
		fmt.Fprintf(&w.b, "    <ToString>%s</ToString>\n", html.EscapeString(o.Name()))
		w.b.WriteString("    <Props>\n")
		identityRef := -1
		for _, p := range o.Props() {
			if p.Name == "RunspaceId" {
				continue
			}
			if p.Name == "Identity" {
				identityRef = w.refID
			}
			w.prop("      ", p)
		}
		if identityRef >= 0 {
			fmt.Fprintf(&w.b, "      <Ref N=\"Id\" RefId=\"%d\" />\n", identityRef)
		}
		w.b.WriteString("    </Props>\n    <MS>\n      <S N=\"PSComputerName\">ex01.corp.contoso.com</S>\n      <B N=\"PSShowComputerName\">false</B>\n    </MS>\n  </Obj>\n")
	}
	w.b.WriteString("</Objs>\n")
	return w.b.String()
}

func (w *clixmlWriter) prop(ind string, p *Prop) {
	n := html.EscapeString(p.Name)
	v := p.Value
	switch {
	case p.IsList:
		fmt.Fprintf(&w.b, "%s<Obj N=\"%s\" RefId=\"%d\">\n", ind, n, w.ref())
		w.tn(ind+"  ", "Microsoft.Exchange.Data.MultiValuedProperty`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]", "Microsoft.Exchange.Data.MultiValuedPropertyBase", "System.Object")
		fmt.Fprintf(&w.b, "%s  <LST>\n", ind)
		for _, it := range p.Items {
			fmt.Fprintf(&w.b, "%s    <S>%s</S>\n", ind, html.EscapeString(it))
		}
		fmt.Fprintf(&w.b, "%s  </LST>\n%s</Obj>\n", ind, ind)
	case v == "":
		fmt.Fprintf(&w.b, "%s<Nil N=\"%s\" />\n", ind, n)
	case v == redacted:
		fmt.Fprintf(&w.b, "%s<Obj N=\"%s\" RefId=\"%d\">\n", ind, n, w.ref())
		w.tn(ind+"  ", "System.Management.Automation.PSCredential", "System.Object")
		fmt.Fprintf(&w.b, "%s  <Props>\n%s    <S N=\"UserName\">CONTOSO\\svc-relay</S>\n%s    <SS N=\"Password\">01000000d08c9ddf0115d1118c7a00c04fc297eb</SS>\n%s  </Props>\n%s</Obj>\n", ind, ind, ind, ind, ind)
	case v == "True" || v == "False":
		fmt.Fprintf(&w.b, "%s<B N=\"%s\">%s</B>\n", ind, n, strings.ToLower(v))
	case intRE.MatchString(v):
		fmt.Fprintf(&w.b, "%s<I32 N=\"%s\">%s</I32>\n", ind, n, v)
	default:
		if num, ok := enumNumber(p.Name, v); ok {
			fmt.Fprintf(&w.b, "%s<Obj N=\"%s\" RefId=\"%d\">\n", ind, n, w.ref())
			w.tn(ind+"  ", "Microsoft.Exchange.Data."+p.Name, "System.Enum", "System.ValueType", "System.Object")
			fmt.Fprintf(&w.b, "%s  <ToString>%s</ToString>\n%s  <I32>%d</I32>\n%s</Obj>\n", ind, html.EscapeString(v), ind, num, ind)
			return
		}
		if p.Name == "Fqdn" || p.Name == "Identity" {
			fmt.Fprintf(&w.b, "%s<Obj N=\"%s\" RefId=\"%d\">\n", ind, n, w.ref())
			w.tn(ind+"  ", "Microsoft.Exchange.Data."+p.Name, "System.Object")
			fmt.Fprintf(&w.b, "%s  <ToString>%s</ToString>\n%s  <Props>\n%s    <S N=\"Name\">%s</S>\n%s  </Props>\n%s</Obj>\n", ind, html.EscapeString(v), ind, ind, html.EscapeString(v), ind, ind)
			return
		}
		fmt.Fprintf(&w.b, "%s<S N=\"%s\">%s</S>\n", ind, n, html.EscapeString(v))
	}
}

// writeJSON renders objects as ConvertTo-Json does for a remote session:
// enums as numbers, booleans and numbers typed, Exchange value types as
// objects of their properties.
func writeJSON(objs []*Object) string {
	var docs []string
	for _, o := range objs {
		var fields []string
		for _, p := range o.Props() {
			k, _ := json.Marshal(p.Name)
			fields = append(fields, fmt.Sprintf("    %s: %s", k, jsonValue(p)))
		}
		docs = append(docs, "  {\n"+strings.Join(fields, ",\n")+"\n  }")
	}
	return "[\n" + strings.Join(docs, ",\n") + "\n]\n"
}

func jsonValue(p *Prop) string {
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	if p.IsList {
		var items []string
		for _, it := range p.Items {
			items = append(items, jsonItem(p.Name, it, str))
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	v := p.Value
	switch {
	case v == "":
		return "null"
	case v == redacted:
		return `{"UserName": "CONTOSO\\svc-relay", "Password": "System.Security.SecureString"}`
	case v == "True" || v == "False":
		return strings.ToLower(v)
	case strings.EqualFold(v, "Unlimited"):
		return `{"IsUnlimited": true}`
	case intRE.MatchString(v):
		return v
	case p.Name == "Fqdn":
		return `{"Domain": ` + str(v) + `}`
	}
	if n, ok := enumNumber(p.Name, v); ok {
		return strconv.Itoa(n)
	}
	return str(v)
}

// jsonItem writes bindings, IP ranges and address spaces as the objects
// ConvertTo-Json makes of them.
func jsonItem(prop, it string, str func(string) string) string {
	switch canon(prop) {
	case "bindings":
		if b, ok := parseBinding(it); ok {
			return fmt.Sprintf(`{"Address": {"IPAddressToString": %s}, "Port": %d}`, str(b.addr.String()), b.port)
		}
	case "remoteipranges":
		if r, ok := parseIPRange(it); ok {
			return fmt.Sprintf(`{"LowerBound": %s, "UpperBound": %s, "RangeFormat": "LoHi", "Expression": %s}`, str(r.lo.String()), str(r.hi.String()), str(it))
		}
	case "addressspaces":
		as := parseAddressSpace(it)
		cost := it[strings.LastIndex(it, ";")+1:]
		if _, err := strconv.Atoi(cost); err == nil {
			return fmt.Sprintf(`{"Type": %s, "Address": %s, "Cost": %s, "IsLocal": false}`, str(as.typ), str(as.addr), cost)
		}
	}
	return str(it)
}

// largeSendConnectors builds n send connectors with the full property set
// Get-SendConnector | Format-List * shows on Exchange 2019, each to its own
// partner domain and smart host, as a big organization's export holds
// them. One in every thousand authenticates in clear text, so a run over
// them reports a few findings and reads a lot.
func largeSendConnectors(n int) []*Object {
	const dnTail = ",CN=Connections,CN=Exchange Routing Group (DWBGZMFD01QNBJR),CN=Routing Groups,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=contoso,DC=com"
	objs := make([]*Object, 0, n)
	for i := range n {
		name := fmt.Sprintf("Outbound to Partner %05d", i)
		domain := fmt.Sprintf("mail.partner%05d.example", i)
		auth, tls := "None", "True"
		if i%1000 == 999 {
			auth, tls = "BasicAuth", "False"
		}
		o := newObject("", 0)
		o.Kind = KindSendConnector
		scalar := func(k, v string) { o.set(&Prop{Name: k, Value: v}) }
		list := func(k string, items ...string) { o.set(&Prop{Name: k, IsList: true, Items: items}) }
		list("AddressSpaces", "SMTP:"+domain+";1", "SMTP:*."+domain+";2")
		scalar("AuthenticationCredential", "")
		scalar("CloudServicesMailEnabled", "False")
		scalar("Comment", "Partner link to "+domain+" over TLS, agreed with their postmaster; change CHG"+strconv.Itoa(40000+i)+", owner: messaging team; review yearly with the partner's security contact and renew the certificate pinning before it expires")
		list("ConnectedDomains")
		scalar("ConnectionInactivityTimeOut", "00:10:00")
		scalar("DNSRoutingEnabled", "False")
		scalar("DomainSecureEnabled", "False")
		scalar("Enabled", "True")
		scalar("ErrorPolicies", "Default")
		scalar("ForceHELO", "False")
		scalar("Fqdn", "mail.contoso.com")
		scalar("FrontendProxyEnabled", "False")
		scalar("HomeMTA", "CN=Microsoft MTA,CN=EX01,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=contoso,DC=com")
		scalar("HomeMtaServerId", "EX01")
		scalar("Identity", name)
		scalar("IgnoreSTARTTLS", "False")
		scalar("IsScopedConnector", "False")
		scalar("IsSmtpConnector", "True")
		scalar("MaxMessageSize", "35 MB (36,700,160 bytes)")
		scalar("Name", name)
		scalar("Port", "25")
		scalar("ProtocolLoggingLevel", "None")
		scalar("RequireOorg", "False")
		scalar("RequireTLS", tls)
		scalar("SmartHostAuthMechanism", auth)
		list("SmartHosts", "smtp-relay1."+domain, "smtp-relay2."+domain, "smtp-relay3."+domain)
		scalar("SmartHostsString", "smtp-relay1."+domain+",smtp-relay2."+domain+",smtp-relay3."+domain)
		scalar("SmtpMaxMessagesPerConnection", "20")
		scalar("SourceIPAddress", "0.0.0.0")
		scalar("SourceRoutingGroup", "Exchange Routing Group (DWBGZMFD01QNBJR)")
		list("SourceTransportServers", "EX01", "EX02", "EX03", "EX04", "EX05", "EX06", "EX07", "EX08", "EX09", "EX10", "EX11", "EX12")
		scalar("TlsAuthLevel", "")
		scalar("TlsCertificateName", "<I>CN=Contoso Issuing CA 01, DC=corp, DC=contoso, DC=com<S>CN=mail.contoso.com, O=Contoso Ltd, L=Redmond, S=Washington, C=US")
		scalar("TlsDomain", "")
		scalar("UseExternalDNSServersEnabled", "False")
		scalar("AdminDisplayName", name+" ("+domain+")")
		scalar("ExchangeObjectId", fmt.Sprintf("9a2e%04x-51c0-4d8b-a7e2-%012x", i&0xffff, i*104729))
		scalar("ExchangeVersion", "0.1 (8.0.535.0)")
		scalar("DistinguishedName", "CN="+name+dnTail)
		scalar("Guid", fmt.Sprintf("6f1c%04x-2b7e-4c1a-9d3f-%012x", i&0xffff, i*7919))
		scalar("ObjectCategory", "corp.contoso.com/Configuration/Schema/ms-Exch-Routing-SMTP-Connector")
		list("ObjectClass", "top", "msExchConnector", "mailGateway", "msExchRoutingSMTPConnector")
		scalar("WhenChanged", "3/14/2024 9:26:53 AM")
		scalar("WhenCreated", "11/2/2021 4:12:08 PM")
		scalar("WhenChangedUTC", "3/14/2024 8:26:53 AM")
		scalar("WhenCreatedUTC", "11/2/2021 3:12:08 PM")
		scalar("OrganizationId", "")
		scalar("OriginatingServer", "DC01.corp.contoso.com")
		scalar("IsValid", "True")
		scalar("ObjectState", "Unchanged")
		objs = append(objs, o)
	}
	return objs
}

// TestWriteLargeExport writes the benchmark export for scripts/bench/lint.sh
// when MAILFLOW_LINT_EXPORT names a file: MAILFLOW_LINT_CONNECTORS send
// connectors (default 12,000) in MAILFLOW_LINT_FORMAT (clixml, the default,
// clixml-utf16, json or format-list). Without it, the test checks that
// every format the benchmark can ask for parses back to its connectors.
func TestWriteLargeExport(t *testing.T) {
	path := os.Getenv("MAILFLOW_LINT_EXPORT")
	if path == "" {
		for _, format := range []string{"clixml", "clixml-utf16", "json", "format-list"} {
			data, err := largeExport(format, 40)
			if err != nil {
				t.Fatal(err)
			}
			objs, _, err := Parse("export."+format, data)
			if err != nil || len(objs) != 40 {
				t.Errorf("%s: %d objects, %v; want the 40 connectors written", format, len(objs), err)
			}
		}
		return
	}
	n := 12000
	if s := os.Getenv("MAILFLOW_LINT_CONNECTORS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("MAILFLOW_LINT_CONNECTORS=%q: want a positive number", s)
		}
	}
	data, err := largeExport(os.Getenv("MAILFLOW_LINT_FORMAT"), n)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// largeExport renders largeSendConnectors(n) in one export format.
func largeExport(format string, n int) ([]byte, error) {
	objs := largeSendConnectors(n)
	switch format {
	case "", "clixml":
		return []byte(writeCliXML(objs)), nil
	case "clixml-utf16":
		return utf16Bytes(writeCliXML(objs), false), nil
	case "json":
		return []byte(writeJSON(objs)), nil
	case "format-list":
		return []byte(writeFormatList(objs)), nil
	}
	return nil, fmt.Errorf("unknown format %q (want clixml, clixml-utf16, json or format-list)", format)
}

// writeFormatList renders objects as Get-SendConnector | Format-List does.
func writeFormatList(objs []*Object) string {
	var b strings.Builder
	b.WriteString("[PS] C:\\Windows\\system32>Get-SendConnector | Format-List\n\n")
	for _, o := range objs {
		b.WriteString("\n")
		for _, p := range o.Props() {
			fmt.Fprintf(&b, "%-28s : %s\n", p.Name, p.Text())
		}
	}
	return b.String()
}
