package smtpclient

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/emersion/go-sasl"
)

// SASL mechanisms go-sasl lacks as clients, or has in a form too strict for
// the servers found in the field. Auth redacts what they send like any other.

// NewLoginClient returns a LOGIN client (draft-murchison-sasl-login) that
// waits for the server's prompts instead of sending the user name as an
// initial response, and tells the prompts apart by their text ("Username:",
// "Password:") with the order as fallback: servers differ in case and
// wording, and some reject an initial response. It answers each prompt
// once: a server asking for the password again gets an error, not the
// password a second time.
func NewLoginClient(user, password string) sasl.Client {
	return &loginClient{user: user, password: password}
}

type loginClient struct {
	user, password   string
	sentUser, sentPw bool
}

func (c *loginClient) Start() (string, []byte, error) { return sasl.Login, nil, nil }

func (c *loginClient) Next(challenge []byte) ([]byte, error) {
	prompt := strings.ToLower(string(challenge))
	wantUser := strings.Contains(prompt, "user")
	wantPw := strings.Contains(prompt, "pass")
	if !wantUser && !wantPw {
		// Unknown wording: the order decides.
		wantUser, wantPw = !c.sentUser, c.sentUser
	}
	switch {
	case wantUser && !c.sentUser:
		c.sentUser = true
		return []byte(c.user), nil
	case wantPw && !c.sentPw:
		c.sentUser, c.sentPw = true, true
		return []byte(c.password), nil
	}
	return nil, errors.New("LOGIN: server asked again for what it was already sent")
}

// CRAMMD5 is the CRAM-MD5 mechanism name.
const CRAMMD5 = "CRAM-MD5"

// NewCRAMMD5Client returns a CRAM-MD5 client (RFC 2195): the password never
// crosses the wire, only an HMAC-MD5 of the server's challenge.
func NewCRAMMD5Client(user, password string) sasl.Client {
	return &cramClient{user: user, password: password}
}

type cramClient struct {
	user, password string
	done           bool
}

func (c *cramClient) Start() (string, []byte, error) { return CRAMMD5, nil, nil }

func (c *cramClient) Next(challenge []byte) ([]byte, error) {
	if c.done {
		return nil, sasl.ErrUnexpectedServerChallenge
	}
	c.done = true
	m := hmac.New(md5.New, []byte(c.password))
	m.Write(challenge)
	return []byte(c.user + " " + hex.EncodeToString(m.Sum(nil))), nil
}

// XOAuth2 is the XOAUTH2 mechanism name.
const XOAuth2 = "XOAUTH2"

// NewXOAuth2Client returns an XOAUTH2 client, the bearer-token mechanism
// Google and Microsoft 365 accepted before OAUTHBEARER (RFC 7628). On
// failure the server sends a JSON error as a challenge; the client answers
// with an empty line so the server can finish with its error reply, which
// carries the code the caller reports.
func NewXOAuth2Client(user, token string) sasl.Client {
	return &xoauth2Client{user: user, token: token}
}

type xoauth2Client struct {
	user, token string
}

func (c *xoauth2Client) Start() (string, []byte, error) {
	return XOAuth2, []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) { return []byte{}, nil }
