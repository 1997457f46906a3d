package http

import (
	"errors"
	"net/http"
	"strconv"

	"tokenmint"
	"tokenmint/service"
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers with the JSON error shape. Internal errors are logged
// with their detail and shown to the caller only as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var rl *service.RateLimitError
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(tokenmint.RetryAfterSeconds(rl.RetryAfter)))
		if rl.State != nil {
			setRateLimitHeaders(w.Header(), *rl.State)
		}
		err = tokenmint.Errorf(tokenmint.ETOOMANY, "%s", rl.Message())
	}
	code := tokenmint.ErrorCode(err)
	status := tokenmint.HTTPStatus(code)
	switch status {
	case http.StatusInternalServerError:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case http.StatusServiceUnavailable:
		s.log.Warn("dependency unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
	default:
		s.log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "code", code)
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tokenmint"`)
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: tokenmint.ErrorMessage(err)}})
}
