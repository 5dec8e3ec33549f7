package smtpclient_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"

	"github.com/mailflowkit/mailflow/pkg/labsmtp"
	"github.com/mailflowkit/mailflow/pkg/smtpclient"
)

func TestMechanismExchanges(t *testing.T) {
	tests := []struct {
		name       string
		mech       sasl.Client
		wantName   string
		wantIR     string
		challenges []string
		responses  []string
		wantErr    bool
	}{
		{name: "LOGIN in the usual order", mech: smtpclient.NewLoginClient("alice", "pw"), wantName: "LOGIN",
			challenges: []string{"Username:", "Password:"}, responses: []string{"alice", "pw"}},
		{name: "LOGIN with lower-case prompts", mech: smtpclient.NewLoginClient("alice", "pw"), wantName: "LOGIN",
			challenges: []string{"username:", "password:"}, responses: []string{"alice", "pw"}},
		{name: "LOGIN with unknown prompts falls back to order", mech: smtpclient.NewLoginClient("alice", "pw"), wantName: "LOGIN",
			challenges: []string{"Benutzer?", "Kennwort?"}, responses: []string{"alice", "pw"}},
		{name: "LOGIN refuses a third prompt", mech: smtpclient.NewLoginClient("alice", "pw"), wantName: "LOGIN",
			challenges: []string{"a", "b", "c"}, responses: []string{"alice", "pw"}, wantErr: true},
		// RFC 2195 §2 example.
		{name: "CRAM-MD5 RFC 2195 vector", mech: smtpclient.NewCRAMMD5Client("tim", "tanstaaftanstaaf"), wantName: "CRAM-MD5",
			challenges: []string{"<1896.697170952@postoffice.reston.mci.net>"}, responses: []string{"tim b913a602c7eda7a495b4e6e7334d3890"}},
		{name: "CRAM-MD5 refuses a second challenge", mech: smtpclient.NewCRAMMD5Client("tim", "tanstaaftanstaaf"), wantName: "CRAM-MD5",
			challenges: []string{"<1896.697170952@postoffice.reston.mci.net>", "<2@x>"}, responses: []string{"tim b913a602c7eda7a495b4e6e7334d3890"}, wantErr: true},
		{name: "XOAUTH2 initial response and empty answer to an error", mech: smtpclient.NewXOAuth2Client("bob@example.com", "tok"), wantName: "XOAUTH2",
			wantIR: "user=bob@example.com\x01auth=Bearer tok\x01\x01", challenges: []string{`{"status":"401"}`}, responses: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, ir, err := tt.mech.Start()
			if err != nil || name != tt.wantName || string(ir) != tt.wantIR {
				t.Fatalf("Start = %q, %q, %v", name, ir, err)
			}
			for i, ch := range tt.challenges {
				resp, err := tt.mech.Next([]byte(ch))
				if i >= len(tt.responses) {
					if err == nil || !tt.wantErr {
						t.Fatalf("challenge %d: got %q, %v; want an error", i, resp, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("challenge %d: %v", i, err)
				}
				if string(resp) != tt.responses[i] {
					t.Errorf("challenge %q: got %q, want %q", ch, resp, tt.responses[i])
				}
			}
			if tt.wantErr {
				t.Fatal("no error for an extra challenge")
			}
		})
	}
}

func TestLoginClientAgainstServer(t *testing.T) {
	s := startLab(t, labsmtp.Config{Hostname: "mx.lab.test", AuthBeforeTLS: true, Users: map[string]string{"alice": "s3cret"}})
	ctx := context.Background()
	for _, tt := range []struct {
		pass string
		ok   bool
	}{{"s3cret", true}, {"wrong", false}} {
		c, err := smtpclient.Dial(ctx, s.Addr, opts())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Hello(ctx); err != nil {
			t.Fatal(err)
		}
		r, err := c.Auth(ctx, smtpclient.NewLoginClient("alice", tt.pass))
		var re *smtpclient.ReplyError
		if tt.ok && (err != nil || r.Code != 235) {
			t.Errorf("good password: %v %v", r, err)
		}
		if !tt.ok && (!errors.As(err, &re) || re.Reply.Code != 535) {
			t.Errorf("bad password: %v %v", r, err)
		}
		c.Quit(ctx)
	}
}

// TestXOAuth2FailureEndsWithServerCode plays a server that rejects the token
// the way Gmail does: a JSON challenge, then 535 after the empty answer.
func TestXOAuth2FailureEndsWithServerCode(t *testing.T) {
	cl, sv := net.Pipe()
	defer cl.Close()
	got := make(chan []string, 1)
	go func() {
		defer sv.Close()
		br := bufio.NewReader(sv)
		var lines []string
		sv.Write([]byte("220 mx.test ESMTP\r\n"))
		for _, reply := range []string{
			"334 " + base64.StdEncoding.EncodeToString([]byte(`{"status":"400","schemes":"Bearer"}`)) + "\r\n",
			"535 5.7.8 Username and Password not accepted\r\n",
		} {
			l, err := br.ReadString('\n')
			if err != nil {
				break
			}
			lines = append(lines, strings.TrimRight(l, "\r\n"))
			sv.Write([]byte(reply))
		}
		got <- lines
	}()
	ctx := context.Background()
	c, err := smtpclient.NewClient(ctx, cl, opts())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Auth(ctx, smtpclient.NewXOAuth2Client("bob@example.com", "tok"))
	var re *smtpclient.ReplyError
	if !errors.As(err, &re) || re.Reply.Code != 535 || re.Reply.EnhancedCode() != "5.7.8" {
		t.Fatalf("err = %v", err)
	}
	lines := <-got
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "AUTH XOAUTH2 ") || lines[1] != "" {
		t.Fatalf("client sent %q", lines)
	}
	for _, l := range c.Transcript().Format(false) {
		if strings.Contains(l, base64.StdEncoding.EncodeToString([]byte("user=bob@example.com\x01auth=Bearer tok\x01\x01"))) {
			t.Errorf("token in transcript: %s", l)
		}
	}
}
