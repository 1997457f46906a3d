package sqlite

import (
	"database/sql"
	"errors"

	"tokenmint"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteCode returns the extended result code of a driver error, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// isForeignKey reports whether err is a FOREIGN KEY violation: the row
// refers to something that does not exist (in its tenant).
func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// writeErr turns the error of an INSERT into a domain error. The messages
// name only the object kind: driver text can quote SQL and values, which
// must not reach a caller.
func writeErr(err error, what, op string) error {
	switch {
	case err == nil:
		return nil
	case isUnique(err):
		return tokenmint.Errorf(tokenmint.ECONFLICT, "%s already exists", what)
	case isForeignKey(err):
		return tokenmint.Errorf(tokenmint.ENOTFOUND, "%s refers to something that does not exist", what)
	}
	return wrap(op, err)
}

// readErr turns the error of a single-row query into a domain error.
func readErr(err error, what, op string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	return wrap(op, err)
}

// notFound is the ENOTFOUND error for an object kind.
func notFound(what string) error {
	return tokenmint.Errorf(tokenmint.ENOTFOUND, "%s not found", what)
}

// wrap annotates an unexpected error; it is not an *tokenmint.Error, so
// callers treat it as internal and never show its text.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *tokenmint.Error
	if errors.As(err, &e) {
		return err
	}
	if isUnavailable(err) {
		return &unavailableError{op: op, err: err}
	}
	return &opError{op: op, err: err}
}

// errUnavailable is what callers see when the database file cannot serve
// the request; the http package answers 503 for it.
var errUnavailable = tokenmint.Errorf(tokenmint.EUNAVAILABLE, "database unavailable")

// isUnavailable reports whether err means the database cannot be used
// now, rather than that the request was wrong: the disk is full or
// read-only, an I/O error, the file is locked past the busy timeout, out
// of memory, or the database (or a statement it prepared) was closed.
// Such errors pass when the operator fixes the cause, so callers must not
// take them for a bad credential or a bad request.
func isUnavailable(err error) bool {
	if errors.Is(err, sql.ErrConnDone) || (err != nil && closedText[err.Error()]) {
		return true
	}
	switch sqliteCode(err) & 0xff { // the primary result code
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY,
		sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_CANTOPEN:
		return true
	}
	return false
}

// closedText are database/sql's unexported errors for a closed pool and a
// closed prepared statement. The store closes its prepared statements
// when it closes, so a statement closed under a request is the database
// closed, not a bad request.
var closedText = map[string]bool{"sql: database is closed": true, "sql: statement is closed": true}

// unavailableError carries both the domain error EUNAVAILABLE, for the
// caller's answer, and the driver's error, for the log.
type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string {
	return "sqlite: " + e.op + ": database unavailable: " + e.err.Error()
}

func (e *unavailableError) Unwrap() []error { return []error{errUnavailable, e.err} }

type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return "sqlite: " + e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// checkAffected returns ENOTFOUND when an UPDATE or DELETE matched no row.
func checkAffected(res sql.Result, what, op string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}
