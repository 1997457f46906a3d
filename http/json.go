package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"tokenmint"
)

// maxBodyBytes bounds every JSON request body.
const maxBodyBytes = 1 << 20

// decodeJSON reads exactly one JSON object into v, rejecting unknown fields,
// wrong types, trailing data and bodies over 1 MiB with EINVALID errors
// that say what was wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return tokenmint.Errorf(tokenmint.EINVALID, "Content-Type must be application/json")
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return jsonError(err)
	}
	// The decoder would quietly turn invalid UTF-8 into U+FFFD, storing a
	// name the caller never sent.
	if !utf8.Valid(body) {
		return tokenmint.Errorf(tokenmint.EINVALID, "request body must be UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return tokenmint.Errorf(tokenmint.EINVALID, "request body must hold a single JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
		dom *tokenmint.Error
	)
	switch {
	case errors.As(err, &dom):
		// A domain type's UnmarshalJSON (tokenmint.ExpiryTime) already
		// says what the field takes, in a message safe to show.
		return dom
	case errors.As(err, &mbe):
		return tokenmint.Errorf(tokenmint.EINVALID, "request body exceeds %d bytes", maxBodyBytes)
	case errors.As(err, &syn):
		return tokenmint.Errorf(tokenmint.EINVALID, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		// Field is a dotted path that includes embedded Go struct names;
		// the last element is the JSON name the caller sent.
		field := typ.Field[strings.LastIndex(typ.Field, ".")+1:]
		if field == "" {
			return tokenmint.Errorf(tokenmint.EINVALID, "request body must be a JSON object")
		}
		return tokenmint.Errorf(tokenmint.EINVALID, "field %q must be %s", field, jsonTypeName(typ.Type))
	case errors.Is(err, io.EOF):
		return tokenmint.Errorf(tokenmint.EINVALID, "request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return tokenmint.Errorf(tokenmint.EINVALID, "malformed JSON: unexpected end of body")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return tokenmint.Errorf(tokenmint.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return tokenmint.Errorf(tokenmint.EINVALID, "malformed JSON: %s", safeJSONText(err))
}

// jsonTypeName names a Go type as the JSON a caller should send, so errors
// speak JSON rather than Go.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(time.Time{}) {
		return "an RFC 3339 time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonTypeName(t.Elem()), "a "), "an ") + "s"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another JSON type"
}

// safeJSONText keeps decoder messages short; they never contain the body.
func safeJSONText(err error) string {
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return fmt.Sprint(strings.TrimPrefix(msg, "json: "))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
