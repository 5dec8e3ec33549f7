// Package statuscode parses SMTP reply codes (RFC 5321 §4.2) and enhanced
// status codes (RFC 3463, class.subject.detail) and knows what they mean.
// It is shared by the SMTP prober, which explains rejections, and the NDR
// explainer. It does no I/O.
package statuscode

import (
	"fmt"
	"strconv"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Enhanced is an RFC 3463 enhanced status code such as 5.4.4.
type Enhanced struct {
	Class, Subject, Detail int
}

// IsZero reports whether the code is unset.
func (e Enhanced) IsZero() bool { return e == Enhanced{} }

func (e Enhanced) String() string {
	if e.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", e.Class, e.Subject, e.Detail)
}

// Permanent reports a 5.x.x code: retrying will not help.
func (e Enhanced) Permanent() bool { return e.Class == 5 }

// Transient reports a 4.x.x code: the sender keeps retrying.
func (e Enhanced) Transient() bool { return e.Class == 4 }

// RFC 3463 §2: class is 2, 4 or 5; subject up to three digits; detail up to
// three digits. Word boundaries keep IP addresses and version numbers out.
var enhancedRE = lazyre.New(`(?:^|[^0-9.])([245])\.(\d{1,3})\.(\d{1,3})(?:[^0-9.]|\.(?:\s|$)|$)`)

// ParseEnhanced parses exactly one enhanced status code ("5.4.4").
func ParseEnhanced(s string) (Enhanced, error) {
	m := enhancedRE().FindStringSubmatch(" " + s + " ")
	if m == nil || len(m[0]) != len(s)+2 {
		return Enhanced{}, fmt.Errorf("%q is not an enhanced status code (want class.subject.detail, for example 5.1.1)", s)
	}
	return fromMatch(m), nil
}

// FindEnhanced returns the first enhanced status code in free text, as found
// in a reply line or a pasted NDR.
func FindEnhanced(text string) (Enhanced, bool) {
	m := enhancedRE().FindStringSubmatch(text)
	if m == nil {
		return Enhanced{}, false
	}
	return fromMatch(m), true
}

func fromMatch(m []string) Enhanced {
	c, _ := strconv.Atoi(m[1])
	s, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	return Enhanced{Class: c, Subject: s, Detail: d}
}

// ReplyClass describes the first digit of a basic reply code (RFC 5321 §4.2.1).
func ReplyClass(code int) string {
	switch code / 100 {
	case 2:
		return "positive completion"
	case 3:
		return "positive intermediate"
	case 4:
		return "transient negative completion"
	case 5:
		return "permanent negative completion"
	}
	return "invalid"
}
