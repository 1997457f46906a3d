package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLifecycleSettings(t *testing.T) {
	file := writeYAML(t, "smtp-host: mail.example.com\nsmtp-from: tm@example.com\njob-interval: 5m\n")
	env := map[string]string{
		"TOKENMINT_SMTP_PORT":                "2525",
		"TOKENMINT_SMTP_PASSWORD":            "env-only-password",
		"TOKENMINT_SMTP_STARTTLS":            "none",
		"TOKENMINT_WEBHOOK_ALLOWED_NETWORKS": "10.1.2.0/24, fd12::1",
	}
	cfg, err := resolveWith(t, []string{"--config", file, "--smtp-username", "mailer", "--job-interval", "30s"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMTPHost != "mail.example.com" || cfg.SMTPPort != "2525" || cfg.SMTPUsername != "mailer" ||
		cfg.SMTPPassword != "env-only-password" || cfg.SMTPSecurity != "none" || cfg.JobInterval != "30s" || cfg.SMTPFrom != "tm@example.com" {
		t.Errorf("resolved %+v", cfg.lifecycleConfig)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	lc, err := cfg.lifecycle(log)
	if err != nil || lc.Mailer == nil || lc.JobInterval != 30*time.Second {
		t.Errorf("lifecycle config = %+v, %v", lc, err)
	}
	if got := fmt.Sprint(lc.WebhookAllowedNetworks); got != "[10.1.2.0/24 fd12::1/128]" {
		t.Errorf("webhook allowed networks = %s", got)
	}
	// The password is a secret: it has no flag and no config file key.
	if _, err := resolveWith(t, []string{"--config", writeYAML(t, "smtp-password: x\n")}, nil); err == nil || !strings.Contains(err.Error(), "smtp-password") {
		t.Errorf("smtp-password in the config file: %v", err)
	}
	for _, bad := range []lifecycleConfig{
		{JobInterval: "soon"},
		{SMTPHost: "mail.example.com", SMTPFrom: "tm@example.com", SMTPPort: "smtp"},
		{SMTPHost: "mail.example.com", SMTPFrom: "tm@example.com", SMTPSecurity: "ssl"},
		{SMTPHost: "mail.example.com"},
		{WebhookAllowedNetworks: "10.0.0.0/33"},
	} {
		if _, err := bad.lifecycle(log); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if lc, err := (&lifecycleConfig{}).lifecycle(log); err != nil || lc.Mailer != nil {
		t.Errorf("no SMTP host: %+v, %v; want e-mail off", lc, err)
	}
}
