package tokenmint

import (
	"errors"
	"fmt"
)

// Error codes. The http package maps each to one status in one table.
const (
	EINVALID      = "invalid"      // bad input: 400
	ENOTFOUND     = "not_found"    // 404
	EUNAUTHORIZED = "unauthorized" // no or bad credentials: 401
	EFORBIDDEN    = "forbidden"    // valid credentials, not allowed: 403
	ECONFLICT     = "conflict"     // 409
	ETOOMANY      = "rate_limited" // 429
	EUNAVAILABLE  = "unavailable"  // a dependency is down: 503
	EINTERNAL     = "internal"     // 500; the message is never shown
)

// httpStatuses is the one table from error codes to HTTP statuses, which
// every answer built from an error uses: the REST API, the UI, and the
// Envoy ext_authz service's denied responses.
var httpStatuses = map[string]int{
	EINVALID:      400,
	ENOTFOUND:     404,
	EUNAUTHORIZED: 401,
	EFORBIDDEN:    403,
	ECONFLICT:     409,
	ETOOMANY:      429,
	EUNAVAILABLE:  503,
	EINTERNAL:     500,
}

// HTTPStatus returns the HTTP status of an error code (500 for a code it
// does not know).
func HTTPStatus(code string) int {
	if st, ok := httpStatuses[code]; ok {
		return st
	}
	return 500
}

// Error is the domain error: a code for machines and a message that is safe
// to show to the caller. Internal details belong in logs, never in Message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("tokenmint: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e := errorIn(err); e != nil {
		return e.Code
	}
	return EINTERNAL
}

// errorIn returns the *Error in err's chain, or nil. An *Error itself is
// answered without errors.As, whose target escapes: ErrorCode is asked on
// every request's hot path, mostly of nil or a bare *Error.
func errorIn(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ErrorMessage returns the safe message of the *Error in err's chain, or a
// generic text for any other error so internal details never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	if e := errorIn(err); e != nil {
		return e.Message
	}
	return "internal error"
}
