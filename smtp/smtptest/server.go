// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) on
// a loopback port and keeps every message it accepts, so tests send mail
// through the same network path production does.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data []byte
	// Header is the parsed header; Subject is decoded.
	Header  mail.Header
	Subject string
	// Auth is the user name the client authenticated as ("" for none).
	Auth string
	// TLS reports whether the message came over TLS (STARTTLS).
	TLS bool
}

// Server is a running SMTP server.
type Server struct {
	Host string
	Port int
	// TLSConfig trusts the server's self-signed certificate; give it to
	// the client when the server offers STARTTLS.
	TLSConfig *tls.Config

	srv *gosmtp.Server
	mu  sync.Mutex
	got []Message
	// users maps user names to passwords; empty means no AUTH offered.
	users map[string]string
}

// Options configure a Server.
type Options struct {
	// Users enables AUTH PLAIN with these user names and passwords.
	Users map[string]string
	// StartTLS offers STARTTLS with a self-signed certificate for
	// 127.0.0.1 and requires TLS before AUTH.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465 style).
	ImplicitTLS bool
}

// Start runs a server on 127.0.0.1:0 until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{users: opts.Users}
	srv := gosmtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = !opts.StartTLS && !opts.ImplicitTLS
	if opts.StartTLS || opts.ImplicitTLS {
		cert, pool, err := selfSigned()
		if err != nil {
			t.Fatal(err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
		srv.TLSConfig = nil // no STARTTLS inside TLS
	}
	s.Host, s.Port, s.srv = "127.0.0.1", addr.Port, srv
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

// Addr returns host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Messages returns a copy of what the server accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.got...)
}

type backend struct{ s *Server }

func (b backend) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	return &session{s: b.s, conn: c}, nil
}

type session struct {
	s    *Server
	conn *gosmtp.Conn
	msg  Message
}

func (se *session) AuthMechanisms() []string {
	if len(se.s.users) == 0 {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if want, ok := se.s.users[username]; !ok || want != password {
			return errors.New("invalid credentials")
		}
		se.msg.Auth = username
		return nil
	}), nil
}

func (se *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if len(se.s.users) > 0 && se.msg.Auth == "" {
		return &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	se.msg.From = from
	return nil
}

func (se *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	se.msg.To = append(se.msg.To, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := se.msg
	m.Data = b
	_, m.TLS = se.conn.TLSConnectionState()
	if pm, err := mail.ReadMessage(bytesReader(b)); err == nil {
		m.Header = pm.Header
		dec := new(mimeDecoder)
		m.Subject = dec.decode(pm.Header.Get("Subject"))
	}
	se.s.mu.Lock()
	se.s.got = append(se.s.got, m)
	se.s.mu.Unlock()
	se.msg = Message{Auth: se.msg.Auth}
	return nil
}

func (se *session) Reset()        { se.msg = Message{Auth: se.msg.Auth} }
func (se *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtptest"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
