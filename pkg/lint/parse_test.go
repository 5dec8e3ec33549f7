package lint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

func parseOne(t *testing.T, name, text string) []*Object {
	t.Helper()
	objs, _, err := Parse(name, []byte(text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return objs
}

func TestFormatListValues(t *testing.T) {
	tests := []struct {
		name, text string
		prop       string
		value      string
		items      []string
		truncated  bool
	}{
		{"scalar", "Name : To Internet\nSmartHostAuthMechanism : None\n", "Name", "To Internet", nil, false},
		{"empty value", "Name : x\nComment :\nSmartHostAuthMechanism : None\n", "Comment", "", nil, false},
		{"list", "Name : x\nBindings : {[::]:25, 0.0.0.0:25}\nRemoteIPRanges : {}\n", "Bindings", "", []string{"[::]:25", "0.0.0.0:25"}, false},
		{"empty list", "Name : x\nBindings : {[::]:25}\nRemoteIPRanges : {}\n", "RemoteIPRanges", "", []string{}, false},
		{"truncated list", "Name : x\nBindings : {0.0.0.0:25}\nRemoteIPRanges : {10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4...}\n", "RemoteIPRanges", "", []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}, true},
		{"truncated list, PowerShell 7 ellipsis", "Name : x\nBindings : {0.0.0.0:25}\nRemoteIPRanges : {10.0.0.1, 10.0.0.2…}\n", "RemoteIPRanges", "", []string{"10.0.0.1", "10.0.0.2"}, true},
		{"value with colon", "Name : x\nSmartHostAuthMechanism : None\nComment : see: ticket 4711\n", "Comment", "see: ticket 4711", nil, false},
		{"word-wrapped comment", "Name      : x\nDNSRoutingEnabled : True\nComment   : relay for the\n            scanners\nSmartHostAuthMechanism : None\nFiller : 123456789012345678901234567890\n", "Comment", "relay for the scanners", nil, false},
		{"hard-wrapped list", "Name           : x\nSmartHostAuthMechanism : None\nRemoteIPRanges : {10.0.0.1, 10.0.\n                 0.2}\n", "RemoteIPRanges", "", []string{"10.0.0.1", "10.0.0.2"}, false},
		{"crlf", "Name : x\r\nSmartHostAuthMechanism : BasicAuth\r\n", "SmartHostAuthMechanism", "BasicAuth", nil, false},
		{"indented paste", "    Name : x\n    SmartHostAuthMechanism : None\n", "Name", "x", nil, false},
		{"credential is never kept", "Name : x\nSmartHostAuthMechanism : BasicAuth\nAuthenticationCredential : System.Management.Automation.PSCredential\n", "AuthenticationCredential", redacted, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := parseOne(t, "x.txt", tt.text)
			if len(objs) != 1 {
				t.Fatalf("got %d objects, want 1", len(objs))
			}
			p := objs[0].Get(tt.prop)
			if p == nil {
				t.Fatalf("no property %s", tt.prop)
			}
			if p.Value != tt.value || (tt.items != nil && !slices.Equal(p.Items, tt.items)) || p.IsList != (tt.items != nil) || p.Truncated != tt.truncated {
				t.Errorf("got value %q items %q list=%v truncated=%v, want %q %q %v", p.Value, p.Items, p.IsList, p.Truncated, tt.value, tt.items, tt.truncated)
			}
		})
	}
}

func TestFormatListObjectsAndKinds(t *testing.T) {
	text := "Name    : mystery\nColor   : blue\n\n" +
		"WARNING: The object has been modified.\n" +
		"[PS] C:\\Windows\\system32>Get-AcceptedDomain contoso.com | fl\n\n\n" +
		"Name       : contoso.com\nDomainName : contoso.com\nDomainType : Authoritative\n\n" +
		"PS C:\\> Get-ReceiveConnector\n\n" +
		"Name           : Relay\nBindings       : {0.0.0.0:25}\nRemoteIPRanges : {10.0.0.1}\n"
	objs := parseOne(t, "x.txt", text)
	var got []string
	for _, o := range objs {
		got = append(got, string(o.Kind)+"/"+o.Name())
	}
	want := []string{"/mystery", "AcceptedDomain/contoso.com", "ReceiveConnector/Relay"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if objs[2].Line != 14 || objs[2].Get("RemoteIPRanges").Line != 16 {
		t.Errorf("lines: object %d, property %d; want 14, 16", objs[2].Line, objs[2].Get("RemoteIPRanges").Line)
	}
}

func TestWrappedDistinguishedName(t *testing.T) {
	c := load(t, "testdata/defaults/ex2019-receive.txt")
	want := "CN=Default Frontend EX01,CN=SMTP Receive Connectors,CN=Protocols,CN=EX01,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=corp,DC=contoso,DC=com"
	if got := c.Objects[0].Str("DistinguishedName"); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func utf16Bytes(s string, bigEndian bool) []byte {
	var b bytes.Buffer
	order := binary.ByteOrder(binary.LittleEndian)
	b.Write([]byte{0xFF, 0xFE})
	if bigEndian {
		order = binary.BigEndian
		b.Reset()
		b.Write([]byte{0xFE, 0xFF})
	}
	for _, u := range utf16.Encode([]rune(s)) {
		binary.Write(&b, order, u) //nolint:errcheck // a bytes.Buffer does not fail
	}
	return b.Bytes()
}

// Out-File in Windows PowerShell writes UTF-16 with a byte-order mark; the
// ANSI code page shows up in older exports.
func TestEncodings(t *testing.T) {
	plain, err := os.ReadFile("testdata/defaults/ex2019-send.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := parseOne(t, "send.txt", string(plain))
	tests := []struct {
		name string
		data []byte
	}{
		{"utf-8 bom", append([]byte{0xEF, 0xBB, 0xBF}, plain...)},
		{"utf-16le bom", utf16Bytes(string(plain), false)},
		{"utf-16be bom", utf16Bytes(string(plain), true)},
		{"utf-16le without bom", utf16Bytes(string(plain), false)[2:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, f, err := Parse("send.txt", tt.data)
			if err != nil || f != FormatList {
				t.Fatalf("Parse: %v, format %s", err, f)
			}
			if len(got) != len(want) || got[0].Str("MaxMessageSize") != want[0].Str("MaxMessageSize") || got[0].Kind != KindSendConnector {
				t.Errorf("decoded differently: %d objects, %q", len(got), got[0].Str("MaxMessageSize"))
			}
		})
	}
	cp1252 := []byte("Name : Empf\xe4nger\nSmartHostAuthMechanism : None\n")
	if got := parseOne(t, "x.txt", string(cp1252)); len(got) != 1 || got[0].Name() != "Empfänger" {
		t.Errorf("Windows-1252: got %q", got[0].Name())
	}
}

// The samples follow real exports: CliXml as Export-Clixml writes it in the
// Exchange Management Shell (typed objects, references, serialization
// data), JSON as Windows PowerShell 5.1 ConvertTo-Json writes it.
func TestSamples(t *testing.T) {
	tests := []struct {
		file    string
		objects int
		checks  func(o []*Object) []check
		line    func(o []*Object) (got, want int)
	}{
		{"testdata/samples/receive-connectors.xml", 2, func(o []*Object) []check {
			def, relay := o[0], o[1]
			return []check{
				{string(def.Kind), string(KindReceiveConnector)},
				{string(relay.Kind), string(KindReceiveConnector)},
				{strings.Join(def.List("Bindings"), " "), "0.0.0.0:2525 [::]:2525"},
				{def.Str("Fqdn"), "EX01.corp.contoso.com"},
				{def.Str("Id"), `EX01\Default EX01`},
				{def.Str("DomainSecureEnabled"), "False"},
				{def.Str("MaxMessageSize"), "36 MB (37,748,736 bytes)"},
				{relay.Str("TransportRole"), "HubTransport"},
				{relay.Server(), "EX01"},
				{relay.Str("PermissionGroups"), "AnonymousUsers, Custom"},
				{strings.Join(relay.List("RemoteIPRanges"), " "), "10.0.5.0/24"},
			}
		}, func(o []*Object) (int, int) { return o[0].Get("RemoteIPRanges").Line, 105 }},
		{"testdata/samples/accepted-domains.json", 2, func(o []*Object) []check {
			a, b := o[0], o[1]
			return []check{
				{string(a.Kind), string(KindAcceptedDomain)},
				{a.Str("DomainName"), "contoso.com"},
				{a.Str("DomainType"), "Authoritative"},
				{a.Str("Identity"), "contoso.com"},
				{b.Str("DomainType"), "InternalRelay"},
				{b.Str("DomainName"), "*.fabrikam.com"},
			}
		}, func(o []*Object) (int, int) { return o[1].Get("DomainType").Line, 28 }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c := load(t, tt.file)
			if len(c.Objects) != tt.objects {
				t.Fatalf("got %d objects, want %d", len(c.Objects), tt.objects)
			}
			expectEqual(t, tt.checks(c.Objects))
			for _, o := range c.Objects {
				if o.Has("RunspaceId") || o.Has("PSComputerName") || o.Has("SerializationData") {
					t.Errorf("%s: remoting and serialization members were kept as properties", o.Name())
				}
			}
			if got, want := tt.line(c.Objects); got != want {
				t.Errorf("line %d, want %d", got, want)
			}
		})
	}
}

func TestJSONShapes(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // Kind/Name per object
	}{
		{"single object", `{"Name": "x", "DomainName": "x.example", "DomainType": 1}`, []string{"AcceptedDomain/x"}},
		{"several documents", "{\"Name\": \"a\", \"DomainName\": \"a\", \"DomainType\": 0}\n{\"Name\": \"b\", \"DomainName\": \"b\", \"DomainType\": 0}\n", []string{"AcceptedDomain/a", "AcceptedDomain/b"}},
		{"nested arrays", `[[{"Name": "a", "Bindings": [], "RemoteIPRanges": []}]]`, []string{"ReceiveConnector/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, o := range parseOne(t, "x.json", tt.text) {
				got = append(got, string(o.Kind)+"/"+o.Name())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEnumText(t *testing.T) {
	tests := []struct{ prop, in, want string }{
		{"AuthMechanism", "31", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"},
		{"AuthMechanism", "33", "Tls, ExternalAuthoritative"},
		{"PermissionGroups", "14", "ExchangeUsers, ExchangeServers, ExchangeLegacyServers"},
		{"SmartHostAuthMechanism", "4", "BasicAuthRequireTLS"},
		{"DomainType", "2", "InternalRelay"},
		{"TlsSettings", "4", "DomainValidation"},
		{"ConnectorType", "1", "OnPremises"},
		{"TransportRole", "16384", "FrontendTransport"},
		{"PermissionGroups", "4096", "4096"},
		{"Port", "25", "25"},
		{"DomainType", "Authoritative", "Authoritative"},
	}
	for _, tt := range tests {
		if got := enumText(tt.prop, tt.in); got != tt.want {
			t.Errorf("enumText(%s, %s) = %q, want %q", tt.prop, tt.in, got, tt.want)
		}
	}
}

func TestLegacyYAML(t *testing.T) {
	text := "# comment\nservers:\n  - name: EX2003\n    fqdn: ex2003.corp.contoso.com\n    addresses: [10.0.0.5]\nrecipient_policies:\n  - name: Default Policy\n    addresses:\n      - domain: \"@contoso.com\"\n      - domain: fabrikam.com\n        authoritative: false\n"
	objs := parseOne(t, "x.yaml", text)
	if len(objs) != 3 {
		t.Fatalf("got %d objects, want 3", len(objs))
	}
	p := objs[2]
	if p.Kind != KindRecipientPolicy || p.Name() != "Default Policy" || p.Str("domain") != "fabrikam.com" || !p.False("authoritative") || p.Line != 10 {
		t.Errorf("got %s %q %q line %d", p.Kind, p.Name(), p.Str("domain"), p.Line)
	}
	if objs[1].Str("domain") != "contoso.com" {
		t.Errorf("the @ of a policy address was kept: %q", objs[1].Str("domain"))
	}
}

// Bad input names the file and line in one line, and is never a panic.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             string
	}{
		{"garbage line", "a.txt", "Name : x\nthis is not a property\n", "a.txt:2: cannot read"},
		{"indented before property", "a.txt", "\n  orphan continuation\nName : x\n", "a.txt:2: indented line"},
		{"empty", "a.txt", "\n\n", "a.txt: no objects found"},
		{"binary", "a.txt", "Name\x00 : x", "a.txt: binary data"},
		{"xml root", "a.xml", "<Foo/>", "a.xml:1: XML root element is <Foo>"},
		{"xml syntax", "a.xml", "<Objs>\n<Obj>\n</Objs>", "a.xml:3: XML syntax error"},
		{"xml too deep", "a.xml", "<Objs>" + strings.Repeat("<Obj>", 200), "a.xml:1: XML nested deeper"},
		{"json cut short", "a.json", "[\n{\"Name\": \"x\",\n", "a.json:2: JSON ends"},
		{"json syntax", "a.json", "[\n{\"Name\" \"x\"}]", "a.json:2: JSON syntax error"},
		{"json scalar", "a.json", "[\n 42\n]", "a.json:2: expected a JSON object"},
		{"json too deep", "a.json", strings.Repeat("[", 200), "JSON nested deeper"},
		{"yaml unknown section", "a.yaml", "servers: []\nconnectors: []\n", "a.yaml:2: unknown section \"connectors\""},
		{"yaml unknown key", "a.yaml", "servers:\n  - name: x\n    colour: red\n", "a.yaml:3: servers: unknown key \"colour\""},
		{"yaml not a bool", "a.yaml", "smtp_connectors:\n  - name: x\n    use_dns: maybe\n", "a.yaml:3: smtp_connectors.use_dns: want true or false"},
		{"yaml no name", "a.yaml", "routing_groups:\n  - connected_to: [x]\n", "a.yaml:2: routing_groups entry without a name"},
		{"yaml alias", "a.yaml", "servers:\n  - &s\n    name: x\nrouting_groups:\n  - name: y\n    connected_to: *s\n", "aliases are not supported"},
		{"yaml syntax", "a.yaml", "servers:\n  - name: [x\n", "a.yaml:"},
		{"utf-16 odd length", "a.txt", "\xff\xfeN\x00a", "a.txt: UTF-16 text with an odd number of bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse(tt.file, []byte(tt.text))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestReferenceCycleEnds(t *testing.T) {
	text := `<Objs><Obj RefId="0"><Props><Obj N="A" RefId="1"><LST><Ref RefId="1"/><S>x</S></LST></Obj><S N="Name">n</S></Props></Obj></Objs>`
	objs := parseOne(t, "a.xml", text)
	if got := objs[0].List("A"); !slices.Equal(got, []string{"x"}) {
		t.Errorf("got %q", got)
	}
}

// Credentials must not reach any output, whatever the input format says.
func TestCredentialsNeverEchoed(t *testing.T) {
	for _, f := range []string{"bad.txt", "bad.xml", "bad.json"} {
		path := "testdata/rules/lint.send.basicauth_cleartext/" + f
		c := load(t, path)
		out, _ := json.Marshal(map[string]any{"findings": Check(c, Options{}), "objects": dump(c)})
		for _, secret := range []string{"svc-relay", "01000000d08c9ddf", "SecureString", "PSCredential"} {
			if bytes.Contains(out, []byte(secret)) {
				t.Errorf("%s: %q leaked into the output", path, secret)
			}
		}
	}
}

func dump(c *Config) []map[string]string {
	var out []map[string]string
	for _, o := range c.Objects {
		m := map[string]string{}
		for _, p := range o.Props() {
			m[p.Name] = p.Text()
		}
		out = append(out, m)
	}
	return out
}

type check struct{ got, want string }

func expectEqual(t *testing.T, checks []check) {
	t.Helper()
	for i, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("check %d: got %q, want %q", i, ch.got, ch.want)
		}
	}
}
