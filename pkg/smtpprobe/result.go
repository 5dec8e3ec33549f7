package smtpprobe

import (
	"fmt"
	"strconv"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// Result is what one session showed. Everything a person or a CI job needs
// is here; credentials never are.
type Result struct {
	// Target is what was asked for (host, address, or the domain's MX name).
	Target string `json:"target"`
	// Host is the name we connected to and checked the certificate and
	// announced name against; empty for a bare IP target.
	Host string `json:"host,omitempty"`
	// Via says how the host was found ("MX 10 of example.com").
	Via string `json:"via,omitempty"`
	// IP and Port are the server's address, dialled as given.
	IP   string `json:"ip"`
	Port int    `json:"port"`
	// Protocol is what the session spoke: smtp or lmtp.
	Protocol    string  `json:"protocol" jsonschema:"enum=smtp,enum=lmtp"`
	ImplicitTLS bool    `json:"implicit_tls,omitempty"`
	Connected   bool    `json:"connected"`
	Banner      *Reply  `json:"banner,omitempty"`
	BannerDelay float64 `json:"banner_delay_ms"`
	Names       *Names  `json:"names,omitempty"`
	// Extensions are those of the last EHLO (after STARTTLS when it ran);
	// ExtensionsBeforeTLS those of the plain-text EHLO.
	Extensions          []Extension `json:"extensions,omitempty"`
	ExtensionsBeforeTLS []Extension `json:"extensions_before_tls,omitempty"`
	StartTLSOffered     bool        `json:"starttls_offered"`
	// SizeLimit is the SIZE the server announced: nil when it announced
	// none, 0 for "no fixed limit".
	SizeLimit *int64     `json:"size_limit,omitempty"`
	TLS       *TLSReport `json:"tls,omitempty"`
	// DANE is the TLSA lookup and match; nil when not looked up (no
	// resolver, or a bare IP target).
	DANE *DANEResult `json:"dane,omitempty"`
	// TLSGrade is the TLS grade, with Options.TLSGrade.
	TLSGrade *TLSGrade `json:"tls_grade,omitempty"`
	// AuthBeforeTLS lists the mechanisms offered on the plain-text session;
	// AuthAfterTLS those offered once encrypted.
	AuthBeforeTLS []string            `json:"auth_before_tls,omitempty"`
	AuthAfterTLS  []string            `json:"auth_after_tls,omitempty"`
	Auth          *AuthResult         `json:"auth,omitempty"`
	Relay         *RelayResult        `json:"relay,omitempty"`
	Steps         []StepResult        `json:"steps,omitempty"`
	Expectations  []ExpectationResult `json:"expectations,omitempty"`
	Transcript    []smtpclient.Line   `json:"transcript,omitempty"`
	Findings      []report.Finding    `json:"findings,omitempty"`
	// Error says why the session ended early, if it did.
	Error      string  `json:"error,omitempty"`
	DurationMS float64 `json:"duration_ms"`

	addr   string   // ip:port as dialled
	timing []string // the transcript formatted with timing, for --timing
	plain  []string // the transcript formatted without
}

// Addr is the server's address as dialled, "ip:port".
func (r *Result) Addr() string { return r.addr }

// Reply is a server reply as reported.
type Reply struct {
	Code      int      `json:"code"`
	Enhanced  string   `json:"enhanced,omitempty"`
	Lines     []string `json:"lines"`
	ElapsedMS float64  `json:"elapsed_ms"`
}

func replyOf(r *smtpclient.Reply) *Reply {
	if r == nil {
		return nil
	}
	return &Reply{Code: r.Code, Enhanced: r.EnhancedCode(), Lines: r.Lines, ElapsedMS: report.MS(r.Elapsed)}
}

// String renders the reply's first line as on the wire, plus a count of
// further lines.
func (r *Reply) String() string {
	if r == nil {
		return ""
	}
	out := strconv.Itoa(r.Code)
	if len(r.Lines) > 0 && r.Lines[0] != "" {
		out += " " + r.Lines[0]
	}
	if len(r.Lines) > 1 {
		out += fmt.Sprintf(" (+%d lines)", len(r.Lines)-1)
	}
	return out
}

// Names are the host names around the server: what it calls itself, what
// its address reverse-resolves to, and what we connected to.
type Names struct {
	Banner    string   `json:"banner,omitempty"`
	EHLO      string   `json:"ehlo,omitempty"`
	Connected string   `json:"connected,omitempty"`
	PTR       []string `json:"ptr,omitempty"`
	// PTRStatus is the reverse lookup's outcome (ok, nxdomain, servfail...).
	PTRStatus string `json:"ptr_status,omitempty"`
	// ForwardConfirmed: a PTR name resolves back to the address (FCrDNS).
	ForwardConfirmed bool `json:"forward_confirmed"`
}

// Extension is one EHLO keyword with its parameters.
type Extension struct {
	Name   string `json:"name"`
	Params string `json:"params,omitempty"`
}

// AuthResult is the outcome of the AUTH step.
type AuthResult struct {
	Mechanism string `json:"mechanism"`
	User      string `json:"user"`
	OK        bool   `json:"ok"`
	// Skipped says why no credentials were sent.
	Skipped string `json:"skipped,omitempty"`
	Reply   *Reply `json:"reply,omitempty"`
}

// RelayResult is the outcome of the relay test.
type RelayResult struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Verdict is "open", "refused" or "inconclusive".
	Verdict string `json:"verdict" jsonschema:"enum=open,enum=refused,enum=inconclusive"`
	Reply   *Reply `json:"reply,omitempty"`
}

// StepResult is one step as run.
type StepResult struct {
	Step StepKind `json:"step"`
	// Command is what was sent, credentials redacted.
	Command string `json:"command,omitempty"`
	Reply   *Reply `json:"reply,omitempty"`
	// Replies holds LMTP's one reply per recipient after DATA.
	Replies []*Reply `json:"replies,omitempty"`
	Error   string   `json:"error,omitempty"`
	// Note says why a step did less than asked (skipped, not offered).
	Note string `json:"note,omitempty"`
	// Source is where a scripted step was written ("session.yaml:12");
	// empty for steps built from flags.
	Source string `json:"source,omitempty"`
}

// TranscriptLines is the swaks-style transcript, with per-line times when
// timing is set.
func (r *Result) TranscriptLines(timing bool) []string {
	if timing {
		return r.timing
	}
	return r.plain
}

// Failed reports whether the session found an error or could not finish:
// the cases in which the transcript is worth showing unasked. A warning
// (a certificate expiring in three weeks) is a line to read, not a reason
// to bury the verdict under fifty lines of dialogue.
func (r *Result) Failed() bool {
	for _, f := range r.Findings {
		if f.Incomplete || f.Severity >= report.Error {
			return true
		}
	}
	return false
}
