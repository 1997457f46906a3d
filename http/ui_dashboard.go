package http

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"tokenmint"
	"tokenmint/service"
)

// dashboardFigure is one number of the dashboard and the filtered list
// that shows the tokens it counts.
type dashboardFigure struct {
	ID, Label, Hint, Link string
	Value                 int64
}

// dashboardData is the content of the administrators' dashboard page.
type dashboardData struct {
	D       *service.Dashboard
	Figures []dashboardFigure
	// TypeLinks is the filtered list of each type of PerType, by type.
	TypeLinks   map[string]string
	FailedChart template.HTML
	FailedTotal int64
	// CliffLinks is the filtered list of each expiry cliff, by date.
	CliffLinks map[string]string
}

// adminTokenList is the administrators' token list filtered by q.
func adminTokenList(q url.Values) string { return "/ui/admin/tokens?" + q.Encode() }

// uiDashboard shows the tenant at a glance; each figure links to the list
// of the tokens it counts.
func (s *Server) uiDashboard(w http.ResponseWriter, r *http.Request, us *uiSession) {
	d, err := s.svc.Dashboard(r.Context())
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	days := strconv.Itoa(d.WindowDays)
	active := func(k, v string) string {
		q := url.Values{"status": {tokenmint.StatusActive}}
		if k != "" {
			q.Set(k, v)
		}
		return adminTokenList(q)
	}
	data := &dashboardData{
		D: d,
		Figures: []dashboardFigure{
			{"fig-active", "Active tokens", "usable right now", active("", ""), d.Active},
			{"fig-expiring", "Expiring within " + days + " days", "active tokens that will stop working soon", active("expiring_within_days", days), d.ExpiringSoon},
			{"fig-unused", "Unused for " + days + " days", "active tokens nobody used lately (or never)", active("unused_days", days), d.Unused},
			{"fig-no-expiry", "Without expiry", "active tokens that never expire", active("no_expiry", "true"), d.NoExpiry},
		},
		TypeLinks: map[string]string{},
	}
	for _, t := range d.PerType {
		data.TypeLinks[t.Type] = active("type", t.Type)
	}
	data.CliffLinks = map[string]string{}
	for _, c := range d.ExpiryCliffs {
		data.CliffLinks[c.Date] = active("expires_on", c.Date)
	}
	points := make([]chartPoint, len(d.FailedVerifications))
	for i, f := range d.FailedVerifications {
		points[i] = chartPoint{Date: f.Date, Value: f.Count}
		data.FailedTotal += f.Count
	}
	data.FailedChart = barChartSVG("failed-chart", "Failed verifications per day, last "+days+" days", "failed verifications", points)
	pg := s.adminPage(w, r, us, "Dashboard", "dashboard")
	pg.Data = data
	s.render(w, r, http.StatusOK, "admin_dashboard", pg)
}
