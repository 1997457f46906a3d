package http_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestOAuthFormBodyLimitsAndContentType posts to the token endpoint the
// way clients do and the way they should not: a form with a charset, the
// content type in capitals, a body just under 64 KiB, one over, and a JSON
// body.
func TestOAuthFormBodyLimitsAndContentType(t *testing.T) {
	e := newOAuthEnv(t)
	_, clientID, secret, _ := e.appClient("form-limits", "read-only")
	auth := basicAuth(clientID, secret)
	post := func(contentType, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.URL+"/oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", auth)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var ans struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(b, &ans); err != nil {
			t.Fatalf("answer is not JSON: %d %s", res.StatusCode, b)
		}
		if res.StatusCode == http.StatusOK && ans.AccessToken == "" {
			t.Fatalf("200 without an access token: %s", b)
		}
		return res.StatusCode, ans.Error + ": " + ans.Description
	}
	grant := "grant_type=client_credentials"
	if st, msg := post("application/x-www-form-urlencoded; charset=UTF-8", grant); st != http.StatusOK {
		t.Errorf("with a charset: %d %s", st, msg)
	}
	if st, msg := post("Application/X-WWW-Form-Urlencoded", grant); st != http.StatusOK {
		t.Errorf("in capitals: %d %s", st, msg)
	}
	// Padding in an unknown parameter: just under the limit is read.
	pad := "&pad=" + strings.Repeat("p", 64<<10-len(grant)-len("&pad="))
	if st, msg := post("application/x-www-form-urlencoded", grant+pad); st != http.StatusOK {
		t.Errorf("a body of exactly 64 KiB: %d %s", st, msg)
	}
	if st, msg := post("application/x-www-form-urlencoded", grant+pad+"p"); st != http.StatusBadRequest || !strings.Contains(msg, "exceeds 64 KiB") {
		t.Errorf("a body one byte over 64 KiB: %d %s", st, msg)
	}
	if st, msg := post("application/json", `{"grant_type":"client_credentials"}`); st != http.StatusBadRequest || !strings.Contains(msg, "Content-Type") {
		t.Errorf("a JSON body: %d %s", st, msg)
	}
	if st, msg := post("application/x-www-form-urlencoded", grant+"&scope=a&scope=b"); st != http.StatusBadRequest || !strings.Contains(msg, "more than once") {
		t.Errorf("a parameter twice: %d %s", st, msg)
	}
}
