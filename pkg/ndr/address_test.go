package ndr

import "testing"

func TestCleanAddress(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"rfc822; Bob@Example.ORG", "bob@example.org"},
		{"<bob@example.org>", "bob@example.org"},
		{"@relay.example:bob@example.org", "bob@example.org"},
		{"|/usr/bin/procmail bob@example.org", "bob@example.org"},
		{"bob@server", "bob@server"},
		{"bob@example.org.", "bob@example.org"},
		{"no address here", ""},
		{"a@b@c", "a@b"},
		// Punctuation around an address in other scripts ends it...
		{"«bob@example.fr»", "bob@example.fr"},
		{"“bob@example.org”", "bob@example.org"},
		{"bob@example.org\u00a0was rejected", "bob@example.org"},
		{"宛先「taro@example.jp」は存在しません", "taro@example.jp"},
		{"taro@example.jp、hanako@example.jp", "taro@example.jp"},
		{"（taro@example.jp）", "taro@example.jp"},
		// ...while letters, digits and combining marks of any script are
		// part of it.
		{"josé@exämple.de", "josé@exämple.de"},
		{"用户@例子.广告", "用户@例子.广告"},
		{"user@ตัวอย่าง.ไทย", "user@ตัวอย่าง.ไทย"},
		{"user@उदाहरण.भारत", "user@उदाहरण.भारत"},
		{"ｔａｒｏ@example.jp", "ｔａｒｏ@example.jp"},
	} {
		if got := cleanAddress(tc.in); got != tc.want {
			t.Errorf("cleanAddress(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
