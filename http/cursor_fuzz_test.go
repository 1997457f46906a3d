package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"tokenmint"
)

// FuzzListCursor sends arbitrary cursor and limit parameters to the list
// endpoints through the real handler. The answer is never a 5xx nor
// anything but JSON; a refused cursor or limit is a 400; the tokens list
// accepts only what ValidateTokenCursor accepts. In the cursor, {next}
// stands for the endpoint's real next_cursor (from a first page of one),
// so the fuzzer mutates around a real cursor.
func FuzzListCursor(f *testing.F) {
	e := newFuzzEnv(f)
	var project string
	for i := 0; i < 3; i++ {
		tok := e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/tokens", fmt.Sprintf(`{"name":"fuzz-%d","type":"UserToken"}`, i))
		e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/users", fmt.Sprintf(`{"username":"fuzz-%d","password":"fuzz-password-%d","roles":[]}`, i, i))
		project = e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/projects", fmt.Sprintf(`{"name":"fuzz-%d"}`, i))["id"].(string)
		e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/applications", fmt.Sprintf(`{"name":"fuzz-%d","access_types":["read-only"]}`, i))
		e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/webhooks", fmt.Sprintf(`{"url":"https://192.0.2.%d/hook","events":["token.revoked"]}`, i+1))
		if r := e.admin(f, "DELETE", "/api/v1/tokens/"+tok["id"].(string), ""); r.status >= 300 {
			f.Fatalf("revoke: %d %s", r.status, r.body)
		}
	}
	lists := []string{
		"/api/v1/tokens", "/api/v1/users", "/api/v1/projects", "/api/v1/applications", "/api/v1/webhooks",
		"/api/v1/audit", "/api/v1/deliveries", "/api/v1/projects/" + project + "/members",
	}
	next := make([]string, len(lists))
	for i, l := range lists {
		r := e.admin(f, "GET", l+"?limit=1", "")
		var page struct {
			Next string `json:"next_cursor"`
		}
		if r.status == http.StatusOK {
			_ = json.Unmarshal(r.body, &page)
		}
		next[i] = page.Next
	}
	for i := range lists {
		for _, c := range [][2]string{
			{"{next}", "1"}, {"{next}", ""}, {"{next}x", "2"}, {"x{next}", "500"}, {"", "0"}, {"", "501"}, {"", "-1"},
			{"", "1e3"}, {"0b7c2a52-3d1e-4f6a-9c2b-8d1e0f3a4b5c", "10"}, {"' OR 1=1 --", ""}, {"%00", "%ZZ"},
			{"MjAyNi0wMS0wNVQwOTowMDowMFo", ""}, {strings.Repeat("A", 4096), ""},
		} {
			f.Add(uint8(i), c[0], c[1])
		}
	}

	f.Fuzz(func(t *testing.T, which uint8, cursor, limit string) {
		i := int(which) % len(lists)
		cursor = strings.ReplaceAll(cursor, "{next}", next[i])
		q := url.Values{}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		if limit != "" {
			q.Set("limit", limit)
		}
		r := e.admin(t, "GET", lists[i]+"?"+q.Encode(), "")
		checkNoServerError(t, "GET "+lists[i]+"?"+q.Encode(), r)
		if r.status != http.StatusOK && r.status != http.StatusBadRequest {
			t.Fatalf("GET %s?%s: %d %s", lists[i], q.Encode(), r.status, r.body)
		}
		if lists[i] == "/api/v1/tokens" && r.status == http.StatusOK && tokenmint.ValidateTokenCursor(cursor) != nil {
			t.Fatalf("tokens list accepted cursor %q: %s", cursor, r.body)
		}
	})
}
