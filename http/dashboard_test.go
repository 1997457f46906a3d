package http_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"tokenmint"
)

// dailyAnswer is the body of GET /api/v1/tokens/{id}/usage/daily.
type dailyAnswer struct {
	Days []struct {
		Date string `json:"date"`
		Uses int64  `json:"uses"`
	} `json:"days"`
}

func TestTokenDailyUsageAPI(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.createUser("alice", "member")
	plain, _, id := alice.createToken(map[string]any{"type": "CIToken", "name": "ci"})
	for range 2 {
		if r := e.verify("Bearer "+plain, ""); r.status != http.StatusOK {
			t.Fatalf("verify: %d %s", r.status, r.body)
		}
	}
	e.clock.Advance(tokenmint.Day)
	alice, e.admin = e.login("alice", "alice-password"), e.login("admin", adminPassword) // the sessions ran out
	if r := e.verify("Bearer "+plain, ""); r.status != http.StatusOK {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	if err := e.svc.Usage().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	r := alice.do("GET", "/api/v1/tokens/"+id+"/usage/daily?days=3", nil)
	if r.status != http.StatusOK {
		t.Fatalf("daily usage: %d %s", r.status, r.body)
	}
	var got dailyAnswer
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	today := e.clock.Now()
	want := []struct {
		date string
		uses int64
	}{
		{today.AddDate(0, 0, -2).Format(time.DateOnly), 0},
		{today.AddDate(0, 0, -1).Format(time.DateOnly), 2},
		{today.Format(time.DateOnly), 1},
	}
	if len(got.Days) != len(want) {
		t.Fatalf("days = %+v, want %+v", got.Days, want)
	}
	for i, w := range want {
		if got.Days[i].Date != w.date || got.Days[i].Uses != w.uses {
			t.Errorf("day %d = %+v, want %s with %d", i, got.Days[i], w.date, w.uses)
		}
	}
	// Without days: the 90 days kept, every one present.
	r = alice.do("GET", "/api/v1/tokens/"+id+"/usage/daily", nil)
	if err := json.Unmarshal(r.body, &got); err != nil || len(got.Days) != tokenmint.DailyUsageRetentionDays {
		t.Fatalf("default daily usage: %d days (%v), want 90: %s", len(got.Days), err, r.body)
	}
	for _, q := range []string{"0", "91", "-1", "ten"} {
		if r := alice.do("GET", "/api/v1/tokens/"+id+"/usage/daily?days="+q, nil); r.status != http.StatusBadRequest {
			t.Errorf("days=%s: %d, want 400", q, r.status)
		}
	}
	// Fortify's rule, as for the usage per IP: an administrator may govern
	// alice's token but not see where or how often it is used.
	if r := e.admin.do("GET", "/api/v1/tokens/"+id+"/usage/daily", nil); r.status != http.StatusForbidden {
		t.Errorf("admin reading another user's daily usage: %d, want 403", r.status)
	}
	if r := e.admin.do("GET", "/api/v1/tokens/"+id+"/usage", nil); r.status != http.StatusForbidden {
		t.Errorf("admin reading another user's usage: %d, want 403 (the rule the daily usage mirrors)", r.status)
	}
}

// dashboardAnswer is the part of GET /api/v1/dashboard the test reads.
type dashboardAnswer struct {
	Active       int `json:"active"`
	ExpiringSoon int `json:"expiring_soon"`
	Unused       int `json:"unused"`
	NoExpiry     int `json:"no_expiry"`
	PerType      []struct {
		Type  string `json:"type"`
		Count int    `json:"count"`
	} `json:"per_type"`
	BusiestTokens []struct {
		ID   string `json:"id"`
		Uses int64  `json:"uses"`
	} `json:"busiest_tokens"`
	FailedVerifications []struct {
		Date  string `json:"date"`
		Count int64  `json:"count"`
	} `json:"failed_verifications"`
}

// Each figure of the dashboard is the number of tokens its list shows.
func TestDashboardAPIFiguresMatchTheirLists(t *testing.T) {
	e := newEnv(t)
	alice, _ := e.createUser("alice", "member")
	alice.createToken(map[string]any{"type": "UserToken", "name": "idle"})
	e.clock.Advance(31 * tokenmint.Day)
	alice, e.admin = e.login("alice", "alice-password"), e.login("admin", adminPassword) // the sessions ran out
	busy, _, busyID := alice.createToken(map[string]any{"type": "UserToken", "name": "busy", "no_expiry": true})
	alice.createToken(map[string]any{"type": "CIToken", "name": "soon", "days_to_live": 10})
	e.admin.createToken(map[string]any{"type": "UserToken", "name": "mine", "days_to_live": 60})
	_, _, revokedID := alice.createToken(map[string]any{"type": "UserToken", "name": "gone", "no_expiry": true})
	if r := alice.do("DELETE", "/api/v1/tokens/"+revokedID, nil); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	for range 3 {
		e.verify("Bearer "+busy, "")
	}
	e.verify("Bearer "+busy, "?permission=users:manage") // refused: a failed verification
	if err := e.svc.Usage().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}

	r := e.admin.do("GET", "/api/v1/dashboard", nil)
	if r.status != http.StatusOK {
		t.Fatalf("dashboard: %d %s", r.status, r.body)
	}
	var d dashboardAnswer
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatal(err)
	}
	if d.Active != 4 || d.ExpiringSoon != 1 || d.Unused != 1 || d.NoExpiry != 1 {
		t.Errorf("active %d, expiring %d, unused %d, no expiry %d; want 4, 1, 1, 1", d.Active, d.ExpiringSoon, d.Unused, d.NoExpiry)
	}
	if len(d.BusiestTokens) != 1 || d.BusiestTokens[0].ID != busyID || d.BusiestTokens[0].Uses != 3 {
		t.Errorf("busiest tokens = %+v, want %s with 3 uses", d.BusiestTokens, busyID)
	}
	if n := len(d.FailedVerifications); n != 30 || d.FailedVerifications[n-1].Count != 1 || d.FailedVerifications[0].Count != 0 {
		t.Errorf("failed verifications = %+v, want 30 days, 1 today", d.FailedVerifications)
	}
	count := func(query string) int {
		t.Helper()
		r := e.admin.do("GET", "/api/v1/tokens?all=true&status=active&"+query, nil)
		if r.status != http.StatusOK {
			t.Fatalf("list %s: %d %s", query, r.status, r.body)
		}
		return len(r.json(t)["items"].([]any))
	}
	for _, c := range []struct {
		query  string
		figure int
	}{
		{"limit=500", d.Active},
		{"expiring_within_days=30", d.ExpiringSoon},
		{"unused_days=30", d.Unused},
		{"no_expiry=true", d.NoExpiry},
	} {
		if n := count(c.query); n != c.figure {
			t.Errorf("list %s shows %d tokens, the dashboard says %d", c.query, n, c.figure)
		}
	}
	for _, pt := range d.PerType {
		if n := count("type=" + pt.Type); n != pt.Count {
			t.Errorf("list of type %s shows %d tokens, the dashboard says %d", pt.Type, n, pt.Count)
		}
	}

	// Administrators only.
	if r := alice.do("GET", "/api/v1/dashboard", nil); r.status != http.StatusForbidden {
		t.Errorf("member reading the dashboard: %d, want 403", r.status)
	}
	// The list's day filters are checked.
	for _, q := range []string{"unused_days=0", "unused_days=-3", "expiring_within_days=3651", "expiring_within_days=x", "no_expiry=maybe", "no_expiry=true&expiring_within_days=5"} {
		if r := alice.do("GET", "/api/v1/tokens?"+q, nil); r.status != http.StatusBadRequest {
			t.Errorf("GET /api/v1/tokens?%s: %d, want 400", q, r.status)
		}
	}
}
