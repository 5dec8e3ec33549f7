package lint

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// Kind names the Exchange object type an input object describes.
type Kind string

const (
	KindSendConnector     Kind = "SendConnector"
	KindReceiveConnector  Kind = "ReceiveConnector"
	KindAcceptedDomain    Kind = "AcceptedDomain"
	KindTransportService  Kind = "TransportService"
	KindInboundConnector  Kind = "InboundConnector"
	KindOutboundConnector Kind = "OutboundConnector"
	KindExchangeServer    Kind = "ExchangeServer"
	KindADPermission      Kind = "ADPermission"

	// Exchange 2003 objects, from the legacy YAML file only.
	KindVirtualServer   Kind = "SMTPVirtualServer"
	KindSMTPConnector   Kind = "SMTPConnector"
	KindRecipientPolicy Kind = "RecipientPolicy"
	KindRoutingGroup    Kind = "RoutingGroup"
	KindLegacyServer    Kind = "Server"
)

// Format is the syntax an input file was written in.
type Format string

const (
	FormatList   Format = "format_list"
	FormatCliXML Format = "clixml"
	FormatJSON   Format = "json"
	FormatLegacy Format = "legacy_yaml"
)

// redacted stands in for any credential value: rules only need to know
// whether one is set, and nothing may echo it.
const redacted = "(credential set, not shown)"

// Prop is one property of an exported object, with where it was written.
type Prop struct {
	// Name is spelled as in the input, for evidence.
	Name  string
	Value string
	// Items holds the elements when the value is a list ({a, b}, <LST>,
	// a JSON array); IsList tells an empty list from a scalar.
	Items  []string
	IsList bool
	// Truncated marks a Format-List list cut short by $FormatEnumerationLimit:
	// the items shown are not all there are.
	Truncated bool
	Line      int
}

// Text is the value as one string: the scalar, or the items joined.
func (p *Prop) Text() string {
	if p == nil {
		return ""
	}
	if p.IsList {
		s := "{" + strings.Join(p.Items, ", ")
		if p.Truncated {
			s += "..."
		}
		return s + "}"
	}
	return p.Value
}

// Object is one exported object: a connector, a domain, a server.
type Object struct {
	Kind Kind
	File string
	// Line is where the object starts in File.
	Line int
	// keys holds the canonical name of each property in order. Objects
	// are looked up by scanning it; index takes over for objects with
	// many properties, so a hostile one cannot make lookups quadratic.
	keys  []string
	index map[string]*Prop
	order []*Prop
}

func newObject(file string, line int) *Object {
	return &Object{File: file, Line: line}
}

// canon folds a property name so Format-List, CliXml, JSON and the legacy
// YAML spelling (smart_hosts) meet on one key. Rules ask for the same few
// dozen names millions of times in a large export, so folded names are
// remembered (up to a bound, against files of made-up names).
func canon(name string) string {
	if v, ok := canonCache.Load(name); ok {
		return v.(string)
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r != '_' && r != '-' {
			b.WriteRune(r)
		}
	}
	k := b.String()
	if canonCached.Add(1) <= maxInterned {
		canonCache.Store(name, k)
	}
	return k
}

var (
	canonCache  sync.Map // name → canon(name)
	canonCached atomic.Int64
)

// set adds or replaces a property. Credentials are replaced by a marker
// here, at the one place every parser goes through.
func (o *Object) set(p *Prop) {
	if isSecret(p.Name) && (p.Value != "" || len(p.Items) > 0) {
		p.Value, p.Items, p.IsList = redacted, nil, false
	}
	k := canon(p.Name)
	if old := o.lookup(k); old != nil {
		*old = *p
		return
	}
	o.order = append(o.order, p)
	o.keys = append(o.keys, k)
	switch {
	case o.index != nil:
		o.index[k] = p
	case len(o.keys) > maxScan:
		o.index = make(map[string]*Prop, len(o.keys))
		for i, k := range o.keys {
			o.index[k] = o.order[i]
		}
	}
}

// maxScan is where a map beats scanning the names.
const maxScan = 32

func (o *Object) lookup(k string) *Prop {
	if o.index != nil {
		return o.index[k]
	}
	for i, key := range o.keys {
		if key == k {
			return o.order[i]
		}
	}
	return nil
}

func isSecret(name string) bool {
	n := canon(name)
	return strings.Contains(n, "credential") || strings.Contains(n, "password") || strings.Contains(n, "secret")
}

// Props returns the properties in input order.
func (o *Object) Props() []*Prop { return o.order }

// Get returns the property or nil.
func (o *Object) Get(name string) *Prop { return o.lookup(canon(name)) }

// ruleProps are the properties (canonical names) that rules, names and
// evidence read. Once an object's kind is settled it keeps only these, and
// lists cut short, which lint.input.truncated reports: the other half of a
// big export's properties would cost memory and change no finding.
// TestCompactChangesNothing holds every rule fixture to that.
var ruleProps = map[string]bool{}

// testOnlyKeepAll keeps every property, for tests that write objects back
// out as exports or compare with the whole object.
var testOnlyKeepAll bool

func init() {
	for _, n := range []string{
		"Name", "Identity", "DomainName", "Server", "Id",
		"AddressSpaces", "AdminDisplayName", "AuthMechanism", "AuthenticationCredential", "Bindings",
		"CloudServicesMailEnabled", "Comment", "ConnectorType", "DNSRoutingEnabled", "Deny",
		"DistinguishedName", "DomainSecureEnabled", "DomainType", "EFSkipIPs", "EFSkipLastIP", "Enabled",
		"ExtendedRights", "ExternalDNSAdapterEnabled", "ExternalDNSServers", "Fqdn", "MatchSubDomains",
		"MaxMessageSize", "OrganizationId", "PermissionGroups", "Port", "RecipientDomains",
		"RemoteIPRanges", "RequireTLS", "RestrictDomainsToIPAddresses", "RouteAllMessagesViaOnPremises",
		"SenderDomains", "SenderIPAddresses", "ServerRole", "SmartHostAuthMechanism", "SmartHosts",
		"SourceTransportServers", "TlsAuthLevel", "TlsCertificateName", "TlsDomain", "TlsSenderCertificateName",
		"TlsSettings", "TransportRole", "TreatMessagesAsInternal", "UseExternalDNSServersEnabled",
		"UseMXRecord", "User",
		// Exchange 2003, from the legacy YAML.
		"address_spaces", "addresses", "allow_relay", "authoritative", "bridgeheads", "connected_to",
		"domain", "fqdn", "ip", "port", "server", "smart_host", "smart_hosts", "forward_unresolved_to",
		"use_dns", "routing_group",
	} {
		ruleProps[canon(n)] = true
	}
}

// compact drops what no rule reads from an object of a known kind.
func (o *Object) compact() {
	if o.Kind == "" || testOnlyKeepAll {
		return // lint.input.unrecognized names its first properties
	}
	var (
		kept []*Prop
		keys []string
	)
	for i, p := range o.order {
		if ruleProps[o.keys[i]] || p.Truncated {
			kept, keys = append(kept, p), append(keys, o.keys[i])
		}
	}
	if len(kept) == len(o.order) {
		return
	}
	o.order, o.keys, o.index = kept, keys, nil
	if len(keys) > maxScan {
		o.index = make(map[string]*Prop, len(keys))
		for i, k := range keys {
			o.index[k] = kept[i]
		}
	}
}

// Has reports whether the property is present, even if empty.
func (o *Object) Has(name string) bool { return o.Get(name) != nil }

// Str returns a scalar value, "" when absent.
func (o *Object) Str(name string) string {
	p := o.Get(name)
	if p == nil {
		return ""
	}
	if p.IsList {
		return strings.Join(p.Items, ", ")
	}
	return strings.TrimSpace(p.Value)
}

// List returns list items; a scalar is split on commas, which is how
// flattened JSON and hand-written YAML give several values.
func (o *Object) List(name string) []string {
	p := o.Get(name)
	if p == nil {
		return nil
	}
	if p.IsList {
		return p.Items
	}
	return splitFlags(p.Value)
}

// Bool reads True/False in any of the spellings the formats use; ok is
// false when the property is absent or not a boolean.
func (o *Object) Bool(name string) (v, ok bool) {
	switch strings.ToLower(o.Str(name)) {
	case "true", "$true", "1", "yes":
		return true, true
	case "false", "$false", "0", "no":
		return false, true
	}
	return false, false
}

// True reports a property explicitly set to true.
func (o *Object) True(name string) bool {
	v, ok := o.Bool(name)
	return ok && v
}

// False reports a property explicitly set to false.
func (o *Object) False(name string) bool {
	v, ok := o.Bool(name)
	return ok && !v
}

// HasFlag reports whether a flags value (AuthMechanism, PermissionGroups,
// SmartHostAuthMechanism) contains flag.
func (o *Object) HasFlag(name, flag string) bool {
	for _, f := range o.List(name) {
		if strings.EqualFold(strings.TrimSpace(f), flag) {
			return true
		}
	}
	return false
}

func splitFlags(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// Name is the object's display name: Name, else Identity, else DomainName.
func (o *Object) Name() string {
	for _, k := range []string{"Name", "Identity", "DomainName"} {
		if v := o.Str(k); v != "" {
			if i := strings.LastIndex(v, `\`); i >= 0 && k == "Identity" {
				return v[i+1:]
			}
			return v
		}
	}
	return fmt.Sprintf("(unnamed, line %d)", o.Line)
}

// Server is the server an object belongs to (receive connectors, transport
// services, virtual servers), from Server or the SERVER\Name identity.
func (o *Object) Server() string {
	if v := o.Str("Server"); v != "" {
		return v
	}
	if id := o.Str("Identity"); strings.Contains(id, `\`) {
		return id[:strings.Index(id, `\`)]
	}
	if o.Kind == KindTransportService || o.Kind == KindExchangeServer || o.Kind == KindLegacyServer {
		return o.Name()
	}
	return ""
}

// Label names the object for a finding's subject: SendConnector "To Internet".
func (o *Object) Label() string {
	kind := o.Kind
	if kind == "" {
		kind = "Object"
	}
	return fmt.Sprintf("%s %q", kind, o.Name())
}

// Subject names an object's property for a finding.
func (o *Object) Subject(prop string) string {
	if prop == "" {
		return o.Label()
	}
	if p := o.Get(prop); p != nil {
		prop = p.Name
	}
	return o.Label() + " ." + prop
}

// Loc is where a property (or, when absent, the object) is in the input.
func (o *Object) Loc(prop string) *report.Location {
	line := o.Line
	if p := o.Get(prop); p != nil && p.Line > 0 {
		line = p.Line
	}
	return &report.Location{File: o.File, Line: line}
}

// Evidence renders properties as "Name : value" lines, the way an admin
// sees them in the shell.
func (o *Object) Evidence(props ...string) []string {
	var out []string
	for _, name := range props {
		p := o.Get(name)
		if p == nil {
			continue
		}
		out = append(out, strings.TrimRight(fmt.Sprintf("%s : %s", p.Name, p.Text()), " "))
	}
	return out
}

// Config is everything read from all input files.
type Config struct {
	Inputs  []Input
	Objects []*Object
	// byKind indexes Objects: rules ask for the objects of a kind once per
	// object of another. Load builds it; a Config made by hand gets it on
	// first use.
	byKind map[Kind][]*Object
}

// Input describes one file that was read.
type Input struct {
	File    string `json:"file"`
	Format  Format `json:"format"`
	Objects int    `json:"objects"`
}

// OfKind returns the objects of one kind in input order. The slice is
// shared: appending to it copies, and nobody may change its elements.
func (c *Config) OfKind(k Kind) []*Object {
	if c.byKind == nil {
		c.byKind = map[Kind][]*Object{}
		for _, o := range c.Objects {
			c.byKind[o.Kind] = append(c.byKind[o.Kind], o)
		}
	}
	s := c.byKind[k]
	return s[:len(s):len(s)]
}

// add appends objects read from one file.
func (c *Config) add(in Input, objs []*Object) {
	in.Objects = len(objs)
	c.Inputs = append(c.Inputs, in)
	c.Objects = append(c.Objects, objs...)
	if c.byKind == nil {
		c.byKind = map[Kind][]*Object{}
	}
	for _, o := range objs {
		c.byKind[o.Kind] = append(c.byKind[o.Kind], o)
	}
}
