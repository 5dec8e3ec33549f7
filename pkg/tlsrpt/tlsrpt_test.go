package tlsrpt_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/tlsrpt"
)

func TestParseRecord(t *testing.T) {
	tests := []struct {
		in  string
		rua []string
		err string
	}{
		{"v=TLSRPTv1; rua=mailto:reports@example.com", []string{"mailto:reports@example.com"}, ""},
		{"v=TLSRPTv1;rua=mailto:a@example.com,https://reports.example.net/tlsrpt;", []string{"mailto:a@example.com", "https://reports.example.net/tlsrpt"}, ""},
		{"v=TLSRPTv1; rua=mailto:a@example.com , mailto:b@example.com; ext=1", []string{"mailto:a@example.com", "mailto:b@example.com"}, ""},
		{"v=TLSRPTv1", nil, "no rua="},
		{"v=TLSRPTv1; rua=a@example.com", nil, "not a URI"},
		{"v=TLSRPTv1; rua=http://reports.example.net/", nil, "only posted over https"},
		{"v=TLSRPTv1; rua=ftp://reports.example.net/", nil, "only mailto: and https:"},
		{"v=TLSRPTv1; rua=mailto:nobody", nil, "not a mail address"},
		{"v=TLSRPTv1; rua=https:///path", nil, "with a host"},
		{"v=TLSRPTv1; rua=mailto:a@example.com,", nil, "empty destination"},
		{"v=TLSRPTv1; rua=mailto:a@x.example; rua=mailto:b@x.example", nil, "twice"},
		{"v=TLSRPTv1 rua=mailto:a@x.example", nil, "semicolon"},
		{"v=tlsrptv1; rua=mailto:a@x.example", nil, "does not start"},
	}
	for _, tt := range tests {
		r, err := tlsrpt.ParseRecord(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.err == "" && !slices.Equal(r.RUA, tt.rua):
			t.Errorf("%q: rua %v", tt.in, r.RUA)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		l     tlsrpt.Lookup
		want  string
		valid bool
	}{
		{"absent", tlsrpt.Lookup{TXT: []string{"other"}}, "ok", false},
		{"good", tlsrpt.Lookup{TXT: []string{"v=TLSRPTv1; rua=mailto:r@x.test"}}, "ok", true},
		{"two", tlsrpt.Lookup{TXT: []string{"v=TLSRPTv1; rua=mailto:r@x.test", "v=TLSRPTv1; rua=mailto:s@x.test"}}, "warning", false},
		{"bad", tlsrpt.Lookup{TXT: []string{"v=TLSRPTv1; rua=r@x.test"}}, "warning", false},
		{"failed", tlsrpt.Lookup{Err: errors.New("timeout")}, "warning", false},
	}
	for _, tt := range tests {
		fs := tlsrpt.Check("x.test", tt.l)
		if len(fs) != 1 || fs[0].ID != "tlsrpt.record" || fs[0].Severity.String() != tt.want {
			t.Errorf("%s: %+v", tt.name, fs)
		}
		if err := report.ValidateFinding(fs[0]); err != nil {
			t.Error(err)
		}
		if tt.l.Valid() != tt.valid {
			t.Errorf("%s: valid %v", tt.name, tt.l.Valid())
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	f.Add("v=TLSRPTv1; rua=mailto:reports@example.com")
	f.Add("v=TLSRPTv1;rua=https://r.example/x,mailto:a@b.example;")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := tlsrpt.ParseRecord(s)
		if err == nil && (len(r.RUA) == 0 || !tlsrpt.IsRecord(s)) {
			t.Fatalf("%q accepted as %+v", s, r)
		}
	})
}
