package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"tokenmint"
	"tokenmint/oauth"
	"tokenmint/secret"
)

func init() {
	commands["keys"] = command{"manage the JWT signing keys: keys rotate", runKeys}
}

// oauthSetup is the OAuth2 side of the wiring: the key ring, the issuer,
// and the loop that rotates keys on schedule and drops expired state.
type oauthSetup struct {
	keys      *oauth.KeyRing
	masterKey *secret.MasterKey
	issuer    string
	loop      func(ctx context.Context)
}

// newOAuthSetup loads (or creates) the master key and builds the key ring.
func newOAuthSetup(cfg *serverConfig, store tokenmint.Store, clock tokenmint.Clock, log *slog.Logger) (*oauthSetup, error) {
	mk, err := secret.LoadOrCreateMasterKey(cfg.DataDir, cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	alg := cfg.JWTAlg
	switch strings.ToUpper(alg) {
	case "", "EDDSA", "ED25519":
		alg = tokenmint.AlgEdDSA
	case "ES256":
		alg = tokenmint.AlgES256
	default:
		return nil, fmt.Errorf("jwt-alg %q: use EdDSA or ES256", cfg.JWTAlg)
	}
	rotate := time.Duration(-1)
	if cfg.KeyRotation != "0" && cfg.KeyRotation != "" {
		if rotate, err = parseDuration("key-rotation", cfg.KeyRotation); err != nil {
			return nil, err
		}
	}
	issuer := cfg.Issuer
	if issuer == "" {
		issuer = cfg.scheme() + "://" + cfg.Listen
	}
	keys := oauth.NewKeyRing(oauth.KeyConfig{Store: store, MasterKey: mk, Clock: clock, Logger: log, Algorithm: alg, RotateEvery: rotate})
	loop := func(ctx context.Context) {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := keys.Ensure(ctx); err != nil {
				log.Error("signing key maintenance failed", "err", err)
			}
			if err := store.DeleteExpiredOAuth(ctx, clock.Now()); err != nil {
				log.Error("deleting expired OAuth state failed", "err", err)
			}
		}
	}
	if cfg.MasterKey == "" && !strings.HasPrefix(cfg.Database, "sqlite:") && cfg.Database != "" {
		log.Warn("with PostgreSQL every instance must use the same master key: set TOKENMINT_MASTER_KEY on all of them (this one uses " + filepath.Join(cfg.DataDir, secret.MasterKeyFile) + ")")
	}
	return &oauthSetup{keys: keys, masterKey: mk, issuer: issuer, loop: loop}, nil
}

func runKeys(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "usage: tokenmint keys rotate [server flags]\n\nReplaces the JWT signing key now; the old key stays published until every token it signed has expired.")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return errHelp
		}
		return errUsage
	}
	cfg, err := parseServerFlags("keys rotate", args[1:], stderr)
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := openOperatorApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close(ctx)
	if err := a.svc.Keys().Rotate(ctx); err != nil {
		return errors.Join(errors.New("rotate signing key"), err)
	}
	set, err := a.svc.Keys().JWKS(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Signing key rotated; %d key(s) published in the JWKS.\n", len(set.Keys))
	return nil
}
