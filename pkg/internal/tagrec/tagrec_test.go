package tagrec_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mailflowkit/mailflow/pkg/internal/tagrec"
)

func TestSplit(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"v=X1; a=b; c=d", "[{a b} {c d}]", ""},
		{"v=X1 ;a=b;", "[{a b}]", ""},
		{"v=X1", "[]", ""},
		{"v=X1; a=b;; c=d", "", "empty field"},
		{"v=X1; a", "", "not name=value"},
		{"v=X1; v=X1", "", "twice"},
		{"v=X1 a=b", "", "followed by a semicolon"},
		{"v=X10; a=b", "", "does not start"},
		{"V=X1; a=b", "", "does not start"},
	}
	for _, tt := range tests {
		got, err := tagrec.Split(tt.in, "v=X1")
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || fmt.Sprint(got) != tt.want):
			t.Errorf("%q: %v %v, want %s", tt.in, got, err, tt.want)
		}
	}
	if got := tagrec.Versioned([]string{"v=X1", "v=X1;a=b", "v=X1x", "other"}, "v=X1"); len(got) != 2 {
		t.Errorf("Versioned: %q", got)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	if c := tagrec.Clip(long); !utf8.ValidString(c) || !strings.HasSuffix(c, "…") || len(c) > 64+len("…") {
		t.Errorf("Clip cut a character or kept too much: %q", c)
	}
	if c := tagrec.Clip("short"); c != "short" {
		t.Errorf("Clip(short) = %q", c)
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("v=STSv1; id=1")
	f.Add("v=STSv1 ; a=b ; ;")
	f.Fuzz(func(t *testing.T, s string) {
		fields, err := tagrec.Split(s, "v=STSv1")
		if err != nil {
			return
		}
		for _, fl := range fields {
			if fl.Name == "v" || strings.Contains(fl.Name, ";") || strings.Contains(fl.Value, ";") {
				t.Fatalf("%q: field %+v", s, fl)
			}
		}
	})
}
