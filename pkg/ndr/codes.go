package ndr

import (
	"strings"

	"github.com/mailflowkit/mailflow/pkg/statuscode"
)

// codeHit is one status or reply code found in free text, with its byte
// offset so callers can tell which code came last.
type codeHit struct {
	code string
	pos  int
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// isClassDigit reports the first digit of a success, transient or permanent
// code; 1xx and 3xx never end a delivery.
func isClassDigit(b byte) bool { return b == '2' || b == '4' || b == '5' }

// findStatusCodes returns every RFC 3463 enhanced status code in text, in
// order. The class must be 2, 4 or 5 and the subject 0-7 (every registered
// subject); a neighbouring digit or dot rules the match out, which keeps IP
// addresses ("192.0.2.25"), dotted versions and dates out of the result.
func findStatusCodes(text string) []codeHit {
	var hits []codeHit
	scanStatusCodes(text, func(h codeHit) bool { hits = append(hits, h); return true })
	return hits
}

// scanStatusCodes calls yield with each enhanced status code of text, as
// findStatusCodes finds them, until yield returns false.
func scanStatusCodes(text string, yield func(codeHit) bool) {
	for i := 0; i+4 < len(text); i++ {
		if !isClassDigit(text[i]) {
			continue
		}
		if i > 0 {
			p := text[i-1]
			if isDigit(p) || p == '.' || p == 'v' || p == 'V' {
				continue
			}
		}
		if text[i+1] != '.' || text[i+2] < '0' || text[i+2] > '7' || text[i+3] != '.' || !isDigit(text[i+4]) {
			continue
		}
		end := i + 5
		for end < len(text) && end < i+7 && isDigit(text[end]) {
			end++
		}
		if end < len(text) {
			n := text[end]
			if isDigit(n) || (n == '.' && end+1 < len(text) && isDigit(text[end+1])) {
				continue
			}
		}
		code := text[i:end]
		// "5.1.010" is not a code; details have no leading zero.
		if end-(i+4) > 1 && text[i+4] == '0' {
			continue
		}
		if !yield(codeHit{code: code, pos: i}) {
			return
		}
		i = end - 1
	}
}

// validReplies are the reply codes RFC 5321 and its extensions (AUTH,
// STARTTLS, RFC 7504) define. Other three-digit numbers in a diagnostic are
// ports, counters or vendor codes.
var validReplies = map[string]bool{
	"211": true, "214": true, "220": true, "221": true, "235": true, "250": true, "251": true, "252": true, "253": true,
	"421": true, "422": true, "430": true, "432": true, "450": true, "451": true, "452": true, "453": true,
	"454": true, "455": true, "458": true, "459": true,
	"500": true, "501": true, "502": true, "503": true, "504": true, "521": true, "523": true, "524": true,
	"525": true, "530": true, "533": true, "534": true, "535": true, "538": true, "550": true, "551": true,
	"552": true, "553": true, "554": true, "555": true, "556": true,
}

// findReplyCodes returns every RFC 5321 reply code in text. A code must
// stand alone: preceded by the start, a space or one of the punctuation
// marks MTAs put before a quoted reply, and followed by the end, a space,
// '-', ':', ',' or ')'.
func findReplyCodes(text string) []codeHit {
	var hits []codeHit
	scanReplyCodes(text, func(h codeHit) bool { hits = append(hits, h); return true })
	return hits
}

// scanReplyCodes calls yield with each reply code of text, as
// findReplyCodes finds them, until yield returns false.
func scanReplyCodes(text string, yield func(codeHit) bool) {
	for i := 0; i+2 < len(text); i++ {
		if !isClassDigit(text[i]) {
			continue
		}
		if !isDigit(text[i+1]) || !isDigit(text[i+2]) || text[i+1] > '5' {
			continue
		}
		if i > 0 && !strings.ContainsRune(" \t\n(<'\"[:;#", rune(text[i-1])) {
			continue
		}
		if i+3 < len(text) && !strings.ContainsRune(" \t\n-:,)", rune(text[i+3])) {
			continue
		}
		if !validReplies[text[i:i+3]] {
			continue
		}
		if !yield(codeHit{code: text[i : i+3], pos: i}) {
			return
		}
		i += 2
	}
}

// specificity ranks enhanced codes: "5.0.0" says only the class, "5.1.0"
// adds the subject, "5.1.1" names the exact condition.
func specificity(code string) int {
	parts := strings.SplitN(code, ".", 3)
	if len(parts) != 3 {
		return -1
	}
	switch {
	case parts[1] == "0" && parts[2] == "0":
		return 0
	case parts[2] == "0" || parts[1] == "0":
		return 1
	}
	return 2
}

// pickDiagnosticStatus chooses the code that best describes the failure from
// the codes quoted in a diagnostic: a failure code over a success code (a
// transcript quotes both), then the most specific one, the first among
// equals. "4.4.7" (delivery expired) only says the queue gave up, so a
// quoted code naming the real problem wins over it.
func pickDiagnosticStatus(hits []codeHit) string {
	best, bestRank := "", -10
	for _, h := range hits {
		rank := specificity(h.code)
		if h.code[0] == '2' {
			rank -= 4
		}
		if h.code == "4.4.7" || h.code == "5.4.7" {
			rank = 0
		}
		if rank > bestRank {
			best, bestRank = h.code, rank
		}
	}
	return best
}

// preferStatus decides between the Status field of a delivery report and
// the code quoted in the diagnostic text. Reporting MTAs often write a
// generic or approximate status ("5.0.0", "4.4.7", "5.3.0") while the remote
// server's own words carry the precise one, so the quoted code wins whenever
// the field is vaguer or belongs to a catch-all group.
func preferStatus(field, quoted, reply string) string {
	// A Status field is whatever the report wrote ("..", "5.1"): only a
	// well-formed code takes part.
	if _, err := statuscode.ParseEnhanced(field); err != nil {
		field = ""
	}
	if _, err := statuscode.ParseEnhanced(quoted); err != nil {
		quoted = ""
	}
	switch {
	case field == "":
		return quoted
	case quoted == "" || quoted == field:
		return field
	}
	if reply != "" && field[0] != quoted[0] {
		if reply[0] == quoted[0] {
			return quoted
		}
		if reply[0] == field[0] {
			return field
		}
	}
	fs, qs := specificity(field), specificity(quoted)
	switch {
	case fs < qs:
		return quoted
	case fs == 0 || qs < fs:
		return field
	case field == "4.4.7" || field == "4.7.0" || strings.HasPrefix(field, "5.3."):
		return quoted
	}
	switch field[1:4] {
	case ".5.1", ".5.2", ".5.4", ".5.5":
		return quoted
	}
	switch {
	case field == "5.1.1" && !strings.HasPrefix(quoted, "5.5."):
		return quoted
	case field == "5.1.3" && strings.HasPrefix(quoted, "5.7."):
		return quoted
	}
	return field
}

// pickReply returns the reply code that goes with status: the last quoted
// code of the same class, because relaying MTAs prefix the remote reply with
// their own ("554 4.4.7 expired <421 4.4.2 timed out>"). Without a status
// the last failure code is taken, or the last code when none failed.
func pickReply(hits []codeHit, status string) string {
	for i := len(hits) - 1; i >= 0; i-- {
		c := hits[i].code
		if (status != "" && c[0] == status[0]) || (status == "" && c[0] != '2') {
			return c
		}
	}
	if status == "" && len(hits) > 0 {
		return hits[len(hits)-1].code
	}
	return ""
}
