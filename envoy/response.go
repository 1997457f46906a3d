package envoy

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"

	"tokenmint"
	"tokenmint/service"
)

// The identity headers an allowed request carries to the upstream.
const (
	HeaderSubject    = "X-Auth-Subject"
	HeaderTenant     = "X-Auth-Tenant"
	HeaderOwnerKind  = "X-Auth-Owner-Kind"
	HeaderTokenID    = "X-Auth-Token-Id"
	HeaderTokenType  = "X-Auth-Token-Type"
	HeaderProject    = "X-Auth-Project"
	HeaderExpiration = "X-Token-Expiration"
)

// identityHeaders are removed from an allowed request unless this check
// sets them, so a client cannot slip its own X-Auth-Project (or an
// expiry) past a check that had none to give.
var identityHeaders = []string{HeaderSubject, HeaderTenant, HeaderOwnerKind, HeaderTokenID, HeaderTokenType, HeaderProject, HeaderExpiration}

// allowed is the OK answer: the identity headers for the upstream
// (overwriting any the client sent) and X-Token-Expiration for the
// client, as GET /api/v1/auth/verify answers it.
func allowed(res *service.VerifyResult, tenant string) *authv3.CheckResponse {
	set := map[string]string{
		HeaderSubject: res.Token.OwnerID, HeaderTenant: tenant, HeaderOwnerKind: res.Token.OwnerKind,
		HeaderTokenID: res.Token.ID, HeaderTokenType: res.Token.Type,
	}
	if res.ProjectID != "" {
		set[HeaderProject] = res.ProjectID
	}
	var toClient []*corev3.HeaderValueOption
	if exp := res.ExpiresAt(); exp != nil {
		v := exp.UTC().Format(time.RFC3339)
		set[HeaderExpiration] = v
		toClient = append(toClient, overwrite(HeaderExpiration, v))
	}
	toClient = appendRateLimitHeaders(toClient, res.Rate)
	ok := &authv3.OkHttpResponse{ResponseHeadersToAdd: toClient}
	for _, h := range identityHeaders {
		if v, has := set[h]; has {
			ok.Headers = append(ok.Headers, overwrite(h, v))
		} else {
			ok.HeadersToRemove = append(ok.HeadersToRemove, h)
		}
	}
	return &authv3.CheckResponse{
		Status:       &rpcstatus.Status{Code: int32(codes.OK)},
		HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: ok},
	}
}

func overwrite(name, value string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{
		Header:       &corev3.HeaderValue{Key: name, Value: value},
		AppendAction: corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	}
}

// denial is a refusal as Envoy passes it to the client.
type denial struct {
	code       string // the domain error code
	message    string // safe to show
	outcome    string // the metric label
	httpStatus int
	grpcCode   codes.Code
	retryAfter time.Duration // rate limited: when to try again
	rate       *service.RateState
}

// outcomeOf maps domain error codes to the gRPC code of the check's
// status and the metric label; the HTTP status of the denied answer is the
// one the HTTP endpoint sends (tokenmint.HTTPStatus).
var outcomeOf = map[string]struct {
	grpcCode codes.Code
	outcome  string
}{
	tokenmint.EUNAUTHORIZED: {codes.Unauthenticated, "unauthorized"},
	tokenmint.EFORBIDDEN:    {codes.PermissionDenied, "forbidden"},
	tokenmint.EINVALID:      {codes.InvalidArgument, "invalid"},
	tokenmint.ETOOMANY:      {codes.ResourceExhausted, "rate_limited"},
	tokenmint.EUNAVAILABLE:  {codes.Unavailable, "unavailable"},
	tokenmint.ENOTFOUND:     {codes.NotFound, "error"},
	tokenmint.ECONFLICT:     {codes.Aborted, "error"},
	tokenmint.EINTERNAL:     {codes.Internal, "error"},
}

func denialOf(err error) denial {
	var d denial
	var rl *service.RateLimitError
	if errors.As(err, &rl) {
		d.retryAfter, d.rate = rl.RetryAfter, rl.State
		err = tokenmint.Errorf(tokenmint.ETOOMANY, "%s", rl.Message())
	}
	d.code, d.message = tokenmint.ErrorCode(err), tokenmint.ErrorMessage(err)
	o, ok := outcomeOf[d.code]
	if !ok {
		o = outcomeOf[tokenmint.EINTERNAL]
	}
	d.httpStatus, d.grpcCode, d.outcome = tokenmint.HTTPStatus(d.code), o.grpcCode, o.outcome
	return d
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// response is the denied answer: the status and JSON error body the HTTP
// endpoint would send, WWW-Authenticate on 401 and 403, Retry-After on
// 429.
func (d denial) response() *authv3.CheckResponse {
	var body errorBody
	body.Error.Code, body.Error.Message = d.code, d.message
	b, _ := json.Marshal(body)
	headers := []*corev3.HeaderValueOption{overwrite("Content-Type", "application/json")}
	switch d.httpStatus {
	case 401:
		headers = append(headers, overwrite("WWW-Authenticate", `Bearer realm="tokenmint", error="invalid_token"`))
	case 403:
		headers = append(headers, overwrite("WWW-Authenticate", `Bearer realm="tokenmint", error="insufficient_scope"`))
	case 429:
		headers = append(headers, overwrite("Retry-After", strconv.Itoa(tokenmint.RetryAfterSeconds(d.retryAfter))))
		if d.rate != nil {
			headers = appendRateLimitHeaders(headers, *d.rate)
		}
	}
	return &authv3.CheckResponse{
		Status: &rpcstatus.Status{Code: int32(d.grpcCode), Message: d.message},
		HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode(d.httpStatus)},
			Headers: headers,
			Body:    string(b) + "\n",
		}},
	}
}

// appendRateLimitHeaders adds the RateLimit header fields of a
// rate-limited token (none for an unlimited one), for the client: on the
// allowed answer as response headers, on the denied one with Retry-After.
func appendRateLimitHeaders(h []*corev3.HeaderValueOption, st service.RateState) []*corev3.HeaderValueOption {
	if st.Limit == 0 {
		return h
	}
	return append(h,
		overwrite("RateLimit-Limit", strconv.Itoa(st.Limit)),
		overwrite("RateLimit-Remaining", strconv.Itoa(st.Remaining)),
		overwrite("RateLimit-Reset", strconv.Itoa(st.Reset)))
}
