package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tokenmint"
	"tokenmint/postgres/postgrestest"
)

// post sends a request with a body to one instance and returns its status.
func post(t *testing.T, base, path, contentType, body string, header map[string]string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The limits of the unauthenticated paths hold in total over the
// instances on one PostgreSQL database, not once per instance: failures
// sent alternately to two instances are refused after the limit, where
// each instance's own memory used to allow it on each.
func TestClusterLimitsHoldAcrossInstances(t *testing.T) {
	dbURL := postgrestest.Start(t).NewDatabase(t)
	a := startInstance(t, dbURL)
	b := startInstance(t, dbURL)
	bases := []string{a.srv.URL, b.srv.URL}
	limit := tokenmint.DefaultLoginFailuresPerMinute

	t.Run("Login", func(t *testing.T) {
		login := func(i int, pw string) int {
			return post(t, bases[i%2], "/api/v1/auth/login", "application/json", `{"username":"admin","password":"`+pw+`"}`, nil)
		}
		for i := range limit {
			if st := login(i, "wrong-password"); st != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, st)
			}
		}
		for i := range 2 {
			if st := login(i, "cluster-admin-pw"); st != http.StatusTooManyRequests {
				t.Errorf("after %d failures over two instances, the right password on instance %d: %d, want 429", limit, i, st)
			}
		}
		// The password grant counts under the same keys.
		form := url.Values{"grant_type": {"password"}, "username": {"admin"}, "password": {"cluster-admin-pw"}}.Encode()
		if st := post(t, bases[1], "/oauth/token", "application/x-www-form-urlencoded", form, nil); st != http.StatusTooManyRequests {
			t.Errorf("password grant after the login limit: %d, want 429", st)
		}
	})

	t.Run("ClientAuthentication", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"tmc_nosuchclient"}, "client_secret": {"wrong"}}.Encode()
		for i := range limit {
			if st := post(t, bases[i%2], "/oauth/token", "application/x-www-form-urlencoded", form, nil); st != http.StatusUnauthorized {
				t.Fatalf("client failure %d: %d", i+1, st)
			}
		}
		for i := range 2 {
			if st := post(t, bases[i], "/oauth/token", "application/x-www-form-urlencoded", form, nil); st != http.StatusTooManyRequests {
				t.Errorf("client failure past the limit on instance %d: %d, want 429", i, st)
			}
		}
	})

	t.Run("LeakReports", func(t *testing.T) {
		body := `{"token":"tmu_not-a-real-token"}`
		for i := range 10 {
			if st := post(t, bases[i%2], "/api/v1/tokens/revoke-leaked", "application/json", body, nil); st != http.StatusAccepted {
				t.Fatalf("report %d: %d", i+1, st)
			}
		}
		for i := range 2 {
			if st := post(t, bases[i], "/api/v1/tokens/revoke-leaked", "application/json", body, nil); st != http.StatusTooManyRequests {
				t.Errorf("report past the limit on instance %d: %d, want 429", i, st)
			}
		}
	})
}
