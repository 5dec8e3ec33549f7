package lint

import (
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
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
