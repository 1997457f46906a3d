package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"tokenmint"
)

// Expiry notices go out through a real SMTP server exactly once each: one
// 7 days before expiry, one at expiry, none twice across restarts. (The
// policy is set as older clients set it, to one number.)
func TestExpiryNoticesOnceAcrossRestarts(t *testing.T) {
	e := newLCEnv(t, lcOptions{mail: true})
	expect(t, e.admin.do("PUT", "/api/v1/policies", map[string]any{"expiry_notice_days": 7}), http.StatusOK, "notice 7 days ahead")
	nora, _ := e.userWithEmail("nora")
	plain, encoded, id := nora.createToken(map[string]any{"type": "CIToken", "name": "deploy-bot", "days_to_live": 30})
	mails := func() []string {
		var subjects []string
		for _, m := range e.smtp.Messages() {
			if len(m.To) != 1 || m.To[0] != "nora@example.com" {
				t.Errorf("mail to %v, want nora@example.com", m.To)
			}
			for _, s := range []string{plain, encoded} {
				if strings.Contains(string(m.Data), s) {
					t.Errorf("mail holds the token's secret")
				}
			}
			subjects = append(subjects, m.Subject)
		}
		return subjects
	}

	e.clock.Advance(22 * tokenmint.Day) // expires in 8 days: no notice yet
	e.runJobs()
	if got := mails(); len(got) != 0 {
		t.Fatalf("day 22: mails %q, want none", got)
	}
	e.clock.Advance(tokenmint.Day) // 7 days left
	e.runJobs()
	e.runJobs()
	got := mails()
	if len(got) != 1 || !strings.Contains(got[0], `"deploy-bot" expires on`) {
		t.Fatalf("day 23: mails %q, want one expiry warning", got)
	}

	e.restart()
	e.runJobs()
	e.clock.Advance(3 * tokenmint.Day)
	e.runJobs()
	if got := mails(); len(got) != 1 {
		t.Fatalf("after a restart: mails %q, want still one", got)
	}

	e.clock.Advance(4 * tokenmint.Day) // day 30: expired
	if r := e.verifyFrom(plain, "198.51.100.4"); r.status != http.StatusUnauthorized {
		t.Fatalf("verify at expiry: %d, want 401", r.status)
	}
	e.runJobs()
	e.restart()
	e.runJobs()
	e.clock.Advance(time.Hour)
	e.runJobs()
	got = mails()
	if len(got) != 2 || !strings.Contains(got[1], `"deploy-bot" has expired`) {
		t.Fatalf("day 30: mails %q, want the warning and one expiry notice", got)
	}
	// The expiry is audited once, as the system.
	if items := auditItems(t, e.admin, "action=token.expire&object="+id); len(items) != 1 || items[0]["actor_kind"] != "system" {
		t.Errorf("token.expire audit entries: %v, want one by the system", items)
	}
}

// Extending a token moves its expiry, which arms the notices again.
func TestExtensionRearmsExpiryNotice(t *testing.T) {
	e := newLCEnv(t, lcOptions{mail: true})
	nora, _ := e.userWithEmail("nora")
	_, _, id := nora.createToken(map[string]any{"type": "CIToken", "name": "extended", "days_to_live": 10})
	e.clock.Advance(3 * tokenmint.Day)
	e.runJobs()
	if n := len(e.smtp.Messages()); n != 1 {
		t.Fatalf("mails = %d, want 1", n)
	}
	expect(t, nora.do("PATCH", "/api/v1/tokens/"+id, map[string]any{"days_to_live": 6}), http.StatusOK, "extend")
	e.runJobs()
	if n := len(e.smtp.Messages()); n != 2 {
		t.Fatalf("after extending into the notice window again: mails = %d, want 2", n)
	}
}
