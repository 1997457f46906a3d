package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

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
	body := http.MaxBytesReader(w, r.Body, maxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return tokenmint.Errorf(tokenmint.EINVALID, "request body must hold a single JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		mbe *http.MaxBytesError
	)
	switch {
	case errors.As(err, &mbe):
		return tokenmint.Errorf(tokenmint.EINVALID, "request body exceeds %d bytes", maxBodyBytes)
	case errors.As(err, &syn):
		return tokenmint.Errorf(tokenmint.EINVALID, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		// Field is a dotted path that includes embedded Go struct names;
		// the last element is the JSON name the caller sent.
		field := typ.Field[strings.LastIndex(typ.Field, ".")+1:]
		return tokenmint.Errorf(tokenmint.EINVALID, "field %q must be %s", field, typ.Type.String())
	case errors.Is(err, io.EOF):
		return tokenmint.Errorf(tokenmint.EINVALID, "request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return tokenmint.Errorf(tokenmint.EINVALID, "malformed JSON: unexpected end of body")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return tokenmint.Errorf(tokenmint.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return tokenmint.Errorf(tokenmint.EINVALID, "malformed JSON: %s", safeJSONText(err))
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
