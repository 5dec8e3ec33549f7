package ndr

import (
	"reflect"
	"testing"
)

func codesOf(hits []codeHit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.code)
	}
	return out
}

func TestFindCodes(t *testing.T) {
	status, reply := findStatusCodes, findReplyCodes
	tests := []struct {
		find func(string) []codeHit
		in   string
		want []string
	}{
		{status, "550 5.1.1 <a@b.example>... User Unknown", []string{"5.1.1"}},
		{status, "550-5.7.26 DMARC 550 5.7.26 https://x", []string{"5.7.26", "5.7.26"}},
		{status, "550 #5.1.0 Address rejected.", []string{"5.1.0"}},
		{status, "(#5.1.1 - chkusr)", []string{"5.1.1"}},
		{status, "host [192.0.2.25] said", nil},
		{status, "version 4.16.55.1 and 5.6.7.8", nil},
		{status, "Exim 4.72 and v5.1.2", nil},
		{status, "5.1.10 RESOLVER.ADR.RecipientNotFound", []string{"5.1.10"}},
		{status, "5.1.010 is not a code", nil},
		{status, "5.8.1 has no such subject", nil},
		{status, "554 4.4.7 expired <421 4.4.2 timed out>", []string{"4.4.7", "4.4.2"}},
		{status, "", nil},
		{reply, "550 5.1.1 user unknown", []string{"550"}},
		{reply, "554 554 5.7.0 Header error", []string{"554", "554"}},
		{reply, "Error, ERROR_CODE :421, ERROR_CODE :", []string{"421"}},
		{reply, "<<< 503-All RCPT commands were rejected", []string{"503"}},
		{reply, "#554 5.4.4 SMTPSEND", []string{"554"}},
		{reply, "522 5.2.0 over quota (not a standard reply)", nil},
		{reply, "OFR_416 [416] port 25 id=222", nil},
		{reply, "(3 max) line 158 SIZE=1543:", nil},
	}
	for _, tt := range tests {
		if got := codesOf(tt.find(tt.in)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("codes in %q = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPreferStatus(t *testing.T) {
	tests := []struct{ field, quoted, reply, want string }{
		{"", "5.1.1", "550", "5.1.1"},
		{"5.1.1", "", "550", "5.1.1"},
		{"5.0.0", "5.7.1", "550", "5.7.1"},
		{"4.4.7", "4.4.2", "421", "4.4.2"},
		{"5.1.1", "5.2.2", "552", "5.2.2"},
		{"5.1.1", "5.1.0", "550", "5.1.1"},
		{"5.2.0", "5.2.2", "552", "5.2.2"},
		{"5.7.1", "5.7.0", "554", "5.7.1"},
		{"4.0.0", "5.1.1", "550", "5.1.1"},
		{"5.0.0", "4.7.0", "550", "5.0.0"},
	}
	for _, tt := range tests {
		if got := preferStatus(tt.field, tt.quoted, tt.reply); got != tt.want {
			t.Errorf("preferStatus(%q, %q, %q) = %q, want %q", tt.field, tt.quoted, tt.reply, got, tt.want)
		}
	}
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		in     string
		ok     bool
		status string
		reply  int
		reason string
	}{
		{"5.4.4", true, "5.4.4", 0, "hostunknown"},
		{"550", true, "", 550, "onhold"},
		{"550 5.7.1", true, "5.7.1", 550, "securityerror"},
		{"550-5.1.1 The email account that you tried to reach does not exist", true, "5.1.1", 550, "userunknown"},
		{"#554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS records for this domain are configured in a loop ##", true, "5.4.4", 554, "systemerror"},
		{"452 4.2.2 Mailbox full", true, "4.2.2", 452, "mailboxfull"},
		{"bounce.eml", false, "", 0, ""},
		{"hello 5.1.1 world", false, "", 0, ""},
		{"", false, "", 0, ""},
	}
	for _, tt := range tests {
		res, ok := ParseCode(tt.in)
		if ok != tt.ok {
			t.Errorf("ParseCode(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		r := res.Recipients[0]
		if r.Status != tt.status || r.ReplyCode != tt.reply || r.Reason != tt.reason || res.Kind != KindCode {
			t.Errorf("ParseCode(%q) = %s/%d/%s (%s), want %s/%d/%s", tt.in, r.Status, r.ReplyCode, r.Reason, res.Kind, tt.status, tt.reply, tt.reason)
		}
	}
}

func FuzzParseCode(f *testing.F) {
	for _, s := range []string{"5.4.4", "550 5.7.1", "#554 5.4.4 SMTPSEND.DNS.MxLoopback; ##", "550-5.1.1 x", "4.", "5.1.10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		res, ok := ParseCode(s)
		if !ok {
			return
		}
		if len(res.Recipients) != 1 || res.Kind != KindCode {
			t.Fatalf("ParseCode(%q) returned %d recipients, kind %s", s, len(res.Recipients), res.Kind)
		}
		r := res.Recipients[0]
		if r.Status == "" && r.ReplyCode == 0 {
			t.Fatalf("ParseCode(%q) accepted input with neither a status nor a reply code", s)
		}
	})
}
