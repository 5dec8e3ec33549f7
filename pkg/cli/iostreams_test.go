package cli

import "testing"

// Color follows --color, and in auto mode https://no-color.org: any
// non-empty NO_COLOR turns it off, an empty one does not.
func TestColorEnabled(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		tty     bool
		noColor string
		term    string
		want    bool
	}{
		{"terminal", "auto", true, "", "xterm-256color", true},
		{"piped", "auto", false, "", "xterm", false},
		{"NO_COLOR set", "auto", true, "1", "xterm", false},
		{"NO_COLOR=0 is set too", "auto", true, "0", "xterm", false},
		{"dumb terminal", "auto", true, "", "dumb", false},
		{"always wins over NO_COLOR and pipes", "always", false, "1", "dumb", true},
		{"never", "never", true, "", "xterm", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &IOStreams{StdoutTTY: tt.tty, Getenv: func(k string) string {
				switch k {
				case "NO_COLOR":
					return tt.noColor
				case "TERM":
					return tt.term
				}
				return ""
			}}
			if got := s.ColorEnabled(tt.mode); got != tt.want {
				t.Errorf("ColorEnabled(%q) = %v, want %v", tt.mode, got, tt.want)
			}
		})
	}
}
