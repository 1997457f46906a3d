package service

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"
)

// Webhook signing secrets must be readable by the server (it signs with
// them), so they are sealed rather than hashed: AES-256-GCM under a key
// derived from the server pepper. A database dump alone reveals none; the
// sealed value is bound to the webhook's ID so it cannot be moved to
// another webhook.

// sealKeyLabel derives the sealing key: the peppered HMAC of a fixed label.
const sealKeyLabel = "tokenmint webhook secret sealing key v1"

func (s *Service) sealKey() []byte { return s.hasher.Hash(sealKeyLabel) }

// sealSecret encrypts a webhook's signing secret.
func (s *Service) sealSecret(webhookID, plain string) ([]byte, error) {
	aead, err := newAEAD(s.sealKey())
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, []byte(plain), []byte(webhookID)), nil
}

// openSecret decrypts a sealed signing secret.
func (s *Service) openSecret(webhookID string, sealed []byte) (string, error) {
	aead, err := newAEAD(s.sealKey())
	if err != nil {
		return "", err
	}
	if len(sealed) < aead.NonceSize() {
		return "", errors.New("sealed webhook secret is too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(webhookID))
	if err != nil {
		return "", errors.New("webhook secret does not open: was the pepper changed?")
	}
	return string(plain), nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:32])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// SignatureHeader carries a webhook delivery's signature.
const SignatureHeader = "X-Tokenmint-Signature"

// SignWebhook returns the value of SignatureHeader for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 over "<unix seconds>.<body>">".
// Receivers recompute the HMAC with their secret, compare in constant time
// and reject timestamps far from their clock to stop replays.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
