package reason

import (
	"slices"
	"strings"
	"testing"
)

// TestClassifyConditions pins the conditions behind each reason, including
// the confusions of the earlier classifier: an unknown user is a missing
// mailbox at RCPT but a filter after DATA; a temporary DNS failure is not a
// missing domain; a refusal at MAIL FROM is about the sender, at connect
// about the host; SPF, RFC 5322 and policy texts are more precise than a
// bare 5.7.1; reputation is not a sender rejection.
func TestClassifyConditions(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		want string
		hard bool
	}{
		// userunknown / filtered.
		{"unknown user at RCPT", Input{Reply: 550, Text: "550 <bob@example.org>: Recipient address rejected: User unknown in local recipient table", Stage: "RCPT"}, "userunknown", true},
		{"5.1.1 without a stage", Input{Status: "5.1.1", Reply: 550, Text: "550 5.1.1 <bob@example.org>... User unknown"}, "userunknown", true},
		{"unknown user after DATA", Input{Reply: 550, Text: "550 Unknown user bob@example.org", Stage: "end of DATA"}, "filtered", false},
		{"directory look-up", Input{Text: "User Bob (bob@example.org) not listed in Domino Directory"}, "userunknown", true},
		{"Exchange token", Input{Status: "5.1.10", Reply: 550, Text: "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"}, "userunknown", true},
		{"au filter", Input{Reply: 550, Text: "550 : User unknown", Hosts: []string{"", "", "ezweb.ne.jp"}}, "filtered", false},
		{"au unknown", Input{Reply: 550, Text: "550 <a@ezweb.ne.jp>: User unknown", Hosts: []string{"", "", "ezweb.ne.jp"}}, "userunknown", true},
		{"docomo filter", Input{Reply: 550, Text: "550 Unknown user a@docomo.ne.jp", Stage: "DATA", Hosts: []string{"", "", "docomo.ne.jp"}}, "filtered", false},
		{"French at RCPT", Input{Reply: 550, Text: "550 5.1.1 <luc@example.fr>: Destinataire inconnu", Stage: "RCPT"}, "userunknown", true},
		{"Spanish at RCPT", Input{Reply: 550, Text: "550 Usuario desconocido", Stage: "RCPT"}, "userunknown", true},
		{"German at RCPT", Input{Reply: 550, Text: "550 Benutzer unbekannt", Stage: "RCPT"}, "userunknown", true},

		// hostunknown / networkerror.
		{"temporary DNS failure", Input{Status: "4.4.3", Text: "Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again"}, "networkerror", false},
		{"permanent DNS failure", Input{Status: "5.4.4", Text: "Host or domain name not found. Name service error for name=example.org type=A: Host not found"}, "hostunknown", true},
		{"domain at RCPT", Input{Status: "5.1.2", Reply: 550, Text: "550 5.1.2 <a@nowhere.example>... Host unknown (Name server: nowhere.example: host not found)"}, "hostunknown", true},
		{"NXDOMAIN", Input{Status: "5.1.2", Text: "DNS Error: DNS type 'mx' lookup of typo.example responded with code NXDOMAIN"}, "hostunknown", true},
		{"null MX", Input{Status: "5.1.10", Reply: 556, Text: "556 5.1.10 Recipient address has null MX"}, "notaccept", true},

		// requireptr, expired, rejected, blocked rather than onhold.
		{"no reverse DNS", Input{Status: "4.7.1", Reply: 450, Text: "450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]", Stage: "RCPT"}, "requireptr", false},
		{"delay notice", Input{Action: "delayed", Text: "Connection timed out"}, "expired", false},
		{"queue lifetime", Input{Status: "4.4.7", Text: "Message expired: unable to deliver in 840 minutes"}, "expired", false},
		{"unclassified at MAIL FROM", Input{Reply: 550, Text: "550 NN-222 (XX-22) Sorry", Stage: "MAIL"}, "rejected", false},
		{"sender domain", Input{Status: "5.1.8", Reply: 553, Text: "553 5.1.8 <root@host>... Domain of sender address root@host does not exist", Stage: "MAIL"}, "rejected", false},
		{"unclassified at connect", Input{Reply: 554, Text: "554 mx.example.org ESMTP not accepting messages", Stage: "CONN"}, "blocked", false},
		{"DNSBL", Input{Status: "5.7.1", Reply: 554, Text: "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using dnsbl.example.net", Stage: "RCPT"}, "blocked", false},

		// More precise than securityerror.
		{"RFC 5322", Input{Status: "5.7.1", Reply: 550, Text: "550-5.7.1 This message is not RFC 5322 compliant. There are multiple Subject headers.", Stage: "DATA"}, "notcompliantrfc", false},
		{"policy", Input{Status: "5.7.1", Reply: 554, Text: "554 5.7.1 Message rejected because it contains prohibited attachment types per organization policy", Stage: "DATA"}, "policyviolation", false},
		{"SPF", Input{Status: "5.7.1", Reply: 550, Text: "550 5.7.1 SPF check failed for example.org", Stage: "MAIL"}, "authfailure", false},
		{"DMARC status", Input{Status: "5.7.26", Reply: 550, Text: "550 5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy"}, "authfailure", false},
		{"bare 5.7.1", Input{Status: "5.7.1", Reply: 550, Text: "550 5.7.1 Delivery not authorized"}, "securityerror", false},

		// Reputation.
		{"Yahoo TSS04", Input{Status: "4.7.0", Reply: 421, Text: "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints", Stage: "MAIL", Hosts: []string{"mta7.am0.yahoodns.net"}}, "badreputation", false},
		{"Microsoft 4.7.650", Input{Status: "4.7.650", Reply: 451, Text: "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation."}, "badreputation", false},

		// Mailbox and message.
		{"German quota", Input{Reply: 552, Text: "552 Postfach voll"}, "mailboxfull", false},
		{"Portuguese quota", Input{Reply: 552, Text: "552 Caixa postal cheia"}, "mailboxfull", false},
		{"Italian quota", Input{Reply: 552, Text: "552 Casella piena"}, "mailboxfull", false},
		{"Japanese quota", Input{Reply: 552, Text: "552 メールボックスの容量超過"}, "mailboxfull", false},
		{"5.1.1 says mailbox full", Input{Status: "5.1.1", Reply: 552, Text: "552 sorry, mailbox bob@example.org is over quota"}, "mailboxfull", false},
		{"too big", Input{Status: "5.3.4", Reply: 552, Text: "552 5.3.4 Message size exceeds fixed limit"}, "mesgtoobig", false},
		{"disabled", Input{Status: "5.2.1", Reply: 550, Text: "550-5.2.1 The email account that you tried to reach is disabled."}, "suspend", false},
		{"spam after DATA", Input{Status: "5.7.1", Reply: 554, Text: "554 5.7.1 This message has been classified as spam", Stage: "DATA"}, "spamdetected", false},

		// Providers.
		{"Gmail help token", Input{Status: "5.1.1", Reply: 550, Text: "550-5.1.1 ... https://support.google.com/mail/?p=NoSuchUser x - gsmtp"}, "userunknown", true},
		{"Orange code", Input{Status: "5.5.0", Reply: 550, Text: "550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. LPN007_426"}, "suspend", false},
		{"Facebook code", Input{Status: "5.1.1", Reply: 550, Text: "550 5.1.1 RCP-P1 Refused due to recipient preferences", Hosts: []string{"smtpin.mx.facebook.com"}}, "userunknown", true},
		{"Cox code", Input{Reply: 554, Text: "554 cxr.mx.east.cox.net cox too many bad commands from 192.0.2.1 CXBL", Hosts: []string{"cxr.mx.east.cox.net"}}, "blocked", false},

		{"Exchange sending limit", Input{Status: "5.2.2", Reply: 554, Text: "554 5.2.2 mailbox full; STOREDRV.Submission.Exception:SubmissionQuotaExceededException"}, "speeding", false},
		{"Exchange recipient quota", Input{Status: "5.2.2", Reply: 554, Text: "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded"}, "mailboxfull", false},

		// Reports and stated reasons.
		{"hint wins", Input{Text: "anything", Hint: "suppressed"}, "suppressed", false},
		{"delivered", Input{Status: "2.0.0", Action: "delivered"}, "delivered", false},
		{"pipe", Input{DiagType: "x-unix", Text: "Command died with status 1: \"/usr/bin/procmail\""}, "mailererror", false},
		{"nothing known", Input{Text: "451 4.3.0 This message could not be delivered due to a recipient error.", Action: "failed"}, "onhold", false},
		{"no facts", Input{}, "undefined", false},
		{"temporary hostunknown is not hard", Input{Status: "4.1.2", Reply: 450, Text: "450 4.1.2 <a@x.example>: Recipient address rejected: Domain not found"}, "hostunknown", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := Classify(tc.in)
			if v.Reason != tc.want || v.Hard != tc.hard {
				t.Errorf("got %s (hard %v, rule %q), want %s (hard %v)", v.Reason, v.Hard, v.Rule, tc.want, tc.hard)
			}
		})
	}
}

func TestHardTable(t *testing.T) {
	for _, tc := range []struct {
		reason, status string
		reply          int
		want           bool
	}{
		{"userunknown", "5.1.1", 550, true},
		{"userunknown", "4.1.1", 450, false},
		{"hostunknown", "", 0, true},
		{"hasmoved", "5.1.6", 551, true},
		{"notaccept", "5.1.10", 556, true},
		{"notaccept", "", 421, false},
		{"mailboxfull", "5.2.2", 552, false},
		{"blocked", "5.7.1", 554, false},
	} {
		if got := Hard(tc.reason, tc.status, tc.reply); got != tc.want {
			t.Errorf("Hard(%s, %s, %d) = %v", tc.reason, tc.status, tc.reply, got)
		}
	}
}

func TestStage(t *testing.T) {
	for in, want := range map[string]string{
		"RCPT TO": "RCPT", "rcpt": "RCPT", "end of DATA": "DATA", "DATA": "DATA", "MAIL FROM": "MAIL",
		"HELO": "EHLO", "ehlo": "EHLO", "initial connection": "CONN", "STARTTLS": "STARTTLS", "": "", "QUIT": "",
	} {
		if got := Stage(in); got != want {
			t.Errorf("Stage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDetectStage(t *testing.T) {
	for text, want := range map[string]string{
		"host mx[192.0.2.1] said: 550 5.1.1 unknown (in reply to RCPT TO command)":                  "RCPT",
		"host mx[192.0.2.1] said: 554 5.7.1 spam (in reply to end of DATA command)":                 "DATA",
		"SMTP error from remote mail server after MAIL FROM:<a@b> SIZE=1: 550 no":                   "MAIL",
		"SMTP error from remote mail server after initial connection: 554 go away":                  "CONN",
		"192.0.2.1 does not like recipient.\nRemote host said: 550 no such user":                    "RCPT",
		"192.0.2.1 failed after I sent the message.\nRemote host said: 554 spam":                    "DATA",
		"... while talking to mx.:\n>>> MAIL From:<a@b>\n<<< 250 ok\n>>> RCPT To:<c@d>\n<<< 550 no": "RCPT",
		"The error that the other server returned was: 550 5.1.1 no (state 14).":                    "RCPT",
		"Remote host said: 550 5.2.2 Mailbox Full [RCPT_TO]":                                        "RCPT",
		"550 5.1.1 user unknown": "",
	} {
		if got := DetectStage(text); got != want {
			t.Errorf("DetectStage(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestTables keeps the tables well-formed: every reason they name is in
// the vocabulary, every phrase is lower-case and already normalised, so
// it can match at all.
func TestTables(t *testing.T) {
	known := func(where, r string) {
		if !slices.Contains(Vocabulary, r) {
			t.Errorf("%s: %q is not in Vocabulary", where, r)
		}
	}
	for code, r := range byStatus {
		known("byStatus "+code, r)
	}
	for _, g := range phraseGroups {
		if g.cat != "directory" && g.cat != "retry" {
			known("phraseGroups", g.cat)
		}
		for _, p := range g.phrases {
			// Leading and trailing spaces are kept on purpose: they make
			// a phrase match whole words only.
			if normalize(p) != strings.TrimSpace(p) {
				t.Errorf("phrase %q of %s is not normalised (%q)", p, g.cat, normalize(p))
			}
		}
	}
	for _, m := range []map[string]string{googleHelp, yahooCodes, orangeCodes} {
		for k, r := range m {
			known(k, r)
		}
	}
	for _, l := range [][]codeReason{facebookCodes, coxCodes} {
		for _, c := range l {
			known(c.code, c.reason)
		}
	}
	for _, tk := range exchangeTokens {
		known(tk.token, tk.reason)
	}
	for _, r := range secondary {
		known("secondary", r)
	}
	for _, r := range primary {
		known("primary", r.reason)
	}
}

func TestNormalize(t *testing.T) {
	got := normalize("550-5.7.1 This message is not\n550-5.7.1  RFC 5322 compliant.\tThere’s more")
	want := "550-5.7.1 this message is not rfc 5322 compliant. there's more"
	if got != want {
		t.Errorf("normalize = %q, want %q", got, want)
	}
}

func FuzzClassify(f *testing.F) {
	f.Add("5.1.1", 550, "550 5.1.1 <a@b>: User unknown", "RCPT", "", "")
	f.Add("", 0, "(state 14)", "", "x-unix", "delayed")
	f.Add("5.7.1", 554, "https://support.google.com/mail/?p=NoSuchUser", "DATA", "smtp", "failed")
	f.Fuzz(func(t *testing.T, status string, reply int, text, stage, dtype, action string) {
		v := Classify(Input{Status: status, Reply: reply, Text: text, Stage: stage, DiagType: dtype, Action: action, Hosts: []string{text}})
		if !slices.Contains(Vocabulary, v.Reason) {
			t.Fatalf("reason %q not in the vocabulary", v.Reason)
		}
		if v.Hard && strings.HasPrefix(status, "4.") {
			t.Fatalf("temporary status %s reported hard", status)
		}
	})
}

func FuzzDetectStage(f *testing.F) {
	f.Add(">>> RCPT To:<a@b>\n<<< 550 no")
	f.Add("(in reply to RCPT TO command) (state 1")
	f.Fuzz(func(t *testing.T, text string) {
		if s := DetectStage(text); s != "" && Stage(s) != s {
			t.Fatalf("stage %q is not normalised", s)
		}
	})
}

func BenchmarkClassify(b *testing.B) {
	in := Input{Status: "5.1.1", Reply: 550, Stage: "RCPT", Hosts: []string{"mx.example.org"},
		Text: "host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"}
	Classify(in)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Classify(in)
	}
}
