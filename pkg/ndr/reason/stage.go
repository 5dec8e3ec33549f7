package reason

import (
	"strings"
	"sync"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
	"github.com/mailflowkit/mailflow/pkg/ndr/internal/phraseset"
)

// Stages are the SMTP steps a refusal can come at, in session order.
const (
	StageConnect  = "CONN"
	StageHelo     = "EHLO"
	StageStartTLS = "STARTTLS"
	StageAuth     = "AUTH"
	StageMail     = "MAIL"
	StageRcpt     = "RCPT"
	StageData     = "DATA"
)

// Stage normalises a command name as logs and reports write it ("RCPT TO",
// "rcpt", "end of DATA", "HELO", "initial connection") to one of the Stage
// constants, or "" when it is none of them.
func Stage(cmd string) string {
	c := strings.ToUpper(strings.TrimSpace(cmd))
	switch {
	case c == "":
		return ""
	case strings.HasPrefix(c, "RCPT"):
		return StageRcpt
	case strings.HasPrefix(c, "MAIL"):
		return StageMail
	case strings.HasPrefix(c, "DATA"), strings.Contains(c, "END OF DATA"), c == "BDAT", c == "DATA_END":
		return StageData
	case strings.HasPrefix(c, "EHLO"), strings.HasPrefix(c, "HELO"), strings.HasPrefix(c, "LHLO"):
		return StageHelo
	case strings.HasPrefix(c, "STARTTLS"):
		return StageStartTLS
	case strings.HasPrefix(c, "AUTH"):
		return StageAuth
	case strings.HasPrefix(c, "CONN"), strings.Contains(c, "CONNECT"), strings.Contains(c, "GREETING"), c == "BANNER":
		return StageConnect
	}
	return ""
}

// stagePhrases are how MTAs name the command the remote server refused, in
// their own words (matched on lower-cased text with hyphens and runs of
// white space turned into single spaces). Sources: Postfix smtp(8) "(in
// reply to RCPT TO command)"; Exim "SMTP error from remote mail server
// after RCPT TO:"; qmail-remote "does not like recipient", "failed after I
// sent the message", "Connected to ... but sender was rejected";
// Sendmail's "while talking to" transcripts; GMX/web.de "after RCPT
// command"; Yahoo "[RCPT_TO]"; Gmail "(state N)".
var stagePhrases = []struct {
	phrases []string
	stage   string
}{
	{[]string{"in reply to end of data command", "after end of data", "failed after i sent the message", "after data:",
		"after data ", "failed on data command", "[data]", "smtp command data", "after data command",
		"in reply to data command", "our data", "end of data", "after end-of-data"}, StageData},
	{[]string{"in reply to rcpt to command", "after rcpt to", "does not like recipient", "our rcpt to", "[rcpt_to]",
		"after rcpt command", "rcpt to command", "after rcpt"}, StageRcpt},
	{[]string{"in reply to mail from command", "after mail from", "sender was rejected", "our mail from",
		"after mail command", "[mail_from]", "mail from command"}, StageMail},
	{[]string{"in reply to ehlo command", "in reply to helo command", "my name was rejected", "after ehlo", "after helo",
		"in reply to lhlo command"}, StageHelo},
	{[]string{"in reply to starttls command", "after starttls"}, StageStartTLS},
	{[]string{"in reply to auth command", "after auth"}, StageAuth},
	{[]string{"after initial connection", "greeting failed", "refused to talk to me", "during initial connection",
		"in reply to the initial greeting", "after connect"}, StageConnect},
}

var (
	transcriptCmdRE   = lazyre.New(`(?im)^\s*>>>\s*(RCPT|MAIL|DATA|EHLO|HELO|LHLO|RSET|QUIT|STARTTLS|AUTH)\b`)
	transcriptReplyRE = lazyre.New(`(?m)^\s*<<<\s*[45]\d\d`)
	gmailStateRE      = lazyre.New(`\(state (\d+)\)`)
)

// gmailStates maps the "(state N)" suffix of old Gmail bounces to the SMTP
// stage that failed and what a failure there means.
var gmailStates = map[string]struct{ stage, reason string }{
	"6":  {StageMail, "failedstarttls"},
	"8":  {StageAuth, "systemerror"},
	"9":  {StageAuth, "failedstarttls"},
	"12": {StageAuth, "norelaying"},
	"13": {StageHelo, "blocked"},
	"14": {StageRcpt, "userunknown"},
	"15": {StageData, "filtered"},
	"17": {StageData, "filtered"},
	"18": {StageData, "filtered"},
}

// GmailState returns the stage and reason of an old Gmail "(state N)"
// diagnostic, empty when text has none.
func GmailState(text string) (stage, reason string) {
	if !strings.Contains(text, "(state ") {
		return "", ""
	}
	if m := gmailStateRE().FindStringSubmatch(text); m != nil {
		s := gmailStates[m[1]]
		return s.stage, s.reason
	}
	return "", ""
}

// DetectStage finds the SMTP command a remote server refused in report or
// log text: a session transcript (">>> RCPT TO:" followed by "<<< 550"),
// Gmail's "(state N)", or an MTA's own words for the stage. It returns ""
// when the text does not say.
func DetectStage(text string) string {
	if s, _ := GmailState(text); s != "" {
		return s
	}
	if strings.Contains(text, ">>>") {
		cmds := transcriptCmdRE().FindAllStringSubmatchIndex(text, -1)
		for _, c := range cmds {
			rest := text[c[1]:]
			next := transcriptCmdRE().FindStringIndex(rest)
			reply := transcriptReplyRE().FindStringIndex(rest)
			if reply != nil && (next == nil || reply[0] < next[0]) {
				return Stage(text[c[2]:c[3]])
			}
		}
	}
	sp := stageSet()
	best := len(stagePhrases)
	sp.set.Scan(normalize(strings.ReplaceAll(text, "-", " ")), func(id int) { best = min(best, sp.group[id]) })
	if best < len(stagePhrases) {
		return stagePhrases[best].stage
	}
	return ""
}

// stageSet compiles stagePhrases into one automaton; group gives each
// phrase's index in stagePhrases, which is also its priority.
var stageSet = sync.OnceValue(func() (c struct {
	set   *phraseset.Set
	group []int
}) {
	var list []string
	list, c.group = stageList()
	c.set = phraseset.Load(stageTable, list)
	return c
})

// stageList lists the stage phrases as they are matched, with the index
// of each one's group.
func stageList() (list []string, group []int) {
	for g, sp := range stagePhrases {
		for _, p := range sp.phrases {
			list = append(list, strings.ReplaceAll(p, "-", " "))
			group = append(group, g)
		}
	}
	return list, group
}
