package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
	cfg := &serverConfig{}
	fs := flag.NewFlagSet("tokenmint "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.resolve(fs, os.Getenv); err != nil {
		return nil, err
	}
	return cfg, nil
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
	a.printLogin(stdout, ln.Addr().String())
	log.Info("tokenmint listening", "addr", ln.Addr().String(), "data_dir", cfg.DataDir)

	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	bg, stopBG := context.WithCancel(context.Background())
	go a.svc.Usage().Run(bg, flushEvery)
	for _, run := range a.background {
		go run(bg)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
		shCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = srv.Shutdown(shCtx)
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
	a.printLogin(stdout, cfg.Listen)
	return nil
}
