package cli

import (
	"cmp"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/resolver"
	"github.com/mailflowkit/mailflow/pkg/smtpprobe"
)

type smtpFlags struct {
	port                  int
	ehlo                  string
	starttls              string
	tlsOnConnect          bool
	protocol              string
	quitAfter             string
	from                  string
	to                    []string
	headers               []string
	body                  string
	dataFile              string
	dsnNotify, dsnRet     string
	dsnEnvID              string
	smtputf8              bool
	size                  int64
	auth, user            string
	passwordFile          string
	insecureAuth          bool
	showSecrets           bool
	vrfy, expn            []string
	relayTest             bool
	timing                bool
	expectExt, expectAuth []string
	expectNoAuthBeforeTLS bool
	expectCode            []string
	expectTLSVersion      string
	expectCertDays        int
	script                string
	allMX                 bool
	concurrency           int
	caFiles               []string
	sessionTimeout        time.Duration
	tlsName               string
	saveChain             string
	tlsGrade              bool
	client                tlsClientFlags
}

// Limits on what the smtp command reads from files.
const (
	maxMessageFile  = 64 << 20
	maxPasswordFile = 64 << 10
	maxSMTPParallel = 256
)

func init() {
	register(func(e *Env) *cobra.Command {
		f := &smtpFlags{}
		cmd := &cobra.Command{
			Use:   "smtp TARGET",
			Short: "Run an SMTP session and judge it: banner, STARTTLS, certificate, AUTH, relay",
			Long: `Run an SMTP session against a mail server and judge what it does, like
swaks with a verdict. TARGET is host[:port], an IP address, or @domain or
user@domain: then the domain's MX is looked up and its first server (every
server with --all-mx) is probed, with postmaster@domain (or the user) as the
recipient.

The session goes EHLO, STARTTLS (when offered; --starttls), AUTH (with
--user), MAIL, RCPT and stops there unless a message is given with --body or
--data: nothing is delivered by default. --quit-after ends it earlier.
Credentials are sent only over TLS with a verified certificate (override
with --insecure-auth); the password comes from --password-file,
MAILFLOW_PASSWORD or a prompt, never from the command line, and is redacted
in every output unless --show-secrets.

It reports the banner and greeting delay, the announced name against reverse
DNS and the name connected to, STARTTLS, TLS version and certificate (name,
expiry, trust), AUTH offered before TLS, authentication, open relaying
(--relay-test, with reserved addresses that reach no one), the SIZE limit,
and every refusal with what its status code means. TLSA records of a named
server are matched against the chain it presents (DANE, counted only with the
AD bit of a validating resolver you trust: --dns 127.0.0.1 with a local
unbound). --tls-grade grades its TLS against NCSC-NL's TLS guidelines.

--tls-name, --connect, --tls-cert/--tls-key, --tls-min/--tls-max,
--tls-ciphers, -4/-6 and --source shape the connection and the handshake;
--save-chain keeps the presented chain as PEM. Every session is bounded by
--timeout per reply and --session-timeout in all.

--expect-* flags or a YAML --script turn it into a CI check: each
expectation passes or fails, and a failure is an error.

Exit codes: 0 fine, 1 a problem (an error finding or failed expectation; see
--fail-on), 2 usage or input error, 3 the session could not be completed
(connection refused, timeout) and nothing worse was found.`,
			Example: `  mailflow smtp @example.com
  mailflow smtp mail.example.com:587 --user me@example.com --password-file pw.txt
  mailflow smtp @example.com --all-mx --relay-test
  mailflow smtp smtp.example.com:465 --tls-on-connect --expect-tls-version 1.2+ --expect-cert-days 14
  mailflow smtp hub.example.com --expect-ext STARTTLS --expect-no-auth-before-tls --format json
  mailflow smtp mx.example.com --script submission.yaml -v --timing
  mailflow smtp 10.0.0.25:587 --tls-name mail.corp.example --ca-file corp-ca.pem --user me --auth PLAIN
  mailflow smtp @example.com --all-mx --tls-grade --save-chain chains.pem`,
			RunE: runE(func(cmd *cobra.Command, args []string) error {
				if len(args) != 1 {
					return Usagef("give one TARGET (host[:port], an IP address, @domain or user@domain), got %d", len(args))
				}
				return runSMTP(cmd, e, f, args[0])
			}),
		}
		fl := cmd.Flags()
		fl.IntVar(&f.port, "port", 25, "port for MX and host targets given without one")
		fl.StringVar(&f.ehlo, "ehlo", "", "name for every EHLO (default: this machine's FQDN, else localhost)")
		fl.StringVar(&f.starttls, "starttls", "auto", "STARTTLS: auto (when offered), require (fail without), never")
		fl.BoolVar(&f.tlsOnConnect, "tls-on-connect", false, "implicit TLS from the first byte (port 465)")
		fl.StringVar(&f.protocol, "protocol", "smtp", "smtp or lmtp")
		fl.StringVar(&f.quitAfter, "quit-after", "", "stop after "+strings.Join(smtpprobe.PhaseNames(), "|")+" (default: rcpt, or data with a message)")
		fl.StringVar(&f.from, "from", "", "MAIL FROM address (default: the null sender <>)")
		fl.StringArrayVar(&f.to, "to", nil, "RCPT TO address (repeatable; default: postmaster@domain or the TARGET user)")
		fl.StringArrayVar(&f.headers, "header", nil, `"Name: value" header for the message (repeatable; replaces a default header of that name)`)
		fl.StringVar(&f.body, "body", "", "send a message with this body")
		fl.StringVar(&f.dataFile, "data", "", "send the message in FILE as is (- for stdin)")
		fl.StringVar(&f.dsnNotify, "dsn-notify", "", "DSN NOTIFY for each recipient: NEVER or SUCCESS,FAILURE,DELAY")
		fl.StringVar(&f.dsnRet, "dsn-ret", "", "DSN RET: FULL or HDRS")
		fl.StringVar(&f.dsnEnvID, "dsn-envid", "", "DSN ENVID")
		fl.BoolVar(&f.smtputf8, "smtputf8", false, "send SMTPUTF8 with MAIL FROM")
		fl.Int64Var(&f.size, "size", 0, "announce this message size (bytes) with MAIL FROM")
		fl.StringVar(&f.auth, "auth", "", "AUTH mechanism: "+strings.Join(smtpprobe.Mechanisms, ", ")+" (default with --user: first of PLAIN, LOGIN, CRAM-MD5 offered)")
		fl.StringVar(&f.user, "user", "", "user name for AUTH")
		fl.StringVar(&f.passwordFile, "password-file", "", "read the password or token from the first line of FILE (else MAILFLOW_PASSWORD, else a prompt)")
		fl.BoolVar(&f.insecureAuth, "insecure-auth", false, "send credentials even without TLS or over a certificate that did not verify")
		fl.BoolVar(&f.showSecrets, "show-secrets", false, "do not redact credentials in the transcript and output")
		fl.StringArrayVar(&f.vrfy, "vrfy", nil, "send VRFY USER (repeatable)")
		fl.StringArrayVar(&f.expn, "expn", nil, "send EXPN LIST (repeatable)")
		fl.BoolVar(&f.relayTest, "relay-test", false, "check for an open relay: MAIL and RCPT between reserved domains, never DATA")
		fl.BoolVar(&f.timing, "timing", false, "show per-line times in the transcript and per-step reply times")
		fl.StringArrayVar(&f.expectExt, "expect-ext", nil, "expect the server to offer this EHLO extension (repeatable)")
		fl.StringArrayVar(&f.expectAuth, "expect-auth", nil, "expect this AUTH mechanism to be offered (repeatable)")
		fl.BoolVar(&f.expectNoAuthBeforeTLS, "expect-no-auth-before-tls", false, "expect no AUTH on the plain-text session")
		fl.StringArrayVar(&f.expectCode, "expect-code", nil, "expect STEP=CODE, e.g. rcpt=250, mail=2xx, data=250|251 (repeatable)")
		fl.StringVar(&f.expectTLSVersion, "expect-tls-version", "", "expect this TLS version: 1.2+ (or newer) or 1.3 (exactly)")
		fl.IntVar(&f.expectCertDays, "expect-cert-days", 0, "expect the certificate to stay valid at least N more days")
		fl.StringVar(&f.script, "script", "", "run the steps and expectations of a YAML script (docs/smtp.md)")
		fl.BoolVar(&f.allMX, "all-mx", false, "probe every MX of a domain target, not only the first")
		fl.IntVar(&f.concurrency, "concurrency", 8, fmt.Sprintf("sessions at once with --all-mx (1-%d)", maxSMTPParallel))
		fl.StringArrayVar(&f.caFiles, "ca-file", nil, "also trust the CA certificates in this PEM FILE (repeatable)")
		fl.DurationVar(&f.sessionTimeout, "session-timeout", smtpprobe.DefaultSessionTimeout, "bound each whole session, however quickly each reply comes (--timeout bounds each reply)")
		fl.StringVar(&f.tlsName, "tls-name", "", "NAME to send as SNI and to verify the certificate against (default: the host connected to, the MX name for @domain)")
		fl.StringVar(&f.saveChain, "save-chain", "", "write the certificate chain each server presented to FILE as PEM")
		fl.BoolVar(&f.tlsGrade, "tls-grade", false, "grade TLS versions, weak suites, key exchange and certificate against NCSC-NL's TLS guidelines (8 more short sessions per server)")
		f.client.register(cmd, true)
		return cmd
	})
}

func runSMTP(cmd *cobra.Command, e *Env, f *smtpFlags, arg string) error {
	if err := e.RequireFormat("text", "json", "jsonl", "markdown"); err != nil {
		return err
	}
	target, err := smtpprobe.ParseTarget(arg)
	if err != nil {
		return Inputf("%v", err)
	}
	o, err := smtpOptions(cmd, e, f)
	if err != nil {
		return err
	}
	if target.IP.IsValid() && !o.Client.Allows(target.IP) {
		return Usagef("target %s is not of the address family -4/-6 asks for", target.IP)
	}
	defaultRcpt := target.Recipient
	if defaultRcpt == "" && target.Domain != "" {
		defaultRcpt = "postmaster@" + target.Domain
	}
	if _, err := o.Plan(defaultRcpt); err != nil {
		return Usagef("%v", err)
	}
	if err := smtpPassword(e, f, &o); err != nil {
		return err
	}
	r, err := e.Resolver()
	if err != nil {
		return err
	}
	o.Resolver = r
	started := time.Now()
	rr := smtpprobe.Run(cmd.Context(), r, target, o)
	all := rr.AllFindings()
	if f.saveChain != "" {
		if err := saveChains(e, f.saveChain, rr); err != nil {
			return err
		}
	}
	if e.Format == "jsonl" {
		return smtpJSONLines(e, rr)
	}
	rep := &report.Report{
		Command: "smtp", Targets: []string{arg}, Started: started, Duration: time.Since(started),
		Resolver: r.String(), Sections: rr.Sections(f.timing), Findings: all, Data: rr,
	}
	var lines []string
	for _, res := range rr.Results {
		lines = append(lines, res.Target+": "+res.Brief())
	}
	rep.Summary = strings.Join(lines, "\n")
	return e.Render(rep)
}

// saveChains writes every presented chain to path as PEM, each headed by
// a line naming the server (PEM readers skip text between blocks). No
// chain is not an error of the command: the findings say why there was
// none; stderr says the file was not written.
func saveChains(e *Env, path string, rr *smtpprobe.RunResult) error {
	var data []byte
	for _, res := range rr.Results {
		if res.TLS == nil || len(res.TLS.ChainPEM()) == 0 {
			continue
		}
		data = append(data, fmt.Sprintf("# %s [%s]: %d certificates, leaf first\n", res.Target, res.Addr(), len(res.TLS.Chain))...)
		data = append(data, res.TLS.ChainPEM()...)
	}
	if len(data) == 0 {
		fmt.Fprintf(e.IO.ErrOut, "mailflow: --save-chain %s: no server presented a certificate; nothing written\n", path)
		return nil
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return Inputf("--save-chain: %v", err)
	}
	return nil
}

// smtpRecordHead leads the "result" line of --format jsonl; the fields of
// the probe result follow in the same object.
type smtpRecordHead struct {
	Type string `json:"type" jsonschema:"enum=result"`
}

type smtpRecord struct {
	smtpRecordHead
	*smtpprobe.Result
}

// smtpJSONLines writes one "result" record per server probed and the
// summary record, which carries the findings about reaching the target
// (no MX, host not found) when no server could be probed.
func smtpJSONLines(e *Env, rr *smtpprobe.RunResult) error {
	tally := newBulkTally(e, "smtp")
	tally.runFindings(rr.Findings)
	out := newBulkWriter(e.IO.Out)
	for _, res := range rr.Results {
		tally.result(report.Verdict(res.Findings), res.Findings)
		if err := out.record(smtpRecord{smtpRecordHead{"result"}, res}); err != nil {
			return err
		}
	}
	if err := cmp.Or(tally.writeSummary(out), out.Flush()); err != nil {
		return err
	}
	return Exit(tally.exitCode())
}

// smtpOptions checks the flags and turns them into probe options. Nothing
// here touches the network.
func smtpOptions(cmd *cobra.Command, e *Env, f *smtpFlags) (smtpprobe.Options, error) {
	o := smtpprobe.Options{
		Port: f.port, EHLO: f.ehlo, TLSOnConnect: f.tlsOnConnect, From: f.from, To: f.to,
		Headers: f.headers, Body: f.body, DSNNotify: strings.ToUpper(f.dsnNotify), DSNRet: strings.ToUpper(f.dsnRet),
		DSNEnvID: f.dsnEnvID, SMTPUTF8: f.smtputf8, Size: f.size, AuthMech: strings.ToUpper(f.auth), User: f.user,
		InsecureAuth: f.insecureAuth, ShowSecrets: f.showSecrets, VRFY: f.vrfy, EXPN: f.expn, RelayTest: f.relayTest,
		AllMX: f.allMX, Concurrency: f.concurrency, DialTimeout: e.Timeout, ReplyTimeout: e.Timeout, SessionTimeout: f.sessionTimeout,
		TLSGrade: f.tlsGrade,
	}
	err := firstErr(inRange("--port", f.port, 1, 65535), inRange("--concurrency", f.concurrency, 1, maxSMTPParallel))
	if err != nil {
		return o, err
	}
	if o.Client, err = f.client.controls(e); err != nil {
		return o, err
	}
	if o.Connect, err = f.client.connectMap(o.Client); err != nil {
		return o, err
	}
	if f.tlsName != "" {
		name, err := resolver.ParseName(f.tlsName)
		if err != nil {
			return o, Usagef("--tls-name %q: %v", f.tlsName, err)
		}
		o.TLSName = strings.TrimSuffix(name.ASCII, ".")
	}
	switch {
	case f.sessionTimeout <= 0:
		return o, Usagef("--session-timeout must be positive, got %s", f.sessionTimeout)
	case f.size < 0:
		return o, Usagef("--size must not be negative, got %d", f.size)
	case strings.ContainsAny(f.ehlo, " \t\r\n"):
		return o, Usagef("--ehlo %q: want one host name", f.ehlo)
	case f.auth != "" && !smtpprobe.KnownMechanism(f.auth):
		return o, Usagef("--auth %q: want one of %s", f.auth, strings.Join(smtpprobe.Mechanisms, ", "))
	case f.auth != "" && f.user == "":
		return o, Usagef("--auth needs --user")
	case f.body != "" && f.dataFile != "":
		return o, Usagef("give --body or --data, not both")
	case f.tlsOnConnect && cmd.Flags().Changed("starttls"):
		return o, Usagef("--tls-on-connect and --starttls exclude each other: the session is encrypted from the start")
	}
	if o.StartTLS, err = smtpprobe.ParseStartTLSMode(f.starttls); err != nil {
		return o, Usagef("--starttls: %v", err)
	}
	switch strings.ToLower(f.protocol) {
	case "smtp":
	case "lmtp":
		o.LMTP = true
	default:
		return o, Usagef("--protocol %q: want smtp or lmtp", f.protocol)
	}
	if f.quitAfter != "" {
		if o.QuitAfter, err = smtpprobe.ParsePhase(f.quitAfter); err != nil {
			return o, Usagef("--quit-after: %v", err)
		}
	}
	if err := checkEnvelope(f); err != nil {
		return o, err
	}
	o.SendData = cmd.Flags().Changed("body") || f.dataFile != ""
	if f.dataFile != "" {
		if o.Message, err = readInput(e, "--data", f.dataFile, maxMessageFile); err != nil {
			return o, err
		}
	}
	if o.Expect, err = smtpExpectations(cmd, f); err != nil {
		return o, err
	}
	if o.RootCAs, err = certPool(e, "--ca-file", f.caFiles...); err != nil {
		return o, err
	}
	if f.script != "" {
		if err := smtpScript(cmd, e, f, &o); err != nil {
			return o, err
		}
	}
	return o, nil
}

func checkEnvelope(f *smtpFlags) error {
	for _, a := range append([]string{f.from}, f.to...) {
		if err := smtpprobe.CheckAddress(a); err != nil {
			return Usagef("%v", err)
		}
	}
	for _, h := range f.headers {
		if err := smtpprobe.CheckHeader(h); err != nil {
			return Usagef("--header: %v", err)
		}
	}
	if f.dsnNotify != "" && !validNotify(f.dsnNotify) {
		return Usagef("--dsn-notify %q: want NEVER or a comma list of SUCCESS, FAILURE, DELAY", f.dsnNotify)
	}
	if r := strings.ToUpper(f.dsnRet); r != "" && r != "FULL" && r != "HDRS" {
		return Usagef("--dsn-ret %q: want FULL or HDRS", f.dsnRet)
	}
	if len(f.dsnEnvID) > 100 || strings.ContainsAny(f.dsnEnvID, "\r\n") {
		return Usagef("--dsn-envid: want one line of at most 100 characters")
	}
	for _, v := range append(append([]string{}, f.vrfy...), f.expn...) {
		if v == "" || strings.ContainsAny(v, "\r\n") {
			return Usagef("--vrfy/--expn: want one non-empty line, got %q", v)
		}
	}
	return nil
}

// validNotify checks RFC 3461 §4.1: NEVER alone, or any of the others.
func validNotify(s string) bool {
	parts := strings.Split(strings.ToUpper(s), ",")
	if len(parts) == 1 && parts[0] == "NEVER" {
		return true
	}
	seen := map[string]bool{}
	for _, p := range parts {
		if (p != "SUCCESS" && p != "FAILURE" && p != "DELAY") || seen[p] {
			return false
		}
		seen[p] = true
	}
	return true
}

func smtpExpectations(cmd *cobra.Command, f *smtpFlags) ([]smtpprobe.Expectation, error) {
	var out []smtpprobe.Expectation
	keyword := func(flag string, kind smtpprobe.ExpectKind, vals []string) error {
		for _, v := range vals {
			if v == "" || strings.ContainsAny(v, " \t\r\n") {
				return Usagef("%s %q: want one keyword", flag, v)
			}
			out = append(out, smtpprobe.Expectation{Kind: kind, Arg: strings.ToUpper(v), Origin: flag})
		}
		return nil
	}
	if err := keyword("--expect-ext", smtpprobe.ExpectExt, f.expectExt); err != nil {
		return nil, err
	}
	if err := keyword("--expect-auth", smtpprobe.ExpectAuth, f.expectAuth); err != nil {
		return nil, err
	}
	if f.expectNoAuthBeforeTLS {
		out = append(out, smtpprobe.Expectation{Kind: smtpprobe.ExpectNoAuthBeforeTLS, Origin: "--expect-no-auth-before-tls"})
	}
	for _, c := range f.expectCode {
		x, err := smtpprobe.ParseExpectCode(c)
		if err != nil {
			return nil, Usagef("--expect-code %v", err)
		}
		x.Origin = "--expect-code"
		out = append(out, x)
	}
	if f.expectTLSVersion != "" {
		x, err := smtpprobe.ParseTLSVersion(f.expectTLSVersion)
		if err != nil {
			return nil, Usagef("--expect-tls-version: %v", err)
		}
		x.Origin = "--expect-tls-version"
		out = append(out, x)
	}
	if cmd.Flags().Changed("expect-cert-days") {
		x, err := smtpprobe.ParseCertDays(strconv.Itoa(f.expectCertDays))
		if err != nil {
			return nil, Usagef("--expect-cert-days: %v", err)
		}
		x.Origin = "--expect-cert-days"
		out = append(out, x)
	}
	return out, nil
}

// smtpScript loads --script. Its steps replace the session flags, so
// giving both would silently ignore the flags: that is refused.
func smtpScript(cmd *cobra.Command, e *Env, f *smtpFlags, o *smtpprobe.Options) error {
	data, err := readInput(e, "--script", f.script, smtpprobe.MaxScriptBytes)
	if err != nil {
		return err
	}
	s, err := smtpprobe.LoadScript(f.script, data)
	if err != nil {
		return &InputError{Err: err}
	}
	o.Script = s
	if len(s.Steps) == 0 {
		return nil
	}
	for _, name := range []string{"starttls", "quit-after", "from", "to", "header", "body", "data", "dsn-notify", "dsn-ret", "dsn-envid", "smtputf8", "size", "auth", "vrfy", "expn", "relay-test"} {
		if cmd.Flags().Changed(name) {
			return Usagef("--script %s has steps, so --%s would be ignored: put it in the script", f.script, name)
		}
	}
	for _, st := range s.Steps {
		if st.Kind == smtpprobe.StepAuth && st.User == "" && f.user == "" {
			return Inputf("%s: auth step without a user: add user: to the step or give --user", st.Source)
		}
	}
	return nil
}

// smtpPassword finds the secret for AUTH: --password-file, then
// MAILFLOW_PASSWORD, then a prompt on a terminal. Never argv, where other
// users of the machine can read it.
func smtpPassword(e *Env, f *smtpFlags, o *smtpprobe.Options) error {
	needed := f.user != "" || f.auth != ""
	if o.Script != nil {
		for _, st := range o.Script.Steps {
			needed = needed || st.Kind == smtpprobe.StepAuth
		}
	}
	if !needed {
		return nil
	}
	what := "password"
	if smtpprobe.TokenMech(f.auth) {
		what = "token"
	}
	switch {
	case f.passwordFile != "":
		data, err := readInput(e, "--password-file", f.passwordFile, maxPasswordFile)
		if err != nil {
			return err
		}
		line, _, _ := strings.Cut(string(data), "\n")
		o.Password = strings.TrimSuffix(line, "\r")
		if o.Password == "" {
			return Inputf("--password-file %s: the first line is empty", f.passwordFile)
		}
	case e.IO.Getenv("MAILFLOW_PASSWORD") != "":
		o.Password = e.IO.Getenv("MAILFLOW_PASSWORD")
	case e.IO.StdinTTY:
		fh, ok := e.IO.In.(*os.File)
		if !ok {
			return Usagef("cannot prompt for the %s: give --password-file or set MAILFLOW_PASSWORD", what)
		}
		fmt.Fprintf(e.IO.ErrOut, "%s for %s: ", strings.ToUpper(what[:1])+what[1:], f.user)
		b, err := term.ReadPassword(int(fh.Fd()))
		fmt.Fprintln(e.IO.ErrOut)
		if err != nil {
			return Usagef("reading the %s: %v", what, err)
		}
		o.Password = string(b)
	default:
		return WithHint(Usagef("--user needs a %s, and there is no terminal to ask on", what),
			"use --password-file FILE or set MAILFLOW_PASSWORD; a password is never taken from the command line")
	}
	return nil
}
