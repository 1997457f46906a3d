package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// 'token get' takes Fortify's -daysToLive as another name of --days, so a
// script written for 'fortifyclient token -gettoken' keeps its flag.
func TestTokenGetDaysToLive(t *testing.T) {
	url := startServer(t)
	for _, flag := range []string{"-daysToLive", "--daysToLive"} {
		out := mustCLI(t, testAdminPassword+"\n", "token", "get", "CIToken", "--url", url, "--user", "admin", "--password", flag, "3")
		tok := strings.TrimSpace(out)
		req, _ := http.NewRequest("GET", url+"/api/v1/auth/verify", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		exp, err := time.Parse(time.RFC3339, resp.Header.Get("X-Token-Expiration"))
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("%s 3: verify %d, X-Token-Expiration %q", flag, resp.StatusCode, resp.Header.Get("X-Token-Expiration"))
		}
		if d := time.Until(exp); d < 71*time.Hour || d > 73*time.Hour {
			t.Errorf("%s 3: the token expires in %v, want 3 days", flag, d)
		}
	}
	code, _, errs := cli(t, testAdminPassword+"\n", "token", "get", "CIToken", "--url", url, "--user", "admin", "--password", "--days", "3", "-daysToLive", "4")
	if code != 2 || !strings.Contains(errs, "daysToLive") {
		t.Errorf("--days with -daysToLive: exit %d, stderr %q; want a usage error naming both", code, errs)
	}
	_, help, _ := cli(t, "", "token", "get", "--help")
	if !strings.Contains(help, "-daysToLive") {
		t.Errorf("token get --help does not list -daysToLive:\n%s", help)
	}
}
