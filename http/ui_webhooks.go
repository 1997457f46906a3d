package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"tokenmint"
	"tokenmint/service"
)

type webhookForm struct {
	URL    string
	Events map[string]bool
}

type webhooksData struct {
	Webhooks   []*tokenmint.Webhook
	EventTypes []string
	Form       webhookForm
}

var webhookRules = []fieldRule{
	{"url", []string{"url"}},
	{"events", []string{"event"}},
	{"secret", []string{"secret"}},
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, us *uiSession, pg *page, status int, form webhookForm) {
	hooks, err := s.allWebhooks(r.Context())
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg.Data = webhooksData{Webhooks: hooks, EventTypes: tokenmint.EventTypes, Form: form}
	s.render(w, r, status, "admin_webhooks", pg)
}

func (s *Server) uiWebhooks(w http.ResponseWriter, r *http.Request, us *uiSession) {
	all := map[string]bool{}
	for _, e := range tokenmint.EventTypes {
		all[e] = true
	}
	s.renderWebhooks(w, r, us, s.adminPage(w, r, us, "Webhooks", "webhooks"), http.StatusOK, webhookForm{Events: all})
}

// formList reads repeated checkbox values, without duplicates, in order.
func formList(r *http.Request, name string) ([]string, map[string]bool) {
	out := []string{}
	set := map[string]bool{}
	for _, v := range r.PostForm[name] {
		if !set[v] {
			out = append(out, v)
			set[v] = true
		}
	}
	return out, set
}

func (s *Server) uiCreateWebhook(w http.ResponseWriter, r *http.Request, us *uiSession) {
	events, set := formList(r, "events")
	form := webhookForm{URL: strings.TrimSpace(r.PostForm.Get("url")), Events: set}
	in := service.WebhookInput{URL: &form.URL, Events: events}
	if sec := r.PostForm.Get("secret"); sec != "" {
		in.Secret = &sec
	}
	hook, err := s.svc.CreateWebhook(r.Context(), in)
	if err != nil {
		pg := s.adminPage(w, r, us, "Webhooks", "webhooks")
		status := s.formError(r, pg, err, webhookRules...)
		s.renderWebhooks(w, r, us, pg, status, form)
		return
	}
	s.renderSecretOnce(w, r, us, "webhooks", secretOnceData{
		Heading: "Webhook created",
		Secrets: []shownSecret{{ID: "webhook-secret", Label: "Signing secret (HMAC-SHA256)", Value: hook.Secret}},
		Facts:   []fact{{"URL", hook.URL}, {"Events", strings.Join(hook.Events, ", ")}},
		// The webhook's page shows its deliveries.
		CloseURL: "/ui/admin/webhooks/" + url.PathEscape(hook.ID),
	})
}

type webhookPageData struct {
	Webhook    *tokenmint.Webhook
	Deliveries []*tokenmint.Delivery
}

func (s *Server) uiWebhookPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	ctx := r.Context()
	hook, err := s.svc.GetWebhook(ctx, r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	ds, err := s.svc.ListDeliveries(ctx, hook.ID)
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	pg := s.adminPage(w, r, us, "Webhook", "webhooks")
	pg.Data = webhookPageData{Webhook: hook, Deliveries: ds}
	s.render(w, r, http.StatusOK, "admin_webhook", pg)
}

func (s *Server) uiSetWebhookEnabled(w http.ResponseWriter, r *http.Request, us *uiSession) {
	enabled, err := strconv.ParseBool(r.PostForm.Get("enabled"))
	if err != nil {
		s.uiError(w, r, us, tokenmint.Errorf(tokenmint.EINVALID, "enabled must be true or false"))
		return
	}
	hook, err := s.svc.UpdateWebhook(r.Context(), r.PathValue("id"), service.WebhookInput{Enabled: &enabled})
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	msg := "Webhook enabled."
	if !enabled {
		msg = "Webhook disabled: no new deliveries are made to it."
	}
	redirectWith(w, r, "/ui/admin/webhooks/"+url.PathEscape(hook.ID), msg)
}

func (s *Server) uiDeleteWebhookPage(w http.ResponseWriter, r *http.Request, us *uiSession) {
	hook, err := s.svc.GetWebhook(r.Context(), r.PathValue("id"))
	if err != nil {
		s.uiError(w, r, us, err)
		return
	}
	p := "/ui/admin/webhooks/" + url.PathEscape(hook.ID)
	s.renderConfirm(w, r, us, "webhooks", confirmData{
		Heading: "Delete webhook?", Text: "Deliveries to " + hook.URL + " stop, and their history is deleted. This cannot be undone.",
		Action: p + "/delete", Button: "Delete webhook", CancelURL: p,
	})
}

func (s *Server) uiDeleteWebhook(w http.ResponseWriter, r *http.Request, us *uiSession) {
	if err := s.svc.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		s.uiError(w, r, us, err)
		return
	}
	redirectWith(w, r, "/ui/admin/webhooks", "Webhook deleted.")
}
