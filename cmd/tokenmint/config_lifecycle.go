package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"tokenmint/service"
	"tokenmint/smtp"
)

// lifecycleConfig holds the settings of background jobs and notifications.
type lifecycleConfig struct {
	SMTPHost     string
	SMTPPort     string
	SMTPUsername string
	SMTPPassword string // environment only: TOKENMINT_SMTP_PASSWORD
	SMTPFrom     string
	SMTPSecurity string
	JobInterval  string
	// WebhookAllowedNetworks lists internal ranges webhooks may reach.
	WebhookAllowedNetworks string
}

func (c *lifecycleConfig) lifecycleSettings() []setting {
	return []setting{
		{"smtp-host", "TOKENMINT_SMTP_HOST", "SMTP server for expiry and leak notices (empty: no e-mail)", "", &c.SMTPHost},
		{"smtp-port", "TOKENMINT_SMTP_PORT", "SMTP port (default 587, or 465 with --smtp-starttls tls)", "", &c.SMTPPort},
		{"smtp-username", "TOKENMINT_SMTP_USERNAME", "SMTP user name (password from env TOKENMINT_SMTP_PASSWORD)", "", &c.SMTPUsername},
		{"smtp-from", "TOKENMINT_SMTP_FROM", "sender address of notices", "", &c.SMTPFrom},
		{"smtp-starttls", "TOKENMINT_SMTP_STARTTLS", "SMTP connection security: none, starttls or tls", "starttls", &c.SMTPSecurity},
		{"webhook-allowed-networks", "TOKENMINT_WEBHOOK_ALLOWED_NETWORKS", "comma-separated internal IPs/CIDRs webhooks may reach (public addresses always can)", "", &c.WebhookAllowedNetworks},
		{"job-interval", "TOKENMINT_JOB_INTERVAL", "how often the lifecycle jobs (expiry, inactivity, notices) run", "1m", &c.JobInterval},
	}
}

// lifecycle builds the service's lifecycle settings: the mailer (when an
// SMTP host is set), the job interval and the webhooks' allowed networks.
func (c *lifecycleConfig) lifecycle(log *slog.Logger) (service.LifecycleConfig, error) {
	var out service.LifecycleConfig
	var err error
	if out.WebhookAllowedNetworks, err = parsePrefixList("webhook-allowed-networks", c.WebhookAllowedNetworks); err != nil {
		return out, err
	}
	if c.JobInterval != "" { // empty: the service's default
		if out.JobInterval, err = parseDuration("job-interval", c.JobInterval); err != nil {
			return out, err
		}
	}
	if c.SMTPHost == "" {
		log.Info("e-mail notices are off: no --smtp-host")
		return out, nil
	}
	port := 0
	if c.SMTPPort != "" {
		if port, err = strconv.Atoi(c.SMTPPort); err != nil {
			return out, fmt.Errorf("smtp-port %q is not a number", c.SMTPPort)
		}
	}
	m, err := smtp.New(smtp.Config{
		Host: c.SMTPHost, Port: port, Username: c.SMTPUsername, Password: c.SMTPPassword,
		From: c.SMTPFrom, Security: c.SMTPSecurity, Timeout: 30 * time.Second,
	})
	if err != nil {
		return out, err
	}
	out.Mailer = m
	return out, nil
}
