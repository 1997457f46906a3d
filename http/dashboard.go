package http

import (
	"net/http"
	"net/url"
	"strconv"

	"tokenmint"
	"tokenmint/service"
)

// dashboardRoutes registers the usage chart's data and the tenant
// dashboard, in the API and in the UI.
func (s *Server) dashboardRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/tokens/{id}/usage/daily", s.authed(s.handleTokenDailyUsage))
	m.HandleFunc("GET /api/v1/dashboard", s.authed(s.handleDashboard))
	m.HandleFunc("GET /ui/admin/dashboard", s.uiAdmin(s.uiDashboard))
}

// handleTokenDailyUsage answers {"days":[{"date","uses"},…]}: every day of
// the last days (default 90), today last.
func (s *Server) handleTokenDailyUsage(w http.ResponseWriter, r *http.Request) {
	days := 0
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, r, tokenmint.Errorf(tokenmint.EINVALID, "days must be 1-%d", tokenmint.DailyUsageRetentionDays))
			return
		}
		days = n
	}
	out, err := s.svc.TokenDailyUsage(r.Context(), r.PathValue("id"), days)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"days": out})
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := s.svc.Dashboard(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// tokenDayFilters reads the token list's day filters (expiring_within_days,
// unused_days, no_expiry, expires_on) from a query string into in; the service checks
// their ranges.
func tokenDayFilters(q url.Values, in *service.ListTokensInput) error {
	for _, f := range []struct {
		name string
		dst  *int
	}{{"expiring_within_days", &in.ExpiringWithinDays}, {"unused_days", &in.UnusedDays}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return tokenmint.Errorf(tokenmint.EINVALID, "%s must be a whole number of days, at least 1", f.name)
		}
		*f.dst = n
	}
	in.ExpiresOn = q.Get("expires_on")
	if v := q.Get("no_expiry"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return tokenmint.Errorf(tokenmint.EINVALID, "no_expiry must be true or false")
		}
		in.NoExpiry = b
	}
	return nil
}
