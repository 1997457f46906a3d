package http_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// pageAll reads a list as c by pages of limit, following next_cursor, and
// returns the key field of every item in order and the number of pages.
func pageAll(t *testing.T, c *client, path, key string, limit string) ([]string, int) {
	t.Helper()
	var keys []string
	cursor := ""
	for pages := 1; ; pages++ {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		url := path + sep + "limit=" + limit
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		r := c.do("GET", url, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, r.status, r.body)
		}
		m := r.json(t)
		for _, it := range m["items"].([]any) {
			keys = append(keys, it.(map[string]any)[key].(string))
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			return keys, pages
		}
		if pages > 100 {
			t.Fatalf("GET %s: no end after 100 pages", path)
		}
		cursor = next
	}
}

// checkListPages pages a list by 2 and checks it against the whole list:
// same items in the same order, no repeat, and as many pages as needed.
func checkListPages(t *testing.T, c *client, path, key string, atLeast int) {
	t.Helper()
	whole, pages := pageAll(t, c, path, key, "500")
	if pages != 1 || len(whole) < atLeast {
		t.Fatalf("GET %s: %d items in %d pages, want at least %d in one", path, len(whole), pages, atLeast)
	}
	byTwo, pages := pageAll(t, c, path, key, "2")
	if !slices.Equal(byTwo, whole) {
		t.Errorf("GET %s by pages of 2 = %v, want %v", path, byTwo, whole)
	}
	if want := (len(whole) + 1) / 2; pages != want && pages != want+1 {
		t.Errorf("GET %s: %d pages of 2 for %d items", path, pages, len(whole))
	}
	seen := map[string]bool{}
	for _, k := range byTwo {
		if seen[k] {
			t.Errorf("GET %s: %s twice", path, k)
		}
		seen[k] = true
	}
}

// Every list that had no paging pages by limit and cursor like the token
// list, in a stable order, and keeps its items field.
func TestListsPageByCursor(t *testing.T) {
	e := newEnv(t)
	var projectID, appID string
	for _, n := range []string{"pa", "pb", "pc"} {
		e.createUser("user-" + n)
		projectID = e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "prj-" + n}).json(t)["id"].(string)
		appID = e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "app-" + n, "access_types": []string{"read-only"}}).json(t)["id"].(string)
		expect(t, e.admin.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/" + n, "events": []string{"token.created"}}), http.StatusCreated, "webhook")
		expect(t, e.admin.do("PUT", "/api/v1/projects/"+projectID+"/members/user-"+n, map[string]any{"role": "member"}), http.StatusOK, "member")
	}
	for _, n := range []string{"pa", "pb", "pc"} {
		expect(t, e.admin.do("PUT", "/api/v1/projects/"+projectID+"/members/user-"+n, map[string]any{"role": "member"}), http.StatusOK, "member")
		expect(t, e.admin.do("POST", "/api/v1/applications/"+appID+"/credentials", nil), http.StatusCreated, "credential")
		expect(t, e.admin.do("POST", "/api/v1/applications/"+appID+"/tokens", map[string]any{"name": "tok-" + n}), http.StatusCreated, "application token")
	}
	checkListPages(t, e.admin, "/api/v1/users", "id", 4)
	checkListPages(t, e.admin, "/api/v1/projects", "id", 3)
	checkListPages(t, e.admin, "/api/v1/applications", "id", 3)
	checkListPages(t, e.admin, "/api/v1/applications/"+appID+"/credentials", "id", 3)
	checkListPages(t, e.admin, "/api/v1/applications/"+appID+"/tokens", "id", 3)
	checkListPages(t, e.admin, "/api/v1/webhooks", "id", 3)
	checkListPages(t, e.admin, "/api/v1/projects/"+projectID+"/members", "user_id", 3)
}

// A project-only member pages over the projects they may see: full pages
// of visible projects, never a page emptied by filtering after the limit.
func TestProjectsPageOverTheVisibleOnes(t *testing.T) {
	e := newEnv(t)
	_, memberID := e.createUser("mira")
	expect(t, e.admin.do("PATCH", "/api/v1/users/"+memberID, map[string]any{"roles": []string{}}), http.StatusOK, "no tenant role")
	member := e.login("mira", "mira-password") // the change of roles ended the session
	var visible []string
	for i, n := range []string{"p1", "p2", "p3", "p4", "p5"} {
		id := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": n}).json(t)["id"].(string)
		if i%2 == 0 {
			expect(t, e.admin.do("PUT", "/api/v1/projects/"+id+"/members/mira", map[string]any{"role": "member"}), http.StatusOK, "member")
			visible = append(visible, id)
		}
	}
	got, pages := pageAll(t, member, "/api/v1/projects", "id", "1")
	if !slices.Equal(got, visible) || pages < 3 || pages > 4 {
		t.Errorf("member's projects by pages of 1 = %v in %d pages, want %v", got, pages, visible)
	}
}

// A limit outside 1-500 or not a number is a 400 naming the limit on every
// paged list.
func TestBadLimitIsRefusedOnEveryList(t *testing.T) {
	e := newEnv(t)
	_, _, tokID := e.admin.createToken(map[string]any{"type": "CIToken", "name": "one"})
	prj := e.admin.do("POST", "/api/v1/projects", map[string]any{"name": "prj"}).json(t)["id"].(string)
	app := e.admin.do("POST", "/api/v1/applications", map[string]any{"name": "app", "access_types": []string{"read-only"}}).json(t)["id"].(string)
	for _, p := range pagedLists(tokID, prj, app) {
		for _, bad := range []string{"0", "-1", "501", "x", "1.5"} {
			r := e.admin.do("GET", p+"?limit="+bad, nil)
			if r.status != http.StatusBadRequest || !strings.Contains(r.message(t), "limit") {
				t.Errorf("GET %s?limit=%s: %d %s, want 400 about the limit", p, bad, r.status, r.body)
			}
		}
	}
}

// pagedLists are the lists that gained paging, with the IDs their paths
// need.
func pagedLists(tokenID, projectID, appID string) []string {
	return []string{
		"/api/v1/users",
		"/api/v1/projects",
		"/api/v1/applications",
		"/api/v1/applications/" + appID + "/credentials",
		"/api/v1/applications/" + appID + "/tokens",
		"/api/v1/webhooks",
		"/api/v1/projects/" + projectID + "/members",
		"/api/v1/tokens/" + tokenID + "/usage",
	}
}

// A token's usage pages by client IP.
func TestUsagePagesByIP(t *testing.T) {
	e := newLCEnv(t, lcOptions{})
	uma, _ := e.userWithEmail("uma")
	plain, _, id := uma.createToken(map[string]any{"type": "CIToken", "name": "counted"})
	ips := []string{"203.0.113.1", "203.0.113.2", "2001:db8::7", "198.51.100.4", "192.0.2.200"}
	for _, ip := range ips {
		expect(t, e.verifyFrom(plain, ip), http.StatusOK, "verify from "+ip)
	}
	e.flushUsage()
	got, pages := pageAll(t, uma, "/api/v1/tokens/"+id+"/usage", "ip", "2")
	want := slices.Clone(ips)
	slices.Sort(want)
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("usage by pages of 2 = %v in %d pages, want %v in 3", got, pages, want)
	}
	for _, bad := range []string{"garbage", "203.0.113.1:80", "0"} {
		if r := uma.do("GET", "/api/v1/tokens/"+id+"/usage?cursor="+bad, nil); r.status != http.StatusBadRequest {
			t.Errorf("usage with cursor %q: %d, want 400", bad, r.status)
		}
	}
}
