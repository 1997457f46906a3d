package main

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres/postgrestest"
	"tokenmint/smtp/smtptest"
)

// Two instances on one PostgreSQL database run the jobs and the deliveries
// at the same moments (one fake clock), round after round: the owner of a
// token gets one "expires on" e-mail when it enters each notice window and
// one "has expired" e-mail at expiry, never two.
func TestExpiryMailsOnceAcrossInstances(t *testing.T) {
	url := postgrestest.Start(t).NewDatabase(t)
	mail := smtptest.Start(t, smtptest.Options{Users: map[string]string{"mailer": "mailer-password"}})
	clock := tokenmint.NewFakeClock(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC))
	var apps []*app
	var instances []*instance
	for range 2 {
		in := openInstance(t, url, clock, func(cfg *serverConfig) {
			cfg.SMTPHost, cfg.SMTPPort = mail.Host, strconv.Itoa(mail.Port)
			cfg.SMTPSecurity, cfg.SMTPUsername, cfg.SMTPPassword = "none", "mailer", "mailer-password"
			cfg.SMTPFrom = "tokenmint@example.com"
		})
		instances, apps = append(instances, in), append(apps, in.app)
	}
	addUser(instances[0].login(t), "nora", `["member"]`)
	m := signIn(t, instances[1], "nora").expectCall(201, "POST", "/api/v1/tokens", `{"type":"CIToken","name":"deploy-bot","days_to_live":8}`)
	plain, encoded := m["token"].(string), m["encoded"].(string)

	// rounds runs the jobs and the deliveries on both instances at once,
	// n times, moving the clock ten minutes between rounds so the jobs'
	// lease passes from one instance to the other.
	rounds := func(n int) {
		t.Helper()
		for range n {
			var wg sync.WaitGroup
			for i := range 6 {
				a := apps[i%2]
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := a.svc.RunJobs(context.Background()); err != nil {
						t.Errorf("RunJobs on instance %d: %v", i%2, err)
					}
					if err := a.svc.DeliverPending(context.Background()); err != nil {
						t.Errorf("DeliverPending on instance %d: %v", i%2, err)
					}
				}()
			}
			wg.Wait()
			clock.Advance(10 * time.Minute)
		}
	}
	subjects := func() []string {
		t.Helper()
		var out []string
		for _, msg := range mail.Messages() {
			if len(msg.To) != 1 || msg.To[0] != "nora@example.com" || msg.Auth != "mailer" {
				t.Errorf("mail to %v authenticated as %q, want nora@example.com as mailer", msg.To, msg.Auth)
			}
			for _, s := range []string{plain, encoded} {
				if strings.Contains(string(msg.Data), s) {
					t.Errorf("a notice holds the token's secret")
				}
			}
			out = append(out, msg.Subject)
		}
		return out
	}

	// The default notice windows are 30, 7 and 1 days.
	rounds(2) // 8 days left: inside the 30-day window only
	got := subjects()
	if len(got) != 1 || !strings.Contains(got[0], `"deploy-bot" expires on`) || !strings.Contains(got[0], "in 8 days") {
		t.Fatalf("8 days before expiry: mails %q, want the 30-day window's warning", got)
	}
	clock.Advance(tokenmint.Day) // now within 7 days of expiry
	rounds(4)
	got = subjects()
	if len(got) != 2 || !strings.Contains(got[1], "in 7 days") {
		t.Fatalf("in the 7-day window: mails %q, want a second warning", got)
	}

	clock.Advance(7 * tokenmint.Day) // past the expiry
	rounds(4)
	got = subjects()
	if len(got) != 3 || !strings.Contains(got[2], `"deploy-bot" has expired`) {
		t.Fatalf("after expiry: mails %q, want the two warnings and one expiry notice", got)
	}
}
