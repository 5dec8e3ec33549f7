package lint

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The sniffer reads in 64 KiB chunks: a character split between two of
// them is still UTF-8, not a reason to fall back to Windows-1252.
func TestSniffUTF8AcrossChunks(t *testing.T) {
	// "ä" starts at byte 22+pad: 65535 and 131071 split it.
	for _, pad := range []int{65512, 65513, 65514, 131049} {
		text := "Comment : " + strings.Repeat("a", pad) + "\nName : Empfänger\nSmartHostAuthMechanism : None\n"
		objs, _, err := Parse("x.txt", []byte(text))
		if err != nil {
			t.Fatalf("pad %d: %v", pad, err)
		}
		if len(objs) != 1 || objs[0].Name() != "Empfänger" {
			t.Errorf("pad %d: got %q", pad, objs[0].Name())
		}
	}
}

func TestInputLimit(t *testing.T) {
	data := []byte("Name : x\nSmartHostAuthMechanism : None\n")
	_, err := Load([]Source{{Name: "x.txt", Data: data}}, LoadOptions{MaxInput: int64(len(data) - 1)})
	var big *TooLargeError
	if !errors.As(err, &big) || big.Limit != int64(len(data)-1) || big.File != "x.txt" {
		t.Fatalf("got %v, want a TooLargeError", err)
	}
	if _, err := Load([]Source{{Name: "x.txt", Data: data}}, LoadOptions{MaxInput: int64(len(data))}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if _, err := ReadStdin(strings.NewReader(string(data)), 4); !errors.As(err, &big) || big.File != "-" {
		t.Errorf("stdin: got %v, want a TooLargeError", err)
	}
}

// Streaming must not change what the readers make of odd but valid input,
// nor which of two problems is reported.
func TestStreamingEdgeCases(t *testing.T) {
	tests := []struct {
		name, text, file string
		want             []string // Kind/Name per object, or the error
	}{
		{"reference to an earlier object's member",
			`<Objs><Obj RefId="0"><Props><Obj N="Bindings" RefId="1"><LST><S>0.0.0.0:25</S></LST></Obj><S N="Name">a</S><Obj N="RemoteIPRanges" RefId="2"><LST/></Obj></Props></Obj>` +
				`<Obj RefId="3"><Props><Ref N="Bindings" RefId="1"/><S N="Name">b</S><Ref N="RemoteIPRanges" RefId="2"/></Props></Obj></Objs>`,
			"a.xml", []string{"ReceiveConnector/a", "ReceiveConnector/b"}},
		{"MS members after Props", `<Objs><Obj RefId="0"><MS><S N="DomainType">InternalRelay</S></MS><Props><S N="Name">d</S><S N="DomainName">d.example</S></Props></Obj></Objs>`,
			"a.xml", []string{"AcceptedDomain/d"}},
		{"second root ignored", `<Objs><Obj RefId="0"><Props><S N="Name">a</S><S N="SmartHostAuthMechanism">None</S></Props></Obj></Objs><Objs><Obj RefId="1"><Props><S N="Name">b</S></Props></Obj></Objs>`,
			"a.xml", []string{"SendConnector/a"}},
		{"syntax error after a wrong root", "<Foo>\n<Bar>\n</Foo>", "a.xml", []string{"a.xml:3: XML syntax error"}},
		{"syntax error after a scalar element", "[\n 42,\n {\"Name\" \"x\"}]", "a.json", []string{"a.json:3: JSON syntax error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, _, err := Parse(tt.file, []byte(tt.text))
			var got []string
			if err != nil {
				got = []string{err.Error()}
			}
			for _, o := range objs {
				got = append(got, string(o.Kind)+"/"+o.Name())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
	objs := parseOne(t, "a.xml", `<Objs><Obj RefId="0"><Props><Obj N="Bindings" RefId="1"><LST><S>0.0.0.0:25</S></LST></Obj><S N="Name">a</S><Obj N="RemoteIPRanges" RefId="2"><LST/></Obj></Props></Obj><Obj RefId="3"><Props><Ref N="Bindings" RefId="1"/><S N="Name">b</S><Ref N="RemoteIPRanges" RefId="2"/></Props></Obj></Objs>`)
	if got := objs[1].List("Bindings"); !slices.Equal(got, []string{"0.0.0.0:25"}) {
		t.Errorf("referenced list: got %q", got)
	}
}

// The JSON reader forgets the lines it has passed; lines far into a file
// must still be right.
func TestJSONLinesFarIn(t *testing.T) {
	var b strings.Builder
	b.WriteString("[\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "  {\n    \"Name\": \"d%d\",\n    \"DomainName\": \"d%d.example\",\n    \"DomainType\": %d\n  },\n", i, i, i%3)
	}
	b.WriteString("  {\"Name\": \"last\", \"DomainName\": \"last.example\", \"DomainType\": 1}\n]\n")
	objs := parseOne(t, "a.json", b.String())
	if len(objs) != 5001 {
		t.Fatalf("got %d objects", len(objs))
	}
	if got := objs[4999].Get("DomainType").Line; got != 2+4999*5+3 {
		t.Errorf("line %d, want %d", got, 2+4999*5+3)
	}
	if got := objs[5000].Line; got != 2+5000*5 {
		t.Errorf("last object on line %d, want %d", got, 2+5000*5)
	}
}

func TestCoversSuffix(t *testing.T) {
	tests := []struct {
		pattern string
		want    string // "" when the pattern covers no public suffix
	}{
		{"*", ""},
		{"contoso.com", ""},
		{"*.contoso.com", ""},
		{"*.fabrikam.co.uk", ""},
		{"*.com", "the public suffix com"},
		{"*.CO.UK.", "the public suffix co.uk"},
		{"*.cloudapp.net", "the shared provider suffix cloudapp.net (Public Suffix List, private section)"},
		{"*.local", "the top-level domain .local"},
		{"*.kawasaki.jp", "every public suffix under kawasaki.jp (*.kawasaki.jp is on the Public Suffix List)"},
		{"*.city.kawasaki.jp", ""}, // an exception rule: registrable
		{"*.mail.onmicrosoft.com", ""},
		{"*.*.com", ""},
	}
	for _, tt := range tests {
		c, ok := coversSuffix(tt.pattern)
		got := ""
		if ok {
			got = c.String()
		}
		if got != tt.want {
			t.Errorf("coversSuffix(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}
