package report

import (
	"strings"
	"testing"
)

func TestValidateCheck(t *testing.T) {
	tests := []struct {
		c       Check
		wantErr string
	}{
		{Check{ID: "smtp.starttls", Passes: true}, ""},
		{Check{ID: "mx.null_mx"}, ""},
		{Check{ID: "lint.send.smarthost_self"}, ""},
		{Check{ID: "check.spec.*", Passes: true}, ""},
		{Check{ID: "check.spec.no_open_relay", Passes: true}, ""},
		{Check{ID: "mx.no_route"}, ""},
		{Check{ID: "dnsbl.query-refused"}, "snake_case"},
		{Check{ID: "Smtp.starttls"}, "snake_case"},
		{Check{ID: "starttls"}, "snake_case"},
		{Check{ID: "smtp..tls"}, "snake_case"},
		{Check{ID: "smtp.starttls_missing", Passes: true}, "names a failure"},
		{Check{ID: "smtp.auth_failed", Passes: true}, "names a failure"},
		{Check{ID: "smtp.cert_untrusted", Passes: true}, "names a failure"},
		{Check{ID: "smtp.auth_failed"}, ""},
	}
	for _, tt := range tests {
		err := ValidateCheck(tt.c)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.c.ID, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.c.ID, err, tt.wantErr)
		}
	}
}

func TestLookupCheckFamily(t *testing.T) {
	Register(Check{ID: "testonly.family.*", Passes: true}, Check{ID: "testonly.exact"})
	if c, ok := LookupCheck("testonly.family.some_name"); !ok || c.ID != "testonly.family.*" {
		t.Errorf("family lookup: %+v %v", c, ok)
	}
	if _, ok := LookupCheck("testonly.other"); ok {
		t.Error("unregistered ID found")
	}
	if err := ValidateFinding(Finding{ID: "testonly.exact", Severity: OK}); err == nil {
		t.Error("an ok finding of a check that never passes must be reported")
	}
	if err := ValidateFinding(Finding{ID: "testonly.family.x", Severity: OK}); err != nil {
		t.Error(err)
	}
}
