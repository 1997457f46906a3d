package http

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The UI's flash cookie is Secure exactly when the server marks the
// request's cookies Secure, like the session cookie.
func TestFlashCookieFollowsSecureCookies(t *testing.T) {
	for _, secure := range []bool{false, true} {
		r := httptest.NewRequest("POST", "/ui/admin/users", nil)
		if secure {
			r = r.WithContext(context.WithValue(r.Context(), secureCookiesKey{}, true))
		}
		w := httptest.NewRecorder()
		redirectWith(w, r, "/ui/admin/users", "User created.")
		cookies := w.Result().Cookies()
		if len(cookies) != 1 || cookies[0].Name != flashCookie || cookies[0].Secure != secure {
			t.Errorf("secure=%t: cookies %+v", secure, cookies)
		}
		if w.Code != http.StatusSeeOther {
			t.Errorf("status %d", w.Code)
		}
	}
}
