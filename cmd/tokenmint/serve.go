package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"tokenmint"
)

func init() {
	commands["serve"] = command{"run the server (creates the database and an admin on first start)", runServe}
	commands["init"] = command{"create the database, the default tenant and the admin, then exit", runInit}
}

func parseServerFlags(name string, args []string, stderr io.Writer) (*serverConfig, error) {
	cfg, rest, err := parseOperatorFlags(name, args, stderr, nil)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("unexpected argument %q", rest[0])
	}
	return cfg, nil
}

// parseOperatorFlags parses the server's flags, and those extra adds, for
// a command that works on the server's installation, and returns the
// configuration (flags, environment, config file) and the arguments left.
func parseOperatorFlags(name string, args []string, stderr io.Writer, extra func(*flag.FlagSet)) (*serverConfig, []string, error) {
	cfg := &serverConfig{}
	fs := flag.NewFlagSet("tokenmint "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindFlags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, errHelp
		}
		return nil, nil, errUsage
	}
	if err := cfg.resolve(fs, os.Getenv); err != nil {
		return nil, nil, err
	}
	return cfg, fs.Args(), nil
}

func runServe(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	cfg, err := parseServerFlags("serve", args, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	flushEvery, err := parseDuration("usage-flush", cfg.UsageFlush)
	if err != nil {
		return err
	}
	headroom, err := parseGCHeadroom(cfg.GCHeadroom)
	if err != nil {
		return err
	}
	certFile, keyFile, err := cfg.tlsFiles()
	if err != nil {
		return err
	}
	var tlsCfg *tls.Config
	if certFile != "" {
		// Loaded before anything else opens, so a wrong file stops the
		// start with a clear message.
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return fmt.Errorf("tls-cert/tls-key: %w", err)
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	a, err := openApp(ctx, cfg, log, tokenmint.SystemClock{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		a.close(context.Background())
		return err
	}
	authz, err := listenExtAuthz(cfg, a, log)
	if err != nil {
		ln.Close()
		a.close(context.Background())
		return err
	}
	a.printLogin(stdout, cfg.scheme()+"://"+ln.Addr().String())
	log.Info("tokenmint listening", "addr", ln.Addr().String(), "scheme", cfg.scheme(), "data_dir", cfg.DataDir)
	if !cfg.secureCookies() {
		log.Warn("session cookies are not marked Secure: serve TLS (--tls-cert, --tls-key), give an https --issuer, or set --secure-cookies behind a TLS proxy; plain HTTP is for local use only")
	}

	srv := newHTTPServer(a.handler, defaultTimeouts, log)
	srv.TLSConfig = tlsCfg
	bg, stopBG := context.WithCancel(context.Background())
	go a.svc.Usage().Run(bg, flushEvery)
	go keepGCHeadroom(bg, headroom, log)
	for _, run := range a.background {
		go run(bg)
	}

	errc := make(chan error, 2)
	authz.serve(errc)
	go func() {
		if tlsCfg != nil {
			errc <- srv.ServeTLS(ln, "", "") // the certificate is in TLSConfig
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err = <-errc:
		// One listener failed: the other stops too, at once.
		srv.Close()
		now, cancel := context.WithCancel(context.Background())
		cancel()
		authz.shutdown(now)
	case <-ctx.Done():
		log.Info("shutting down")
		shCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		stopped := make(chan struct{})
		go func() { authz.shutdown(shCtx); close(stopped) }()
		err = srv.Shutdown(shCtx)
		<-stopped
		cancel()
	}
	stopBG()
	if cerr := a.close(context.Background()); cerr != nil {
		log.Error("close", "err", cerr)
		if err == nil {
			err = cerr
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// httpTimeouts bound how long a connection may take over each part of a
// request, so slow or stalled clients cannot hold connections (and their
// goroutines and buffers) without end.
type httpTimeouts struct {
	// ReadHeader bounds the request line and headers: a slow-loris client
	// trickling header bytes is cut off after it.
	ReadHeader time.Duration
	// Read bounds the whole request, body included.
	Read time.Duration
	// Write bounds the time from the end of the request headers to the
	// end of the answer.
	Write time.Duration
	// Idle bounds a kept-alive connection waiting for its next request.
	Idle time.Duration
}

var defaultTimeouts = httpTimeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 30 * time.Second, Idle: 2 * time.Minute}

// maxHeaderBytes bounds the request line and headers (Go's default is
// 1 MiB); a token, a session cookie and a proxy's forwarding headers fit
// many times over.
const maxHeaderBytes = 64 << 10

// newHTTPServer is the server that serves h, with the timeouts and header
// limit above. Request bodies are bounded by the handler itself.
func newHTTPServer(h http.Handler, t httpTimeouts, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    maxHeaderBytes,
		// TLS handshake failures and clients that hang up are not the
		// server's errors: debug level, not the standard logger's stderr.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

func runInit(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	cfg, err := parseServerFlags("init", args, stderr)
	if err != nil {
		return err
	}
	a, err := openOperatorApp(context.Background(), cfg, stderr)
	if err != nil {
		return err
	}
	defer a.close(context.Background())
	if !a.boot.Created {
		fmt.Fprintf(stdout, "Already initialised: %s\n", cfg.DataDir)
		return nil
	}
	a.printLogin(stdout, cfg.scheme()+"://"+cfg.Listen)
	return nil
}
