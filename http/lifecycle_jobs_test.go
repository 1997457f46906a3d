package http_test

import (
	"net/http"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/service"
)

// tokenStatus reads a token's status through the API as c.
func tokenStatus(t *testing.T, c *client, id string) string {
	t.Helper()
	r := c.do("GET", "/api/v1/tokens/"+id, nil)
	if r.status == http.StatusNotFound {
		return "gone"
	}
	expect(t, r, http.StatusOK, "get token "+id)
	return r.json(t)["status"].(string)
}

// Inactivity with the default policy (deactivate after 30 days, delete
// after 90), on the fake clock: unused tokens are refused at 30 days and
// restored by their owner or an admin; at 90 days a never-used token is
// gone; a token in use is never touched.
func TestInactivityDeactivatesAndDeletes(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	olive, _ := e.userWithEmail("olive")
	create := func(name string) (string, string) {
		plain, _, id := olive.createToken(map[string]any{"type": "CIToken", "name": name, "days_to_live": 365})
		return plain, id
	}
	plainA, idA := create("reactivated-by-owner")
	plainB, idB := create("reactivated-by-admin")
	plainC, idC := create("never-used")
	plainD, idD := create("in-use")
	use := func(plain string) {
		t.Helper()
		expect(t, e.verifyFrom(plain, "198.51.100.4"), http.StatusOK, "verify in-use token")
		e.flushUsage()
	}
	use(plainD)

	e.clock.Advance(29*tokenmint.Day + 23*3600e9)
	e.runJobs()
	for _, id := range []string{idA, idB, idC, idD} {
		if st := tokenStatus(t, olive, id); st != tokenmint.StatusActive {
			t.Fatalf("day 29.9: token %s is %s, want active", id, st)
		}
	}
	use(plainD)

	e.clock.Advance(3600e9) // day 30
	e.runJobs()
	for id, want := range map[string]string{idA: "inactive", idB: "inactive", idC: "inactive", idD: "active"} {
		if st := tokenStatus(t, olive, id); st != want {
			t.Errorf("day 30: token %s is %s, want %s", id, st, want)
		}
	}
	for _, p := range []string{plainA, plainB, plainC} {
		r := e.verifyFrom(p, "198.51.100.4")
		if r.status != http.StatusUnauthorized || !strings.Contains(r.message(t), "inactive") {
			t.Fatalf("day 30: verify of an idle token: %d %s, want 401 inactive", r.status, r.body)
		}
	}
	// The owner reactivates A; an admin reactivates B.
	expect(t, olive.do("PATCH", "/api/v1/tokens/"+idA, map[string]any{"active": true}), http.StatusOK, "owner reactivates")
	expect(t, e.admin.do("PATCH", "/api/v1/tokens/"+idB, map[string]any{"active": true}), http.StatusOK, "admin reactivates")
	e.clock.Advance(service.IdleScanInterval)
	e.runJobs() // the reactivation counts as activity: the next scan leaves them alone
	expect(t, e.verifyFrom(plainA, "198.51.100.4"), http.StatusOK, "verify A after reactivation")
	expect(t, e.verifyFrom(plainB, "198.51.100.4"), http.StatusOK, "verify B after reactivation")
	use(plainD)

	// Days 50, 70 and 90: D is used every 20 days, C never.
	for step := 0; step < 3; step++ {
		e.clock.Advance(20 * tokenmint.Day)
		e.runJobs()
		use(plainD)
	}
	if st := tokenStatus(t, olive, idC); st != "gone" {
		t.Errorf("day 90: never-used token is %s, want deleted", st)
	}
	if r := e.verifyFrom(plainC, "198.51.100.4"); r.status != http.StatusUnauthorized {
		t.Errorf("day 90: verify of the deleted token: %d", r.status)
	}
	if st := tokenStatus(t, olive, idD); st != tokenmint.StatusActive {
		t.Errorf("day 90: the token in use is %s, want active", st)
	}
	// A was last active on day 30: inactive again since day 60, deleted only at day 120.
	if st := tokenStatus(t, olive, idA); st != tokenmint.StatusInactive {
		t.Errorf("day 90: token A is %s, want inactive (deleted only at day 120)", st)
	}

	// The jobs audit as the system, once per change.
	for _, action := range []string{"token.deactivate", "token.delete"} {
		items := auditItems(t, e.admin, "action="+action+"&object="+idC)
		if len(items) != 1 || items[0]["actor_kind"] != "system" {
			t.Errorf("%s of C audited as %v, want one system entry", action, items)
		}
	}
}

// auditItems lists audit entries through the API with the given query.
func auditItems(t *testing.T, c *client, query string) []map[string]any {
	t.Helper()
	r := c.do("GET", "/api/v1/audit?limit=500&"+query, nil)
	expect(t, r, http.StatusOK, "list audit "+query)
	var out []map[string]any
	for _, it := range r.json(t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// The inactivity jobs do not flush the usage buffer (a backlog of first
// uses is written at the write budget's pace), so they must not take for
// idle a token whose first use in 30 days is still waiting there: it stays
// active, and once the use is written it is no longer a candidate at all.
// A token used nowhere is deactivated in the same run (the job did run).
func TestInactivitySparesATokenWhoseUseIsStillBuffered(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	olive, _ := e.userWithEmail("olive")
	plainUsed, _, idUsed := olive.createToken(map[string]any{"type": "CIToken", "name": "woken", "days_to_live": 365})
	_, _, idIdle := olive.createToken(map[string]any{"type": "CIToken", "name": "idle", "days_to_live": 365})

	e.clock.Advance(30*tokenmint.Day + 3600e9)
	expect(t, e.verifyFrom(plainUsed, "198.51.100.4"), http.StatusOK, "first use after 30 days")
	if tok := olive.do("GET", "/api/v1/tokens/"+idUsed, nil).json(t); tok["last_used_at"] != nil {
		t.Fatalf("the use was written before the job ran (last_used_at %v): the test needs it buffered", tok["last_used_at"])
	}
	e.runJobs()
	if st := tokenStatus(t, olive, idUsed); st != tokenmint.StatusActive {
		t.Errorf("token used an instant ago, its use buffered: %s after the jobs, want active", st)
	}
	if st := tokenStatus(t, olive, idIdle); st != tokenmint.StatusInactive {
		t.Errorf("token never used: %s after the jobs, want inactive", st)
	}
	e.flushUsage()
	e.clock.Advance(service.IdleScanInterval)
	e.runJobs()
	if st := tokenStatus(t, olive, idUsed); st != tokenmint.StatusActive {
		t.Errorf("after the use was written: %s, want active", st)
	}
	expect(t, e.verifyFrom(plainUsed, "198.51.100.4"), http.StatusOK, "verify after the jobs")
}

// The inactivity jobs read every token, so they run at most once per
// service.IdleScanInterval: a token that becomes idle just after a scan is
// deactivated by the first run of the jobs after the interval, not before.
func TestInactivityJobsScanAtMostEveryInterval(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	olive, _ := e.userWithEmail("olive")
	_, _, id := olive.createToken(map[string]any{"type": "CIToken", "name": "idle", "days_to_live": 365})

	e.clock.Advance(30*tokenmint.Day - 60e9) // a minute before it is idle
	e.runJobs()
	if st := tokenStatus(t, olive, id); st != tokenmint.StatusActive {
		t.Fatalf("a minute before 30 days: %s, want active", st)
	}
	e.clock.Advance(2 * 60e9) // idle for a minute now
	e.runJobs()
	if st := tokenStatus(t, olive, id); st != tokenmint.StatusActive {
		t.Errorf("two minutes after the last scan: %s, want active (the next scan is due after %v)", st, service.IdleScanInterval)
	}
	e.clock.Advance(service.IdleScanInterval - 2*60e9)
	e.runJobs()
	if st := tokenStatus(t, olive, id); st != tokenmint.StatusInactive {
		t.Errorf("%v after the last scan: %s, want inactive", service.IdleScanInterval, st)
	}
}
