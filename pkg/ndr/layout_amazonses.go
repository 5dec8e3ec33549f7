package ndr

import (
	"encoding/json"
	"strings"

	"github.com/mailflowkit/mailflow/pkg/internal/lazyre"
)

// Amazon SES, in two shapes.
//
// Mail: SES (and Amazon WorkMail, which sends through it) returns bounces
// from MAILER-DAEMON@*.amazonses.com with a text part ("An error occurred
// while trying to deliver the mail to the following recipients:", older
// "The following message to <addr> was undeliverable.") and an RFC 3464
// delivery-status part; the DSN reader does the rest.
//
// JSON: bounce, complaint and delivery notifications published through SNS
// ("Amazon SES notification contents" in the SES developer guide): an
// object with notificationType (or eventType) Bounce, Complaint or
// Delivery, bounce.bouncedRecipients[] with emailAddress, action, status and
// diagnosticCode, and bounce.bounceSubType (NoEmail, MailboxFull,
// MessageTooLarge, ContentRejected, AttachmentRejected, Suppressed,
// OnAccountSuppressionList). An email subscription delivers it as the body
// of a message from no-reply@sns.amazonaws.com; an SQS or HTTP subscriber
// may save the SNS envelope ({"Type": "Notification", "Message": "{...}"})
// itself.
func init() {
	register(5, &family{id: "amazon-ses", test: sesDetect, read: readSES})
}

func sesDetect(m *message) bool {
	from := m.lowHeader("From")
	if strings.Contains(from, "amazonses.com") || strings.Contains(from, "sns.amazonaws.com") || m.header.Has("X-Ses-Outgoing") {
		return true
	}
	return sesStart(m) >= 0
}

var sesStartRE = lazyre.New(`\{\s*"(?:notificationType|eventType|Type)"\s*:`)

// sesStart returns where an SES or SNS JSON object starts in the report
// text (or the raw input when there is no text part), -1 when none does.
func sesStart(m *message) int {
	t := m.reportText()
	if len(t) > maxMarkerBytes {
		t = t[:maxMarkerBytes]
	}
	if !strings.Contains(t, `"notificationType"`) && !strings.Contains(t, `"eventType"`) && !strings.Contains(t, `"Type"`) {
		return -1
	}
	if loc := sesStartRE().FindStringIndex(t); loc != nil {
		return loc[0]
	}
	return -1
}

type sesRecipient struct {
	EmailAddress   string `json:"emailAddress"`
	Action         string `json:"action"`
	Status         string `json:"status"`
	DiagnosticCode string `json:"diagnosticCode"`
}

// sesEvent is one SES notification.
type sesEvent struct {
	Type             string `json:"Type"`
	Message          string `json:"Message"`
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           *struct {
		BounceType        string         `json:"bounceType"`
		BounceSubType     string         `json:"bounceSubType"`
		ReportingMTA      string         `json:"reportingMTA"`
		RemoteMTAIP       string         `json:"remoteMtaIp"`
		BouncedRecipients []sesRecipient `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		FeedbackType         string         `json:"complaintFeedbackType"`
		ComplainedRecipients []sesRecipient `json:"complainedRecipients"`
	} `json:"complaint"`
	Delivery *struct {
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
		ReportingMTA string   `json:"reportingMTA"`
		RemoteMTAIP  string   `json:"remoteMtaIp"`
	} `json:"delivery"`
	Mail struct {
		MessageID     string `json:"messageId"`
		CommonHeaders struct {
			From    []string `json:"from"`
			To      []string `json:"to"`
			Subject string   `json:"subject"`
		} `json:"commonHeaders"`
	} `json:"mail"`
}

// sesSubTypes translates SES bounce subtypes when no SMTP text came along.
var sesSubTypes = map[string]string{
	"NoEmail": "userunknown", "Suppressed": "suppressed", "OnAccountSuppressionList": "suppressed",
	"MailboxFull": "mailboxfull", "MessageTooLarge": "mesgtoobig", "ContentRejected": "contenterror",
	"AttachmentRejected": "policyviolation",
}

func readSES(m *message) *parsed {
	start := sesStart(m)
	if start < 0 {
		// A mail bounce: the delivery-status part says it all.
		return nil
	}
	var ev sesEvent
	if err := json.NewDecoder(strings.NewReader(m.reportText()[start:])).Decode(&ev); err != nil {
		return nil
	}
	if ev.Type == "Notification" && ev.Message != "" {
		inner := sesEvent{}
		if err := json.Unmarshal([]byte(ev.Message), &inner); err != nil {
			return nil
		}
		ev = inner
	}
	r := &parsed{kind: KindBounce, original: &Original{MessageID: ev.Mail.MessageID, From: strings.Join(ev.Mail.CommonHeaders.From, ", "),
		To: strings.Join(ev.Mail.CommonHeaders.To, ", "), Subject: ev.Mail.CommonHeaders.Subject}}
	kind := ev.NotificationType
	if kind == "" {
		kind = ev.EventType
	}
	switch {
	case kind == "Delivery" && ev.Delivery != nil:
		r.reportingMTA = ev.Delivery.ReportingMTA
		for _, a := range ev.Delivery.Recipients {
			r.facts = append(r.facts, Fact{Address: cleanAddress(a), Action: "delivered", Diagnostic: ev.Delivery.SMTPResponse,
				DiagnosticType: "smtp", RemoteMTA: ev.Delivery.RemoteMTAIP})
		}
	case kind == "Bounce" && ev.Bounce != nil:
		r.reportingMTA = ev.Bounce.ReportingMTA
		for _, b := range ev.Bounce.BouncedRecipients {
			f := Fact{Address: cleanAddress(b.EmailAddress), Action: b.Action, Status: b.Status, RemoteMTA: ev.Bounce.RemoteMTAIP}
			f.DiagnosticType, f.Diagnostic = splitTyped(b.DiagnosticCode)
			if f.Diagnostic == "" || ev.Bounce.BounceSubType == "Suppressed" || ev.Bounce.BounceSubType == "OnAccountSuppressionList" {
				f.Reason = sesSubTypes[ev.Bounce.BounceSubType]
			}
			if f.Action == "" && ev.Bounce.BounceType == "Transient" {
				f.Action = "delayed"
			}
			r.facts = append(r.facts, f)
		}
	case kind == "Complaint" && ev.Complaint != nil:
		r.kind = KindFeedback
		for _, c := range ev.Complaint.ComplainedRecipients {
			r.facts = append(r.facts, Fact{Address: cleanAddress(c.EmailAddress), Reason: "feedback", FeedbackType: ev.Complaint.FeedbackType})
		}
	default:
		return nil
	}
	return r
}
