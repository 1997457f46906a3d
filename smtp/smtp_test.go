package smtp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"tokenmint/smtp"
	"tokenmint/smtp/smtptest"
)

func TestSendOverEveryMode(t *testing.T) {
	date := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		name string
		opts smtptest.Options
		sec  string
		user string
	}{
		{"plain relay", smtptest.Options{}, smtp.SecurityNone, ""},
		{"plain with auth", smtptest.Options{Users: map[string]string{"mailer": "pw-1234"}}, smtp.SecurityNone, "mailer"},
		{"starttls with auth", smtptest.Options{StartTLS: true, Users: map[string]string{"mailer": "pw-1234"}}, smtp.SecurityStartTLS, "mailer"},
		{"implicit tls with auth", smtptest.Options{ImplicitTLS: true, Users: map[string]string{"mailer": "pw-1234"}}, smtp.SecurityTLS, "mailer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, tc.opts)
			m, err := smtp.New(smtp.Config{
				Host: srv.Host, Port: srv.Port, From: "tokenmint@example.com", Security: tc.sec,
				Username: tc.user, Password: "pw-1234", TLSConfig: srv.TLSConfig, Now: func() time.Time { return date },
			})
			if err != nil {
				t.Fatal(err)
			}
			subject := `Your tokenmint token "ci-é" expires`
			if err := m.Send(context.Background(), "owner@example.com", subject, "line one\nline two é\n"); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("server got %d messages, want 1", len(got))
			}
			msg := got[0]
			if msg.From != "tokenmint@example.com" || len(msg.To) != 1 || msg.To[0] != "owner@example.com" {
				t.Errorf("envelope from %q to %q", msg.From, msg.To)
			}
			if msg.Subject != subject {
				t.Errorf("subject = %q, want %q", msg.Subject, subject)
			}
			if msg.Auth != tc.user {
				t.Errorf("authenticated as %q, want %q", msg.Auth, tc.user)
			}
			if msg.TLS != (tc.sec != smtp.SecurityNone) {
				t.Errorf("TLS = %v with security %s", msg.TLS, tc.sec)
			}
			if d := msg.Header.Get("Date"); d != date.Format(time.RFC1123Z) {
				t.Errorf("Date = %q", d)
			}
			if !strings.Contains(string(msg.Data), "line one") || strings.Contains(string(msg.Data), "pw-1234") {
				t.Errorf("body wrong or holds the password:\n%s", msg.Data)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"mailer": "right-password"}})
	bad, err := smtp.New(smtp.Config{Host: srv.Host, Port: srv.Port, From: "tm@example.com", Security: smtp.SecurityNone, Username: "mailer", Password: "wrong-password"})
	if err != nil {
		t.Fatal(err)
	}
	err = bad.Send(context.Background(), "owner@example.com", "s", "t")
	if err == nil {
		t.Fatal("send with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("error shows the password: %v", err)
	}
	// The server does not offer STARTTLS: refuse rather than send in clear.
	st, _ := smtp.New(smtp.Config{Host: srv.Host, Port: srv.Port, From: "tm@example.com", Security: smtp.SecurityStartTLS})
	if err := st.Send(context.Background(), "owner@example.com", "s", "t"); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("starttls against a server without it: %v", err)
	}
	if err := bad.Send(context.Background(), "owner@example.com\r\nRCPT TO:<x@evil>", "s", "t"); err == nil {
		t.Error("an address with CRLF was accepted")
	}
	if len(srv.Messages()) != 0 {
		t.Errorf("server got %d messages, want 0", len(srv.Messages()))
	}
	for _, cfg := range []smtp.Config{{}, {Host: "h", From: "x"}, {Host: "h", From: "a@b", Security: "ssl"}} {
		if _, err := smtp.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
}
