package http_test

import "net/http"

// rateLimitRows are the matrix rows of the owners' rate limits: the
// tenant's administrators only, for users and applications alike.
func rateLimitRows() []endpoint {
	const ok, noContent = http.StatusOK, http.StatusNoContent
	limit := fixed(map[string]any{"requests": 100, "per_seconds": 60})
	return []endpoint{
		{method: "GET", route: "/api/v1/users/{id}/rate-limit", objects: adminObjects, call: at("/api/v1/users/{}/rate-limit", userID, nil), want: adminOnly(ok)},
		{method: "PUT", route: "/api/v1/users/{id}/rate-limit", objects: adminObjects, call: at("/api/v1/users/{}/rate-limit", userID, limit), want: adminOnly(ok)},
		{method: "DELETE", route: "/api/v1/users/{id}/rate-limit", objects: adminObjects, call: at("/api/v1/users/{}/rate-limit", userID, nil), want: adminOnly(noContent)},
		{method: "GET", route: "/api/v1/applications/{id}/rate-limit", objects: adminObjects, call: at("/api/v1/applications/{}/rate-limit", appID(false), nil), want: adminOnly(ok)},
		{method: "PUT", route: "/api/v1/applications/{id}/rate-limit", objects: adminObjects, call: at("/api/v1/applications/{}/rate-limit", appID(false), limit), want: adminOnly(ok)},
		{method: "DELETE", route: "/api/v1/applications/{id}/rate-limit", objects: adminObjects, call: at("/api/v1/applications/{}/rate-limit", appID(false), nil), want: adminOnly(noContent)},
		{method: "POST", route: "/ui/admin/users/{id}/rate-limit", kind: ui, objects: adminObjects, call: at("/ui/admin/users/{}/rate-limit", userID, uiForm("rate_requests", "100", "rate_seconds", "60")), want: uiAdmin(http.StatusSeeOther)},
		{method: "POST", route: "/ui/admin/applications/{id}/rate-limit", kind: ui, objects: adminObjects, call: at("/ui/admin/applications/{}/rate-limit", appID(false), uiForm("rate_requests", "100", "rate_seconds", "60")), want: uiAdmin(http.StatusSeeOther)},
	}
}
