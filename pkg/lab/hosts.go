package lab

import (
	"time"

	"github.com/mailflowkit/mailflow/pkg/labsmtp"
)

// Host is a lab mail server. Every host gets A and PTR records in the lab
// DNS (unless NoPTR) and an SMTP listener on the lab's SMTP port.
type Host struct {
	Name string // FQDN, no trailing dot
	IP   string // a 127.0.0.0/8 address of its own
	// Fault says what is wrong with this host, for the lab's listing.
	Fault string
	// CertNames are the names on its certificate; default Name. No TLS when
	// NoTLS is set.
	CertNames []string
	NoTLS     bool
	// Policy is the host's SMTP behaviour; Addr, Hostname and TLS are filled
	// by the lab.
	Policy labsmtp.Config
	// Hostile makes the host a misbehaving fake instead of a real server.
	Hostile labsmtp.Behavior
	// NoPTR leaves the address without reverse DNS.
	NoPTR bool
}

// labDomains are the domains the lab's own servers accept mail for.
var labDomains = []string{"lab.test", "good.lab.test", "loop.lab.test", "tenant-a.lab.test", "tenant-b.lab.test"}

// labUsers is the lab's one SASL account; the password is public on purpose.
var labUsers = map[string]string{"probe@lab.test": "lab-password"}

var hosts = []Host{
	{Name: "hub.lab.test", IP: "127.0.0.10", Fault: "our own hub: the MX of loop/tenant-a/tenant-b (run mx with --self hub.lab.test)",
		Policy: labsmtp.Config{LocalDomains: labDomains, Users: labUsers, MaxSize: 35 << 20}},
	{Name: "mx1.good.lab.test", IP: "127.0.0.11", Fault: "none: STARTTLS, AUTH only after TLS, relay refused",
		Policy: labsmtp.Config{LocalDomains: labDomains, Users: labUsers, MaxSize: 35 << 20}},
	{Name: "mx.authfirst.lab.test", IP: "127.0.0.12", Fault: "offers AUTH PLAIN before STARTTLS",
		Policy: labsmtp.Config{LocalDomains: []string{"authfirst.lab.test"}, Users: labUsers, AuthBeforeTLS: true}},
	{Name: "mx.badcert.lab.test", IP: "127.0.0.13", Fault: "certificate is for mail.wrong.example, not the MX name",
		CertNames: []string{"mail.wrong.example"},
		Policy:    labsmtp.Config{LocalDomains: []string{"badcert.lab.test"}}},
	{Name: "mx.listed.lab.test", IP: "127.0.0.14", Fault: "listed on bl.lab.test with bitmask code 127.0.0.72",
		Policy: labsmtp.Config{LocalDomains: []string{"listed.lab.test"}}},
	{Name: "mx.relay.lab.test", IP: "127.0.0.15", Fault: "open relay: accepts mail for any domain from anyone",
		Policy: labsmtp.Config{OpenRelay: true}},
	{Name: "slow.hostile.lab.test", IP: "127.0.0.16", Fault: "waits 3 seconds before its banner",
		Policy: labsmtp.Config{LocalDomains: labDomains, GreetDelay: 3 * time.Second}},
	{Name: "no-greeting.hostile.lab.test", IP: "127.0.0.20", Fault: "accepts connections and never greets", Hostile: labsmtp.NoGreeting, NoTLS: true},
	{Name: "endless-line.hostile.lab.test", IP: "127.0.0.21", Fault: "sends a banner line that never ends", Hostile: labsmtp.EndlessLine, NoTLS: true},
	{Name: "ehlo-flood.hostile.lab.test", IP: "127.0.0.22", Fault: "answers EHLO with 10,000 lines", Hostile: labsmtp.EHLOFlood, NoTLS: true},
	{Name: "drop-after-starttls.hostile.lab.test", IP: "127.0.0.23", Fault: "hangs up right after agreeing to STARTTLS", Hostile: labsmtp.DropAfterSTARTTLS, NoTLS: true},
	{Name: "garbage.hostile.lab.test", IP: "127.0.0.24", Fault: "answers with bytes that are not SMTP", Hostile: labsmtp.Garbage, NoTLS: true},
	{Name: "auth-loop.hostile.lab.test", IP: "127.0.0.90", Fault: "answers every AUTH LOGIN step with another password prompt, forever", Hostile: labsmtp.AuthLoginLoop, NoTLS: true},
	{Name: "auth-push.hostile.lab.test", IP: "127.0.0.91", Fault: "pushes AUTH challenges without waiting for answers", Hostile: labsmtp.AuthPush, NoTLS: true},
	{Name: "auth-echo.hostile.lab.test", IP: "127.0.0.92", Fault: "refuses AUTH with a reply that quotes the credentials it was sent", Hostile: labsmtp.AuthEcho, NoTLS: true},
	{Name: "drip.hostile.lab.test", IP: "127.0.0.93", Fault: "answers every command one byte at a time", Hostile: labsmtp.Drip, NoTLS: true},
}
