package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tokenmint"
)

// The mapping of driver errors to domain errors, case by case; the
// conformance suite and the outage test check it end to end.
func TestErrorMapping(t *testing.T) {
	pg := func(code string) error {
		return &pgconn.PgError{Code: code, Message: `duplicate key value violates unique constraint "users_pkey"`}
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"unique", writeErr(pg("23505"), "user", "create user"), tokenmint.ECONFLICT, "user already exists"},
		{"foreign key", writeErr(pg("23503"), "token", "create token"), tokenmint.ENOTFOUND, "token refers to something that does not exist"},
		{"no rows", readErr(pgx.ErrNoRows, "token", "read token"), tokenmint.ENOTFOUND, "token not found"},
		{"admin shutdown", wrap("ping", pg("57P01")), tokenmint.EUNAVAILABLE, "database unavailable"},
		{"starting up", wrap("ping", pg("57P03")), tokenmint.EUNAVAILABLE, "database unavailable"},
		{"statement timeout", wrap("list tokens", pg("57014")), tokenmint.EUNAVAILABLE, "database unavailable"},
		{"connection exception", wrap("ping", pg("08006")), tokenmint.EUNAVAILABLE, "database unavailable"},
		{"broken connection", wrap("ping", fmt.Errorf("receive message: %w", io.ErrUnexpectedEOF)), tokenmint.EUNAVAILABLE, "database unavailable"},
		{"deadline", wrap("ping", context.DeadlineExceeded), tokenmint.EUNAVAILABLE, "database unavailable"},
		{"caller gave up", wrap("ping", fmt.Errorf("timeout: %w", context.Canceled)), tokenmint.EINTERNAL, "internal error"},
		{"other server error", wrap("create user", pg("22P02")), tokenmint.EINTERNAL, "internal error"},
		{"NUL or invalid UTF-8", wrap("read token", pg("22021")), tokenmint.EINVALID, "text contains a NUL byte or invalid UTF-8"},
		{"untranslatable character", wrap("list audit", pg("22P05")), tokenmint.EINVALID, "text contains a NUL byte or invalid UTF-8"},
		{"bad text in an insert", writeErr(pg("22021"), "user", "create user"), tokenmint.EINVALID, "text contains a NUL byte or invalid UTF-8"},
		{"bad text in a transaction", wrap("transaction", fmt.Errorf("tx: %w", pg("22021"))), tokenmint.EINVALID, "text contains a NUL byte or invalid UTF-8"},
		{"domain error passes", wrap("x", tokenmint.Errorf(tokenmint.EINVALID, "bad")), tokenmint.EINVALID, "bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tokenmint.ErrorCode(tc.err); got != tc.code {
				t.Errorf("code = %q, want %q (%v)", got, tc.code, tc.err)
			}
			if got := tokenmint.ErrorMessage(tc.err); got != tc.msg {
				t.Errorf("message = %q, want %q", got, tc.msg)
			}
		})
	}
	if wrap("x", nil) != nil {
		t.Error("wrap(nil) is not nil")
	}
	// The driver's error stays in the chain for logs and for errors.Is.
	err := wrap("ping", fmt.Errorf("read: %w", io.ErrUnexpectedEOF))
	if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("wrapped error %v lost its cause", err)
	}
}

func TestRetryable(t *testing.T) {
	for code, want := range map[string]bool{"40001": true, "40P01": true, "23505": false, "57014": false} {
		if got := retryable(fmt.Errorf("tx: %w", &pgconn.PgError{Code: code})); got != want {
			t.Errorf("retryable(%s) = %v, want %v", code, got, want)
		}
	}
}
