package dnsbl

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/report"
)

// Advice returns findings about the chosen lists themselves, before any
// lookup: dead lists, and user bitmasks that do not mean what Exchange's
// documentation suggests.
func Advice(lists []List) []report.Finding {
	var out []report.Finding
	for i := range lists {
		l := &lists[i]
		if l.Dead {
			out = append(out, report.Finding{
				ID: "dnsbl.dead_list", Severity: report.Warning, Subject: l.Zone,
				Message: fmt.Sprintf("%s is a dead list: %s", l.Label(), l.Note),
				Fix:     "Remove it from the MTA; its answers say nothing about the address.",
			})
		}
		if l.Match == MatchBitmask && l.userRule && (bits.OnesCount8(l.Mask) > 1 || l.Mask&1 != 0) {
			out = append(out, bitmaskAdvice(l))
		}
	}
	return out
}

// bitmaskAdvice explains a bitmask the way MTAs apply it: an answer counts
// when its last octet shares any bit with the mask. Exchange 2003's
// documentation describes something else: a mask of 0.0.0.3 matching only
// .3 .5 .7 .9, and a mask of 0.0.0.6 matching only addresses on both lists.
// Neither follows from any bit arithmetic.
func bitmaskAdvice(l *List) report.Finding {
	codes, more := matchingCodes(l.Mask, 12)
	shown := make([]string, len(codes))
	for i, c := range codes {
		shown[i] = "." + strconv.Itoa(c)
	}
	list := strings.Join(shown, " ")
	if more {
		list += " ..."
	}
	var bitNames []string
	for b := 1; b < 256; b <<= 1 {
		if l.Mask&uint8(b) != 0 {
			bitNames = append(bitNames, strconv.Itoa(b))
		}
	}
	msg := fmt.Sprintf("bitmask 0.0.0.%d on %s counts every answer whose last octet has any of the bits %s set: 127.0.0%s",
		l.Mask, l.Zone, strings.Join(bitNames, ", "), list)
	fix := fmt.Sprintf("A bitmask selects bits, not values, and any shared bit is enough. "+
		"To count only certain answers, list them: --zone %s:exact=CODE,CODE. To require several bits at once, no bitmask rule will do: list the exact codes that carry them all.", l.Zone)
	if l.Mask&1 != 0 {
		msg += "; bit 1 also matches 127.0.0.1, which RFC 5782 reserves as never listed and which URIBL and SURBL use to refuse queries"
	}
	return report.Finding{
		ID: "dnsbl.bitmask_semantics", Severity: report.Info, Subject: l.Zone,
		Message: msg,
		Evidence: []string{
			"Exchange 2003's connection-filtering guide says a mask of 0.0.0.3 catches .3 .5 .7 .9 and that 0.0.0.6 catches only addresses on both lists; " +
				"under the (answer AND mask) != 0 rule that bitmask lists are built for (and SpamAssassin and this tool apply), 0.0.0.3 catches .1 .2 .3 .5 .6 .7 .9 .10 .11 ... and 0.0.0.6 catches either list",
		},
		Fix: fix,
		Ref: "docs/dnsbl.md (Matching models)",
	}
}
