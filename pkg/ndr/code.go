package ndr

import (
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// replyLineRE finds a leading reply code in a pasted line such as
// "#554 5.4.4 SMTPSEND.DNS.MxLoopback; ... ##" or "550-5.7.1 text".
var replyLineRE = lazyre.New(`^#?([245]\d\d)(?:[ -]|$)`)

// ParseCode explains a bare status code or pasted reply line: "5.4.4",
// "550", "550 5.7.1", "#554 5.4.4 SMTPSEND.DNS.MxLoopback; ... ##". It
// reports false when s is neither.
func ParseCode(s string) (Result, bool) {
	in := strings.TrimSpace(s)
	if in == "" || len(in) > 4096 || strings.ContainsAny(in, "\x00") {
		return Result{}, false
	}
	line := strings.TrimSpace(strings.SplitN(in, "\n", 2)[0])
	status := ""
	if hits := findStatusCodes(line); len(hits) > 0 && hits[0].pos <= 5 {
		status = hits[0].code
	}
	reply := 0
	if m := replyLineRE().FindStringSubmatch(line); m != nil {
		reply, _ = strconv.Atoi(m[1])
	}
	if status == "" && reply == 0 {
		return Result{}, false
	}
	r := Resolve(Fact{Diagnostic: strings.Join(strings.Fields(in), " "), DiagnosticType: "smtp", Status: status, ReplyCode: reply})
	return Result{Source: s, Kind: KindCode, Recipients: []Recipient{r}}, true
}
