package smtpprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-sasl"

	"github.com/mailflowkit/mailflow/pkg/report"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

// Mechanisms are the SASL mechanisms the probe can use.
var Mechanisms = []string{sasl.Plain, sasl.Login, smtpclient.CRAMMD5, smtpclient.XOAuth2, sasl.OAuthBearer}

// passwordMechs are tried, in this order, when no mechanism was chosen.
var passwordMechs = []string{sasl.Plain, sasl.Login, smtpclient.CRAMMD5}

// KnownMechanism reports whether the probe can authenticate with m.
func KnownMechanism(m string) bool { return slices.Contains(Mechanisms, strings.ToUpper(m)) }

// TokenMech reports a mechanism whose secret is a bearer token.
func TokenMech(m string) bool {
	m = strings.ToUpper(m)
	return m == smtpclient.XOAuth2 || m == sasl.OAuthBearer
}

func (s *session) mechClient(mech, user string) sasl.Client {
	pass := s.o.Password
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainClient("", user, pass)
	case sasl.Login:
		return smtpclient.NewLoginClient(user, pass)
	case smtpclient.CRAMMD5:
		return smtpclient.NewCRAMMD5Client(user, pass)
	case smtpclient.XOAuth2:
		return smtpclient.NewXOAuth2Client(user, pass)
	}
	host, port, _ := net.SplitHostPort(s.res.Addr())
	p, _ := strconv.Atoi(port)
	if s.res.Host != "" {
		host = s.res.Host
	}
	return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: pass, Host: host, Port: p})
}

// auth authenticates, unless doing so would hand the credentials to
// whoever is listening: over plain text, or to a server whose certificate
// did not verify. InsecureAuth overrides that.
func (s *session) auth(ctx context.Context, st Step) {
	user := st.User
	if user == "" {
		user = s.o.User
	}
	offered := s.c.AuthMechanisms()
	mech := strings.ToUpper(st.Arg)
	if mech == "" {
		for _, m := range passwordMechs {
			if slices.Contains(offered, m) {
				mech = m
				break
			}
		}
	}
	res := &AuthResult{Mechanism: mech, User: user}
	s.res.Auth = res
	skip := func(why, fix string) {
		res.Skipped = why
		s.record(st, StepResult{Note: "AUTH not attempted: " + why})
		s.add(report.Finding{ID: "smtp.auth", Severity: report.Error, Message: "AUTH not attempted: " + why, Fix: fix})
		s.stopped = true
	}
	switch {
	case user == "":
		skip("no user name given", "give --user (or user: in the script's auth step)")
		return
	case mech == "":
		skip("the server offers none of "+strings.Join(passwordMechs, ", ")+" (it offers "+orNone(strings.Join(offered, " "))+")",
			"choose a mechanism the server offers with --auth, or enable one on the server")
		return
	case !slices.Contains(offered, mech):
		skip(fmt.Sprintf("the server does not offer %s here (it offers %s)", mech, orNone(strings.Join(offered, " "))),
			"servers often offer AUTH only after STARTTLS; check --starttls, or choose an offered mechanism with --auth")
		return
	case !s.o.InsecureAuth && !s.c.IsTLS():
		skip("the session is not encrypted, and credentials would cross the network in clear text",
			"use STARTTLS (--starttls require) or implicit TLS (--tls-on-connect); pass --insecure-auth only on a network you control")
		return
	case !s.o.InsecureAuth && s.res.TLS != nil && !(s.res.TLS.Trusted && (s.res.TLS.NameMatch || s.res.TLS.ServerName == "")):
		skip("the server's certificate did not verify, so the server may not be who it claims to be",
			"fix the certificate, or pass the issuing CA with --ca-file; pass --insecure-auth only on a network you control")
		return
	}
	r, err := s.c.Auth(ctx, s.mechClient(mech, user))
	var re *smtpclient.ReplyError
	var se *smtpclient.SASLStepError
	switch {
	case err == nil:
		res.OK, res.Reply = true, replyOf(r)
		s.authed = true
		s.record(st, StepResult{Command: "AUTH " + mech, Reply: res.Reply})
		s.add(report.Finding{ID: "smtp.auth", Severity: report.OK, Message: fmt.Sprintf("authenticated as %s with %s", user, mech)})
	case errors.As(err, &re):
		res.Reply = replyOf(re.Reply)
		s.record(st, StepResult{Command: "AUTH " + mech, Reply: res.Reply})
		s.rejected(st, "AUTH "+mech, re.Reply)
		if !s.expected(st) {
			s.stopped = true
		}
	case errors.As(err, &se):
		// The server kept asking: we stopped answering, and sent no
		// credentials beyond what the mechanism needs.
		res.Reply = replyOf(r)
		s.record(st, StepResult{Command: "AUTH " + mech, Reply: res.Reply, Error: shortErr(err)})
		s.add(report.Finding{ID: "smtp.auth", Severity: report.Error,
			Message:  fmt.Sprintf("the server kept the %s exchange going after %d answered challenges, more than the mechanism needs; mailflow cancelled it and sent nothing more", mech, se.Steps),
			Evidence: explainReply(r),
			Fix:      "a server that asks for the password again and again is broken or hostile: check what answers on this port, and do not use these credentials against it",
		})
		s.stopped = true
		s.closed = errors.Is(err, smtpclient.ErrAuthAbandoned)
	case r != nil:
		// A mechanism-level failure after a 334 challenge; the exchange
		// was cancelled and the connection is still usable.
		res.Reply = replyOf(r)
		s.record(st, StepResult{Command: "AUTH " + mech, Reply: res.Reply, Error: shortErr(err)})
		s.add(report.Finding{ID: "smtp.auth", Severity: report.Error, Message: "authentication failed: " + shortErr(err),
			Fix: "check that the mechanism and credentials match what the server expects"})
		s.stopped = true
		s.closed = errors.Is(err, smtpclient.ErrAuthAbandoned)
	default:
		s.record(st, StepResult{Command: "AUTH " + mech, Error: shortErr(err)})
		s.sessionError("AUTH", err)
	}
}
