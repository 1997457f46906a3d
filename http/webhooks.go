package http

import (
	"net/http"
	"time"

	"tokenmint"
	"tokenmint/service"
)

// webhookView is a webhook as the API shows it. Secret is present only in
// the answer that created it or set a new one.
type webhookView struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Enabled   bool      `json:"enabled"`
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewWebhook(wh *tokenmint.Webhook) webhookView {
	return webhookView{ID: wh.ID, URL: wh.URL, Events: wh.Events, Enabled: wh.Enabled, Secret: wh.Secret, CreatedAt: wh.CreatedAt, UpdatedAt: wh.UpdatedAt}
}

type webhookRequest struct {
	URL     *string  `json:"url"`
	Events  []string `json:"events"`
	Secret  *string  `json:"secret"`
	Enabled *bool    `json:"enabled"`
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) {
	var in webhookRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	wh, err := s.svc.CreateWebhook(r.Context(), service.WebhookInput(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+wh.ID)
	writeJSON(w, http.StatusCreated, viewWebhook(wh))
}

func (s *Server) handleListWebhooks(w http.ResponseWriter, r *http.Request) {
	in, err := pageInput(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hooks, next, err := s.svc.ListWebhooks(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]webhookView, 0, len(hooks))
	for _, wh := range hooks {
		items = append(items, viewWebhook(wh))
	}
	writePage(w, items, next)
}

func (s *Server) handleGetWebhook(w http.ResponseWriter, r *http.Request) {
	wh, err := s.svc.GetWebhook(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewWebhook(wh))
}

func (s *Server) handleUpdateWebhook(w http.ResponseWriter, r *http.Request) {
	var in webhookRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	wh, err := s.svc.UpdateWebhook(r.Context(), r.PathValue("id"), service.WebhookInput(in))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewWebhook(wh))
}

func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request) {
	ds, err := s.svc.ListDeliveries(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ds == nil {
		ds = []*tokenmint.Delivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ds})
}

// handleListTenantDeliveries serves GET /api/v1/deliveries?channel=&status=
// &limit=&cursor=: every e-mail notice and webhook post of the tenant,
// newest first, with its status, attempts and last error.
func (s *Server) handleListTenantDeliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := service.DeliveryQuery{Channel: q.Get("channel"), Status: q.Get("status"), Cursor: q.Get("cursor")}
	var err error
	if in.Limit, err = pageLimit(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	ds, next, err := s.svc.ListTenantDeliveries(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writePage(w, ds, next)
}
