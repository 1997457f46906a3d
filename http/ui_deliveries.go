package http

import (
	"net/http"
	"net/url"

	"tokenmint"
	"tokenmint/service"
)

type deliveriesData struct {
	Rows               []*tokenmint.Delivery
	Channels, Statuses []string
	// The filters as chosen.
	Channel, Status string
	Next            string
}

// uiDeliveries shows how every e-mail notice and webhook post of the
// tenant fared, newest first, filtered by channel and status.
func (s *Server) uiDeliveries(w http.ResponseWriter, r *http.Request, us *uiSession) {
	pg := s.adminPage(w, r, us, "Notifications", "deliveries")
	q := r.URL.Query()
	d := &deliveriesData{
		Channels: []string{tokenmint.ChannelEmail, tokenmint.ChannelWebhook},
		Statuses: []string{tokenmint.DeliveryPending, tokenmint.DeliveryDelivered, tokenmint.DeliveryFailed},
		Channel:  q.Get("channel"), Status: q.Get("status"),
	}
	pg.Data = d
	rows, next, err := s.svc.ListTenantDeliveries(r.Context(), service.DeliveryQuery{Channel: d.Channel, Status: d.Status, Cursor: q.Get("cursor")})
	if err != nil {
		status := s.formError(r, pg, err, fieldRule{"channel", []string{"channel"}}, fieldRule{"status", []string{"status"}}, fieldRule{"cursor", []string{"cursor"}})
		s.render(w, r, status, "admin_deliveries", pg)
		return
	}
	d.Rows = rows
	if next != "" {
		nq := url.Values{"cursor": {next}}
		if d.Channel != "" {
			nq.Set("channel", d.Channel)
		}
		if d.Status != "" {
			nq.Set("status", d.Status)
		}
		d.Next = "/ui/admin/deliveries?" + nq.Encode()
	}
	s.render(w, r, http.StatusOK, "admin_deliveries", pg)
}
