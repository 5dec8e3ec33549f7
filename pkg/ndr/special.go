package ndr

import (
	"encoding/json"
	"strconv"
	"strings"
)

// feedbackResult reads an ARF (RFC 5965) complaint report. The complained
// recipient is named by Original-Rcpt-To or Removal-Recipient, or else by
// the To header of the attached message.
func feedbackResult(res Result, p *parts) Result {
	res.Kind = KindFeedback
	blocks := parseFieldBlocks(strings.Join(p.feedback, "\n\n"), false)
	fb := fieldBlock{}
	for _, b := range blocks {
		for k, v := range b {
			if _, ok := fb[k]; !ok {
				fb[k] = v
			}
		}
	}
	addrs := addressList(fb.get("original-rcpt-to") + " " + fb.get("removal-recipient"))
	if len(addrs) == 0 && res.Original != nil {
		addrs = addressList(res.Original.To)
	}
	if len(addrs) == 0 {
		addrs = []string{""}
	}
	ftype := strings.ToLower(fb.get("feedback-type"))
	for _, a := range addrs {
		res.Recipients = append(res.Recipients, Recipient{
			Address:      a,
			Reason:       "feedback",
			FeedbackType: ftype,
			Diagnostic:   strings.TrimSpace(firstLine(p.reportText())),
			RemoteMTA:    typedValue(fb.get("reporting-mta")),
		})
	}
	return res
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

// sesEvent is the JSON Amazon SES posts through SNS to an email
// subscription: a bounce, complaint or delivery notification.
type sesEvent struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		ReportingMTA      string `json:"reportingMTA"`
		RemoteMTAIP       string `json:"remoteMtaIp"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		FeedbackType         string `json:"complaintFeedbackType"`
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
	} `json:"complaint"`
	Delivery *struct {
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
		ReportingMTA string   `json:"reportingMTA"`
		RemoteMTAIP  string   `json:"remoteMtaIp"`
	} `json:"delivery"`
	Mail struct {
		MessageID     string `json:"messageId"`
		Source        string `json:"source"`
		CommonHeaders struct {
			From    []string `json:"from"`
			To      []string `json:"to"`
			Subject string   `json:"subject"`
		} `json:"commonHeaders"`
	} `json:"mail"`
}

var sesStartRE = lazyRE(`\{\s*"(?:notificationType|eventType)"`)

// sesNotification recognises an SES notification in the text body.
func sesNotification(res Result, text string) (Result, bool) {
	loc := sesStartRE().FindStringIndex(text)
	if loc == nil {
		return res, false
	}
	var ev sesEvent
	if err := json.NewDecoder(strings.NewReader(text[loc[0]:])).Decode(&ev); err != nil {
		return res, false
	}
	res.Layout = "amazon-ses"
	res.Original = &Original{MessageID: ev.Mail.MessageID, From: strings.Join(ev.Mail.CommonHeaders.From, ", "),
		To: strings.Join(ev.Mail.CommonHeaders.To, ", "), Subject: ev.Mail.CommonHeaders.Subject}
	kind := ev.NotificationType
	if kind == "" {
		kind = ev.EventType
	}
	switch {
	case kind == "Delivery" && ev.Delivery != nil:
		res.Kind = KindBounce
		res.ReportingMTA = ev.Delivery.ReportingMTA
		for _, a := range ev.Delivery.Recipients {
			d := draft{addr: cleanAddress(a), action: "delivered", diag: ev.Delivery.SMTPResponse, diagType: "smtp", rhost: ev.Delivery.RemoteMTAIP}
			res.Recipients = append(res.Recipients, finish(d, res.Layout, res.ReportingMTA))
		}
	case kind == "Bounce" && ev.Bounce != nil:
		res.Kind = KindBounce
		res.ReportingMTA = ev.Bounce.ReportingMTA
		for _, b := range ev.Bounce.BouncedRecipients {
			d := draft{addr: cleanAddress(b.EmailAddress), action: b.Action, statusField: b.Status, rhost: ev.Bounce.RemoteMTAIP}
			d.diagType, d.diag = splitTyped(b.DiagnosticCode)
			if d.diag == "" {
				d.reason = sesSubTypes[ev.Bounce.BounceSubType]
			}
			res.Recipients = append(res.Recipients, finish(d, res.Layout, res.ReportingMTA))
		}
	case kind == "Complaint" && ev.Complaint != nil:
		res.Kind = KindFeedback
		for _, c := range ev.Complaint.ComplainedRecipients {
			res.Recipients = append(res.Recipients, Recipient{Address: cleanAddress(c.EmailAddress), Reason: "feedback", FeedbackType: ev.Complaint.FeedbackType})
		}
	default:
		return res, false
	}
	return res, true
}

// sesSubTypes translates SES bounce subtypes when no SMTP text came along.
var sesSubTypes = map[string]string{
	"NoEmail": "userunknown", "Suppressed": "rejected", "OnAccountSuppressionList": "rejected",
	"MailboxFull": "mailboxfull", "MessageTooLarge": "mesgtoobig", "ContentRejected": "contenterror",
	"AttachmentRejected": "policyviolation",
}

var autoReplySubjectRE = lazyRE(`(?i)^(?:auto(?:matic)?[ -]?(?:reply|response)|auto:|out of (?:the )?office|autoreply|abwesenheit|r[ée]ponse automatique|risposta automatica|respuesta autom[áa]tica|自動応答|不在)`)

// autoReply recognises RFC 3834 automatic replies (vacation notices) that are
// not bounces.
func autoReply(p *parts) bool {
	if looksLikeBounce(p) {
		return false
	}
	as := strings.ToLower(p.headerText("Auto-Submitted"))
	return strings.HasPrefix(as, "auto-replied") || p.header.Has("X-Autoreply") || p.header.Has("X-Autorespond") ||
		strings.EqualFold(p.headerText("Precedence"), "auto_reply") || autoReplySubjectRE().MatchString(p.headerText("Subject"))
}

func autoReplyResult(res Result, p *parts) Result {
	res.Kind = KindAutoReply
	addrs := addressList(p.headerText("From"))
	if len(addrs) == 0 {
		addrs = []string{""}
	}
	res.Recipients = append(res.Recipients, Recipient{
		Address:    addrs[0],
		Reason:     "vacation",
		Diagnostic: firstLine(p.reportText()),
	})
	return res
}

// layoutSigns recognise the bounce formats of common MTAs and providers, so
// the report can say what produced the bounce.
var layoutSigns = []struct{ name, sign string }{
	{"postfix", "this is the mail system at host"},
	{"postfix", "this is the postfix program"},
	{"exim", "this message was created automatically by mail delivery software"},
	{"qmail", "this is the qmail-send program"},
	{"sendmail", "----- transcript of session follows -----"},
	{"sendmail", "the original message was received at"},
	{"exchange", "diagnostic information for administrators"},
	{"exchange", "delivery has failed to these recipients or groups"},
	{"exchange", "the following recipient(s) could not be reached"},
	{"gmail", "google tried to deliver your message"},
	{"gmail", "delivery to the following recipient has been delayed"},
	{"gmail", "your message wasn't delivered to"},
	{"gmail", "there was a temporary problem delivering your message"},
	{"gmail", "there was a problem delivering your message"},
	{"dragonfly", "this is the dragonfly mail agent"},
	{"opensmtpd", "this is the mailer-daemon, please do not reply"},
	{"domino", "was not delivered to:"},
	{"messaging-server", "this report relates to a message you sent"},
	{"amazon-ses", "an error occurred while trying to deliver the mail"},
	{"amazon-ses", "the following message to <"},
	{"yahoo", "sorry, we were unable to deliver your message"},
	{"messagelabs", "this is the mail delivery agent at symantec"},
	{"google-groups", "google groups"},
}

func detectLayout(p *parts, head string) string {
	low := strings.ToLower(head)
	for _, s := range layoutSigns {
		if strings.Contains(low, s.sign) {
			return s.name
		}
	}
	if p.header.Has("X-Postfix-Queue-Id") {
		return "postfix"
	}
	return ""
}

// replyLineRE finds a leading reply code in a pasted line such as
// "#554 5.4.4 SMTPSEND.DNS.MxLoopback; ... ##" or "550-5.7.1 text".
var replyLineRE = lazyRE(`^#?([245]\d\d)(?:[ -]|$)`)

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
	reply := ""
	if m := replyLineRE().FindStringSubmatch(line); m != nil {
		reply = m[1]
	}
	if status == "" && reply == "" {
		return Result{}, false
	}
	d := draft{diag: strings.Join(strings.Fields(in), " "), diagType: "smtp", statusField: status}
	r := finish(d, "", "")
	if reply != "" {
		r.ReplyCode, _ = strconv.Atoi(reply)
	}
	return Result{Source: s, Kind: KindCode, Recipients: []Recipient{r}}, true
}
