package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"tokenmint"
)

// SQLSTATE codes this package reacts to.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeQueryCanceled        = "57014" // statement_timeout
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03" // starting up or shutting down
	codeTooManyConnections   = "53300"
	// A text parameter the server cannot hold: a NUL byte or bytes that
	// are not UTF-8 (character_not_in_repertoire), or a character with no
	// equivalent in the server's encoding (untranslatable_character).
	codeCharacterNotInRepertoire = "22021"
	codeUntranslatableCharacter  = "22P05"
)

// errBadText refuses a text parameter PostgreSQL cannot store or compare.
// Such text comes from the caller (a path segment, a query parameter, a
// JSON string with \u0000), so it is bad input, not an internal error.
var errBadText = tokenmint.Errorf(tokenmint.EINVALID, "text contains a NUL byte or invalid UTF-8")

// sqlState returns the SQLSTATE of a server error, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// retryable reports whether a failed transaction may simply be run again:
// PostgreSQL aborted it for a conflict with another transaction, or it
// failed before anything reached the server.
func retryable(err error) bool {
	switch sqlState(err) {
	case codeSerializationFailure, codeDeadlockDetected:
		return true
	}
	return pgconn.SafeToRetry(err)
}

// errUnavailable is what callers see when the database cannot be reached;
// the http package answers 503 for it.
var errUnavailable = tokenmint.Errorf(tokenmint.EUNAVAILABLE, "database unavailable")

// isUnavailable reports whether err means the database could not be
// reached or is not accepting work: the connection failed or broke, the
// server is shutting down, starting up or full, or the statement ran out
// of time.
func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up; the database may be fine
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	if code := sqlState(err); code != "" {
		switch code {
		case codeAdminShutdown, codeCrashShutdown, codeCannotConnectNow,
			codeTooManyConnections, codeQueryCanceled:
			return true
		}
		return strings.HasPrefix(code, "08") // connection exception
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, context.DeadlineExceeded) ||
		pgconn.Timeout(err)
}

// wrap annotates an unexpected error with the operation. Domain errors pass
// through unchanged. An unreachable database becomes EUNAVAILABLE and text
// the server refuses to hold EINVALID; anything else is not a
// *tokenmint.Error, so callers treat it as internal and never show its
// text, which may quote SQL or values.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *tokenmint.Error
	if errors.As(err, &e) {
		return err
	}
	switch sqlState(err) {
	case codeCharacterNotInRepertoire, codeUntranslatableCharacter:
		return errBadText
	}
	if isUnavailable(err) {
		return &unavailableError{op: op, err: err}
	}
	return &opError{op: op, err: err}
}

// writeErr turns the error of an INSERT into a domain error. The messages
// name only the object kind, never driver text.
func writeErr(err error, what, op string) error {
	switch sqlState(err) {
	case codeUniqueViolation:
		return tokenmint.Errorf(tokenmint.ECONFLICT, "%s already exists", what)
	case codeForeignKeyViolation:
		return tokenmint.Errorf(tokenmint.ENOTFOUND, "%s refers to something that does not exist", what)
	}
	return wrap(op, err)
}

// readErr turns the error of a single-row query into a domain error.
func readErr(err error, what, op string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return notFound(what)
	}
	return wrap(op, err)
}

// notFound is the ENOTFOUND error for an object kind.
func notFound(what string) error {
	return tokenmint.Errorf(tokenmint.ENOTFOUND, "%s not found", what)
}

// checkAffected returns ENOTFOUND when an UPDATE or DELETE matched no row.
func checkAffected(tag pgconn.CommandTag, what string) error {
	if tag.RowsAffected() == 0 {
		return notFound(what)
	}
	return nil
}

// opError is an internal error: logged, never shown.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return "postgres: " + e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// unavailableError carries both the domain error EUNAVAILABLE, for the
// caller's answer, and the driver's error, for the log.
type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string {
	return "postgres: " + e.op + ": database unavailable: " + e.err.Error()
}

func (e *unavailableError) Unwrap() []error { return []error{errUnavailable, e.err} }
