// Package smtp sends tokenmint's notification e-mail over SMTP: plain,
// STARTTLS or implicit TLS, with optional PLAIN authentication. It
// implements service.Mailer.
package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	netsmtp "net/smtp"
	"strconv"
	"strings"
	"time"

	"tokenmint/secret"
)

// Security modes of the connection to the SMTP server.
const (
	SecurityNone     = "none"     // plain text (a local relay)
	SecurityStartTLS = "starttls" // upgrade with STARTTLS; refuse servers without it
	SecurityTLS      = "tls"      // implicit TLS (port 465)
)

// Config says where and how to send.
type Config struct {
	Host     string
	Port     int
	Username string // empty: no authentication
	Password string
	From     string
	Security string // none, starttls (default) or tls
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
	// Timeout bounds one whole send (default 30 s).
	Timeout time.Duration
	// Now stamps the Date header (default time.Now).
	Now func() time.Time
}

// Mailer sends mail through one SMTP server. It opens a connection per
// message: notices are rare, and a fresh connection never finds a server
// that timed the previous one out.
type Mailer struct {
	cfg Config
}

// New checks cfg and returns a Mailer.
func New(cfg Config) (*Mailer, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: host is required")
	}
	if cfg.Security == "" {
		cfg.Security = SecurityStartTLS
	}
	switch cfg.Security {
	case SecurityNone, SecurityStartTLS, SecurityTLS:
	default:
		return nil, fmt.Errorf("smtp: security %q: use none, starttls or tls", cfg.Security)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
		if cfg.Security == SecurityTLS {
			cfg.Port = 465
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp: port %d out of range", cfg.Port)
	}
	if err := checkAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("smtp: from: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Mailer{cfg: cfg}, nil
}

// checkAddress refuses what could inject headers or SMTP commands.
func checkAddress(a string) error {
	if a == "" || strings.ContainsAny(a, "\r\n<>") || !strings.Contains(a, "@") {
		return fmt.Errorf("%q is not a usable e-mail address", a)
	}
	return nil
}

// Send delivers one plain-text message to one recipient.
func (m *Mailer) Send(ctx context.Context, to, subject, text string) error {
	if err := checkAddress(to); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	c, err := m.dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := m.send(c, to, m.message(to, subject, text)); err != nil {
		return err
	}
	return c.Quit()
}

func (m *Mailer) tlsConfig() *tls.Config {
	if m.cfg.TLSConfig != nil {
		return m.cfg.TLSConfig
	}
	return &tls.Config{ServerName: m.cfg.Host, MinVersion: tls.VersionTLS12}
}

// dial connects and, as configured, secures the connection.
func (m *Mailer) dial(ctx context.Context) (*netsmtp.Client, error) {
	addr := net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: connect %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if m.cfg.Security == SecurityTLS {
		tc := tls.Client(conn, m.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("smtp: TLS with %s: %w", addr, err)
		}
		conn = tc
	}
	c, err := netsmtp.NewClient(conn, m.cfg.Host)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("smtp: greeting from %s: %w", addr, err)
	}
	if m.cfg.Security == SecurityStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			c.Close()
			return nil, fmt.Errorf("smtp: %s does not offer STARTTLS; set security to tls or none", addr)
		}
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			c.Close()
			return nil, fmt.Errorf("smtp: STARTTLS with %s: %w", addr, err)
		}
	}
	if m.cfg.Username != "" {
		// PlainAuth sends the password only over TLS or to localhost.
		if err := c.Auth(netsmtp.PlainAuth("", m.cfg.Username, m.cfg.Password, m.cfg.Host)); err != nil {
			c.Close()
			return nil, fmt.Errorf("smtp: authentication as %s failed: %w", m.cfg.Username, err)
		}
	}
	return c, nil
}

func (m *Mailer) send(c *netsmtp.Client, to string, msg []byte) error {
	if err := c.Mail(m.cfg.From); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("smtp: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		w.Close()
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: message refused: %w", err)
	}
	return nil
}

// message renders headers and a quoted-printable UTF-8 body.
func (m *Mailer) message(to, subject, text string) []byte {
	var b bytes.Buffer
	domain := m.cfg.From[strings.LastIndexByte(m.cfg.From, '@')+1:]
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", m.cfg.From)
	hdr("To", to)
	hdr("Subject", mime.QEncoding.Encode("utf-8", strings.NewReplacer("\r", " ", "\n", " ").Replace(subject)))
	hdr("Date", m.cfg.Now().Format(time.RFC1123Z))
	hdr("Message-ID", "<"+secret.Opaque(18)+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `text/plain; charset="utf-8"`)
	hdr("Content-Transfer-Encoding", "quoted-printable")
	hdr("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
	_ = qp.Close()
	return b.Bytes()
}
