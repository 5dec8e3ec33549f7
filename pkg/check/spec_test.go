package check_test

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/check"
)

const fullSpec = `version: 1
defaults:
  starttls: true
  min_tls: "1.2"
  cert_days: 21
  not_listed: [bl.lab.test]
domains:
  - domain: good.lab.test
    mx: ["10 mx1.good.lab.test", hub.lab.test]
    starttls: false
    no_open_relay: true
    no_auth_before_tls: ["mx1.good.lab.test:587", "127.0.0.11:465"]
    spf: true
    dmarc: true
    dmarc_policy: quarantine
  - Listed.Lab.Test.
`

func TestLoadSpec(t *testing.T) {
	s, err := check.LoadSpec("mailflow.yaml", []byte(fullSpec))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Domains) != 2 {
		t.Fatalf("want 2 domains, got %d", len(s.Domains))
	}
	good, listed := s.Domains[0], s.Domains[1]
	if good.Domain != "good.lab.test" || listed.Domain != "listed.lab.test" {
		t.Errorf("domains %q and %q", good.Domain, listed.Domain)
	}
	if len(good.MX) != 2 || good.MX[0] != (check.MXHost{Host: "mx1.good.lab.test", Preference: 10}) || good.MX[1] != (check.MXHost{Host: "hub.lab.test", Preference: -1}) {
		t.Errorf("mx %+v", good.MX)
	}
	// A domain's own value wins over the default; the rest is inherited.
	if *good.Rules.StartTLS || !*listed.Rules.StartTLS {
		t.Errorf("starttls: good %v (want false), listed %v (want true)", *good.Rules.StartTLS, *listed.Rules.StartTLS)
	}
	if listed.Rules.MinTLS != tls.VersionTLS12 || *listed.Rules.CertDays != 21 || listed.Rules.NotListed[0].Zone != "bl.lab.test" {
		t.Errorf("listed did not inherit the defaults: %+v", listed.Rules)
	}
	if got := strings.Join(good.NoAuthBeforeTLS, " "); got != "mx1.good.lab.test:587 127.0.0.11:465" {
		t.Errorf("no_auth_before_tls %q", got)
	}
	if good.Rules.DMARCPolicy != "quarantine" || listed.Rules.DMARC != nil {
		t.Errorf("dmarc: good %q, listed %v", good.Rules.DMARCPolicy, listed.Rules.DMARC)
	}
	origins := []struct {
		d         check.DomainSpec
		key, want string
	}{
		{good, "starttls", "mailflow.yaml:10"},
		{good, "mx", "mailflow.yaml:9"},
		{listed, "min_tls", "mailflow.yaml:4"},
		{listed, "spf", ""},
	}
	for _, o := range origins {
		if got := o.d.OriginOf(o.key); got != o.want {
			t.Errorf("%s: origin of %s: %q, want %q", o.d.Domain, o.key, got, o.want)
		}
	}
	if where := s.NeedsRelayTest(); where != "mailflow.yaml:11" {
		t.Errorf("NeedsRelayTest %q, want mailflow.yaml:11", where)
	}
	lists, err := s.Lists()
	if err != nil || len(lists) != 1 {
		t.Errorf("Lists: %v %v, want bl.lab.test once", lists, err)
	}
}

func TestLoadSpecErrors(t *testing.T) {
	tests := []struct {
		name, spec, want string
	}{
		{"empty", "", "s.yaml: the spec is empty"},
		{"not yaml", "version: 1\n  domains: [\n", "s.yaml:2: not valid YAML"},
		{"top scalar", "just text\n", "s.yaml:1:1: the top level: want a mapping of keys"},
		{"unknown top key", "version: 1\ndomain: [a.example]\n", `s.yaml:2:1: unknown key "domain" in the top level`},
		{"unknown domain key", "version: 1\ndomains:\n  - domain: a.example\n    startls: true\n", `s.yaml:4:5: unknown key "startls" in a domains entry`},
		{"unknown default key", "version: 1\ndefaults:\n  mx: [a.example]\ndomains: [a.example]\n", `s.yaml:3:3: unknown key "mx" in defaults`},
		{"duplicate key", "version: 1\ndomains:\n  - domain: a.example\n    spf: true\n    spf: false\n", `s.yaml:5:5: a domains entry: key "spf" given twice (first at line 4)`},
		{"no version", "domains: [a.example]\n", "s.yaml:1:1: missing version"},
		{"version string", "version: one\ndomains: [a.example]\n", "s.yaml:1:10: version: want a whole number"},
		{"version 2", "version: 2\ndomains: [a.example]\n", "s.yaml:1:10: spec version 2 is not supported"},
		{"no domains", "version: 1\n", "s.yaml:1:1: missing domains"},
		{"empty domains", "version: 1\ndomains: []\n", "s.yaml:2:10: domains: the list is empty"},
		{"domains mapping", "version: 1\ndomains: {a: b}\n", "s.yaml:2:10: domains: want a list"},
		{"entry without domain", "version: 1\ndomains:\n  - spf: true\n", "s.yaml:3:5: domains entry without domain"},
		{"email as domain", "version: 1\ndomains: [postmaster@a.example]\n", "s.yaml:2:11: domain:"},
		{"duplicate domain", "version: 1\ndefaults: {spf: true}\ndomains: [a.example, A.example]\n", "s.yaml:3:22: domain a.example is already listed at line 3"},
		{"nothing asserted", "version: 1\ndomains: [a.example]\n", "s.yaml:2:11: a.example: nothing is asserted"},
		{"bool as string", "version: 1\ndomains:\n  - domain: a.example\n    starttls: yes\n", `s.yaml:4:15: starttls: want true or false, not the value "yes"`},
		{"bad tls", "version: 1\ndomains:\n  - domain: a.example\n    min_tls: 1.4\n", `s.yaml:4:14: min_tls: "1.4" is not a TLS version`},
		{"bad days", "version: 1\ndomains:\n  - domain: a.example\n    cert_days: -3\n", `s.yaml:4:16: cert_days: "-3" is not a number of days`},
		{"bad policy", "version: 1\ndomains:\n  - domain: a.example\n    dmarc_policy: strict\n", `s.yaml:4:19: dmarc_policy: "strict" is not a DMARC policy`},
		{"mx not list", "version: 1\ndomains:\n  - domain: a.example\n    mx: mx.a.example\n", "s.yaml:4:9: mx: want a list"},
		{"mx bad pref", "version: 1\ndomains:\n  - domain: a.example\n    mx: [\"high mx.a.example\"]\n", `s.yaml:4:10: mx: preference "high" is not a number`},
		{"mx three words", "version: 1\ndomains:\n  - domain: a.example\n    mx: [\"10 mx a\"]\n", `s.yaml:4:10: mx: want "PREFERENCE HOST" or "HOST"`},
		{"mx twice", "version: 1\ndomains:\n  - domain: a.example\n    mx: [mx.a.example, \"5 MX.a.example\"]\n", "s.yaml:4:24: mx: mx.a.example is listed twice"},
		{"mx empty", "version: 1\ndomains:\n  - domain: a.example\n    mx: []\n", "s.yaml:4:9: mx: the list is empty"},
		{"mx nested", "version: 1\ndomains:\n  - domain: a.example\n    mx: [[a]]\n", "s.yaml:4:10: mx: want a single value, not a list"},
		{"endpoint without port", "version: 1\ndomains:\n  - domain: a.example\n    no_auth_before_tls: [smtp.a.example]\n", `s.yaml:4:26: no_auth_before_tls: "smtp.a.example": want HOST:PORT`},
		{"endpoint bad port", "version: 1\ndomains:\n  - domain: a.example\n    no_auth_before_tls: [\"smtp.a.example:99999\"]\n", `s.yaml:4:26: no_auth_before_tls: port "99999"`},
		{"bad zone", "version: 1\ndomains:\n  - domain: a.example\n    not_listed: [\"bl.example:bitmask=9.9.9.9\"]\n", "s.yaml:4:18: not_listed:"},
		{"domain list", "version: 1\ndomains:\n  - domain: a.example\n    not_listed: [\"dbl.example:domain\"]\n", "s.yaml:4:18: not_listed: dbl.example is domain list"},
		{"alias", "version: 1\ndefaults: &d {spf: true}\ndomains: [a.example]\n", "s.yaml:2:11: anchors and aliases are not supported; write each value out (use defaults for what domains share)"},
		{"null value", "version: 1\ndomains:\n  - domain:\n", "s.yaml:3:12: domain: want a single value, not an empty value"},
		{"bool as number", "version: 1\ndomains:\n  - domain: a.example\n    spf: 1\n", `s.yaml:4:10: spf: want true or false, not the value "1"`},
		{"too many mx", "version: 1\ndomains:\n  - domain: a.example\n    mx: [" + strings.Repeat("mx.a.example, ", 101) + "]\n", "s.yaml:4:9: mx: 101 entries, more than the 100 allowed"},
		{"non-scalar key", "version: 1\n? [a]\n: b\n", "s.yaml:2:3: the top level: want a single value as a key, not a list"},
		{"document marker only", "---\n", "s.yaml: the spec is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := check.LoadSpec("s.yaml", []byte(tt.spec))
			var se *check.SpecError
			if !errors.As(err, &se) {
				t.Fatalf("want a *SpecError, got %v", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got  %q\nwant %q...", err, tt.want)
			}
		})
	}
}

func TestLoadSpecLimits(t *testing.T) {
	big := "version: 1\ndomains: [a.example]\n#" + strings.Repeat("x", check.MaxSpecBytes)
	if _, err := check.LoadSpec("s.yaml", []byte(big)); err == nil || !strings.HasPrefix(err.Error(), "s.yaml: larger than 1024 KiB") {
		t.Errorf("oversized spec: %v", err)
	}
	var b strings.Builder
	b.WriteString("version: 1\ndomains:\n")
	for i := range check.MaxSpecDomains + 1 {
		b.WriteString("  - d" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + ".example\n")
	}
	if _, err := check.LoadSpec("s.yaml", []byte(b.String())); err == nil || !strings.Contains(err.Error(), "s.yaml:3:3: domains: 501 entries, more than the 500 allowed") {
		t.Errorf("too many domains: %v", err)
	}
}

func TestSpecListsConflict(t *testing.T) {
	spec := "version: 1\ndomains:\n  - domain: a.example\n    not_listed: [bl.example]\n  - domain: b.example\n    not_listed: [\"bl.example:bitmask=0.0.0.4\"]\n"
	s, err := check.LoadSpec("s.yaml", []byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Lists()
	if err == nil || !strings.Contains(err.Error(), "s.yaml:4") || !strings.Contains(err.Error(), "s.yaml:6") {
		t.Errorf("want an error naming both lines, got %v", err)
	}
}

// FuzzLoadSpec: any input either parses into a usable spec or fails with
// an error that names the file; it never panics.
func FuzzLoadSpec(f *testing.F) {
	f.Add([]byte(fullSpec))
	f.Add([]byte("version: 1\ndefaults: {dmarc_policy: reject}\ndomains: [a.example]\n"))
	f.Add([]byte("version: 1\ndomains:\n  - domain: a.example\n    mx: [\"10 mx.a.example\"]\n    not_listed: [zen]\n"))
	f.Add([]byte("version: 1\ndefaults: &d {spf: true}\ndomains: [*d]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := check.LoadSpec("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml:") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if len(s.Domains) == 0 {
			t.Fatal("a spec without domains parsed")
		}
		for _, d := range s.Domains {
			if d.Domain == "" || d.Origin == "" {
				t.Fatalf("domain entry without name or origin: %+v", d)
			}
		}
	})
}
