package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tmhttp "tokenmint/http"
)

// selfSigned writes a certificate for 127.0.0.1 and its key as PEM files
// and returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tokenmint test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

// With --tls-cert and --tls-key the server speaks HTTPS only, a client
// that trusts the certificate signs in, and the session cookie is Secure
// without --secure-cookies.
func TestServeTLS(t *testing.T) {
	clearServerEnv(t)
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "tls-admin-password")
	certFile, keyFile, pool := selfSigned(t)
	s := startServe(t, "--data-dir", filepath.Join(t.TempDir(), "data"), "--tls-cert", certFile, "--tls-key", keyFile)
	base := "https://" + strings.TrimPrefix(s.base, "http://")
	if !strings.Contains(s.stdout.String(), "Web UI: "+base+"/ui/") {
		t.Errorf("the first start does not point at the https address:\n%s", s.stdout.String())
	}
	if strings.Contains(s.stderr.String(), "not marked Secure") {
		t.Errorf("TLS start warns about insecure cookies:\n%s", s.stderr.String())
	}

	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"admin","password":"tls-admin-password"}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("login over TLS: %d (TLS %v)", resp.StatusCode, resp.TLS != nil)
	}
	var secure bool
	for _, c := range resp.Cookies() {
		if c.Name == tmhttp.SessionCookie {
			secure = c.Secure
		}
	}
	if !secure {
		t.Errorf("session cookie over TLS is not Secure: %v", resp.Header.Values("Set-Cookie"))
	}

	// A client that does not trust the certificate is refused, and plain
	// HTTP gets no service.
	if _, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/healthz"); err == nil {
		t.Error("a client without the certificate in its roots was served")
	}
	if resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(s.base + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP is served on the TLS port")
		}
	}
}

func TestServeTLSNeedsCertAndKey(t *testing.T) {
	clearServerEnv(t)
	certFile, _, _ := selfSigned(t)
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, errs := runServer("serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--tls-cert", certFile); code == 0 || !strings.Contains(errs, "tls-key") {
		t.Errorf("--tls-cert alone: exit %d\n%s", code, errs)
	}
	if code, _, errs := runServer("serve", "--data-dir", dir, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", certFile); code == 0 || !strings.Contains(errs, "tls-cert/tls-key") {
		t.Errorf("a certificate as its own key: exit %d\n%s", code, errs)
	}
}

// Over plain HTTP with an http issuer the cookies are not Secure (local
// use keeps working) and the start says so; an https issuer makes them
// Secure without the flag.
func TestServeSecureCookiesFollowTheIssuer(t *testing.T) {
	clearServerEnv(t)
	t.Setenv("TOKENMINT_ADMIN_PASSWORD", "plain-admin-password")
	s := startServe(t, "--data-dir", filepath.Join(t.TempDir(), "data"))
	if !strings.Contains(s.stderr.String(), "not marked Secure") {
		t.Errorf("plain HTTP start does not warn about insecure cookies:\n%s", s.stderr.String())
	}
	if _, st := loginTo(t, s.base, "admin", "plain-admin-password"); st != http.StatusOK {
		t.Errorf("login over plain HTTP: %d", st)
	}
	s.stop(t)

	for _, c := range []struct {
		cfg  serverConfig
		want bool
	}{
		{serverConfig{}, false},
		{serverConfig{Issuer: "http://tokens.example"}, false},
		{serverConfig{Issuer: "https://tokens.example"}, true},
		{serverConfig{Issuer: "HTTPS://tokens.example"}, true},
		{serverConfig{TLSCert: "c.pem", TLSKey: "k.pem"}, true},
		{serverConfig{SecureCookies: true}, true},
	} {
		if got := c.cfg.secureCookies(); got != c.want {
			t.Errorf("secureCookies(issuer %q, tls %q, flag %v) = %v, want %v", c.cfg.Issuer, c.cfg.TLSCert, c.cfg.SecureCookies, got, c.want)
		}
	}
}
