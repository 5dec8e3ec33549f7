package ndr

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Email service providers report bounces to their customers as JSON
// events (webhooks, event exports) rather than as mail. Each layout below
// reads one provider's documented event shape; the input is the JSON
// itself, or a message whose text part holds it. Bounce mail that reaches
// a sender through these providers' own MTAs is RFC 3464 and needs no
// layout of its own.

// factsReportKind is factsReport for a report of the given kind.
func factsReportKind(facts []Fact, kind Kind) *parsed {
	p := factsReport(facts)
	if p != nil {
		p.kind = kind
	}
	return p
}

// jsonHas returns a detect function: the report text is a JSON document
// holding one of keys.
func jsonHas(keys ...string) func(*message) bool {
	return func(m *message) bool { return containsAny(jsonText(m), keys) }
}

// jsonText returns the report text when it is a JSON document, "" when not.
func jsonText(m *message) string {
	t := strings.TrimSpace(m.reportText())
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return ""
	}
	return t
}

// jsonEvents decodes a JSON object or array of objects into events.
func jsonEvents[T any](text string) []T {
	var list []T
	if strings.HasPrefix(text, "[") {
		if json.Unmarshal([]byte(text), &list) != nil {
			return nil
		}
		return list
	}
	var one T
	if json.NewDecoder(strings.NewReader(text)).Decode(&one) != nil {
		return nil
	}
	return []T{one}
}

// SendGrid Event Webhook ("Event Webhook reference"): an array of events
// with "email", "event" (bounce, blocked, dropped, deferred, delivered,
// spamreport), "type" (bounce or blocked for bounces), "status"
// (enhanced code), "reason" (the remote reply or, for dropped, "Bounced
// Address", "Unsubscribed Address", "Spam Reporting Address", "Invalid"),
// and "sg_event_id"/"sg_message_id". SendGrid also returns bounce mail
// from mailer-daemon at sendgrid.net, "This is an automatically generated
// message from SendGrid.", with an RFC 3464 part.
func init() {
	register(6, &family{id: "sendgrid", test: func(m *message) bool {
		if jsonHas(`"sg_event_id"`, `"sg_message_id"`)(m) {
			return true
		}
		m.prepare()
		return strings.Contains(m.lowHead, "automatically generated message from sendgrid") ||
			strings.Contains(m.lowHeader("From"), "sendgrid.net")
	}, read: func(m *message) *parsed {
		if jsonText(m) == "" {
			return scraped(m, nil)
		}
		return readSendGrid(m)
	}})
}

type sendgridEvent struct {
	Email    string `json:"email"`
	Event    string `json:"event"`
	Type     string `json:"type"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Response string `json:"response"`
}

func readSendGrid(m *message) *parsed {
	var facts []Fact
	kind := KindBounce
	for _, e := range jsonEvents[sendgridEvent](jsonText(m)) {
		f := Fact{Address: cleanAddress(e.Email), Status: e.Status, Diagnostic: e.Reason}
		switch e.Event {
		case "bounce":
			f.Action = "failed"
		case "blocked":
			f.Action = "failed"
		case "deferred":
			f.Action = "delayed"
			f.Diagnostic = firstNonEmpty(e.Response, e.Reason)
		case "dropped":
			f.Action, f.Reason = "failed", "suppressed"
		case "delivered":
			f.Action, f.Diagnostic = "delivered", e.Response
		case "spamreport":
			f.Reason, kind = "feedback", KindFeedback
		default:
			continue
		}
		facts = append(facts, f)
	}
	return factsReportKind(facts, kind)
}

// Mailgun events ("Events API" and webhooks): {"event-data": {...}} or the
// event itself, with "event" ("failed", "delivered", "complained"),
// "recipient", "severity" ("permanent" or "temporary"), "reason"
// ("bounce", "generic", "suppress-bounce", "suppress-unsubscribe",
// "suppress-complaint", "espblock", "old") and "delivery-status" with
// "code", "enhanced-code", "message", "description" and "mx-host".
func init() {
	register(7, &family{id: "mailgun", test: jsonHas(`"delivery-status"`, `"event-data"`), read: readMailgun})
}

type mailgunEvent struct {
	EventData *mailgunEvent `json:"event-data"`
	Event     string        `json:"event"`
	Recipient string        `json:"recipient"`
	Severity  string        `json:"severity"`
	Reason    string        `json:"reason"`
	Delivery  struct {
		Code         int    `json:"code"`
		EnhancedCode string `json:"enhanced-code"`
		Message      string `json:"message"`
		Description  string `json:"description"`
		MXHost       string `json:"mx-host"`
	} `json:"delivery-status"`
}

func readMailgun(m *message) *parsed {
	var facts []Fact
	kind := KindBounce
	for _, e := range jsonEvents[mailgunEvent](jsonText(m)) {
		if e.EventData != nil {
			e = *e.EventData
		}
		d := e.Delivery
		f := Fact{Address: cleanAddress(e.Recipient), Status: d.EnhancedCode, ReplyCode: d.Code, RemoteMTA: d.MXHost,
			Diagnostic: strings.TrimSpace(firstNonEmpty(d.Message, d.Description))}
		switch {
		case e.Event == "failed" && strings.HasPrefix(e.Reason, "suppress-"):
			f.Action, f.Reason = "failed", "suppressed"
		case e.Event == "failed" && e.Severity == "temporary":
			f.Action = "delayed"
		case e.Event == "failed":
			f.Action = "failed"
		case e.Event == "delivered":
			f.Action = "delivered"
		case e.Event == "complained":
			f.Reason, kind = "feedback", KindFeedback
		default:
			continue
		}
		facts = append(facts, f)
	}
	return factsReportKind(facts, kind)
}

// Postmark bounce webhooks and the Bounces API ("Bounce webhook" and
// "Bounce types" in Postmark's developer documentation): "RecordType":
// "Bounce", "Type" (HardBounce, SoftBounce, Transient, DnsError,
// SpamNotification, VirusNotification, AutoResponder, AddressChange,
// BadEmailAddress, ManuallyDeactivated, Blocked, DMARCPolicy,
// SpamComplaint, ...), "TypeCode", "Email", "Description", "Details" (the
// remote reply) and "Inactive" (Postmark suppresses the address).
func init() {
	register(8, &family{id: "postmark", test: jsonHas(`"RecordType"`, `"TypeCode"`), read: readPostmark})
}

type postmarkEvent struct {
	RecordType  string `json:"RecordType"`
	Type        string `json:"Type"`
	Email       string `json:"Email"`
	Description string `json:"Description"`
	Details     string `json:"Details"`
}

// postmarkTypes are the reasons Postmark's bounce types state outright;
// the others leave the decision to the remote reply in Details.
var postmarkTypes = map[string]string{
	"SpamNotification": "spamdetected", "VirusNotification": "virusdetected", "AutoResponder": "vacation",
	"AddressChange": "hasmoved", "BadEmailAddress": "userunknown", "ManuallyDeactivated": "suppressed",
	"Blocked": "blocked", "DMARCPolicy": "authfailure", "SpamComplaint": "feedback", "DnsError": "networkerror",
}

func readPostmark(m *message) *parsed {
	var facts []Fact
	kind := KindBounce
	for _, e := range jsonEvents[postmarkEvent](jsonText(m)) {
		if e.RecordType != "" && e.RecordType != "Bounce" && e.RecordType != "SpamComplaint" {
			continue
		}
		f := Fact{Address: cleanAddress(e.Email), Diagnostic: firstNonEmpty(e.Details, e.Description), Action: "failed"}
		f.Reason = postmarkTypes[e.Type]
		switch e.Type {
		case "SoftBounce", "Transient", "DnsError":
			f.Action = "delayed"
		case "HardBounce":
			if !hasCode(f.Diagnostic) {
				f.Reason = "userunknown"
			}
		case "SpamComplaint":
			kind, f.Action = KindFeedback, ""
		}
		if e.RecordType == "SpamComplaint" {
			kind, f.Reason, f.Action = KindFeedback, "feedback", ""
		}
		facts = append(facts, f)
	}
	return factsReportKind(facts, kind)
}

// SparkPost (Bird) webhooks and the Events API ("Event types" and "Bounce
// classification codes" in SparkPost's documentation): [{"msys":
// {"message_event": {"type": "bounce" | "out_of_band" | "delay" |
// "policy_rejection", "rcpt_to", "bounce_class", "error_code",
// "raw_reason", "reason"}}}]. The bounce class states the condition:
// 10 invalid recipient, 21 DNS failure, 22 mailbox full, 23 too large,
// 24 timeout, 25 admin failure, 50 mail block, 51 spam block, 52 spam
// content, 53 prohibited attachment, 54 relaying denied, 60 auto-reply.
func init() {
	register(9, &family{id: "sparkpost", test: jsonHas(`"msys"`, `"bounce_class"`), read: readSparkPost})
}

type sparkpostEvent struct {
	Msys struct {
		MessageEvent *sparkpostRecord `json:"message_event"`
	} `json:"msys"`
	sparkpostRecord
}

type sparkpostRecord struct {
	Type        string `json:"type"`
	RcptTo      string `json:"rcpt_to"`
	BounceClass string `json:"bounce_class"`
	ErrorCode   string `json:"error_code"`
	RawReason   string `json:"raw_reason"`
	Reason      string `json:"reason"`
}

var sparkpostClasses = map[string]string{
	"10": "userunknown", "21": "networkerror", "22": "mailboxfull", "23": "mesgtoobig", "24": "expired",
	"25": "policyviolation", "50": "blocked", "51": "blocked", "52": "spamdetected", "53": "policyviolation",
	"54": "norelaying", "60": "vacation", "90": "suppressed",
}

func readSparkPost(m *message) *parsed {
	var facts []Fact
	for _, e := range jsonEvents[sparkpostEvent](jsonText(m)) {
		r := e.sparkpostRecord
		if e.Msys.MessageEvent != nil {
			r = *e.Msys.MessageEvent
		}
		switch r.Type {
		case "bounce", "out_of_band", "delay", "policy_rejection", "generation_rejection":
		default:
			continue
		}
		f := Fact{Address: cleanAddress(r.RcptTo), Diagnostic: firstNonEmpty(r.RawReason, r.Reason), Action: "failed"}
		if code, err := strconv.Atoi(r.ErrorCode); err == nil {
			f.ReplyCode = code
		}
		if r.Type == "delay" {
			f.Action = "delayed"
		}
		if !hasCode(f.Diagnostic) || r.BounceClass == "90" {
			f.Reason = sparkpostClasses[r.BounceClass]
		}
		facts = append(facts, f)
	}
	return factsReport(facts)
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
