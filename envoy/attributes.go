package envoy

import (
	"strings"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
)

// Default context extension keys: Envoy sets them per route or virtual
// host (typed_per_filter_config of envoy.filters.http.ext_authz,
// check_settings.context_extensions), where only the mesh's operator can
// write them.
const (
	DefaultPermissionKey = "tokenmint.permission"
	DefaultProjectKey    = "tokenmint.project"
	DefaultTenantKey     = "tokenmint.tenant"
)

// Attributes say where a check's permission, project and tenant come
// from. A context extension wins over a header: the route's own setting
// is the operator's word, while a header may have come from the client
// unless the proxy sets or strips it. Headers are off unless named; name
// one only when the proxy in front writes it on every request.
type Attributes struct {
	PermissionKey, ProjectKey, TenantKey          string // context extension keys (defaults above)
	PermissionHeader, ProjectHeader, TenantHeader string // request header names, "" for none
}

func (a Attributes) withDefaults() Attributes {
	if a.PermissionKey == "" {
		a.PermissionKey = DefaultPermissionKey
	}
	if a.ProjectKey == "" {
		a.ProjectKey = DefaultProjectKey
	}
	if a.TenantKey == "" {
		a.TenantKey = DefaultTenantKey
	}
	return a
}

// lookup returns the value of a check attribute: the context extension
// key when the route set it, else the header when one is named and sent.
func lookup(req *authv3.CheckRequest, key, header string) (string, bool) {
	if v, ok := req.GetAttributes().GetContextExtensions()[key]; ok {
		return v, true
	}
	if header == "" {
		return "", false
	}
	lines := headerLines(req, header)
	if len(lines) == 0 {
		return "", false
	}
	return strings.Join(lines, ","), true
}

// headerLines returns the values of a request header Envoy passed on. In
// the headers map Envoy lowercases names and joins repeated lines with
// commas; with encode_raw_headers it sends header_map instead, one entry
// per line.
func headerLines(req *authv3.CheckRequest, name string) []string {
	h := req.GetAttributes().GetRequest().GetHttp()
	lower := strings.ToLower(name)
	if v, ok := h.GetHeaders()[lower]; ok {
		return []string{v}
	}
	var lines []string
	for _, e := range h.GetHeaderMap().GetHeaders() {
		if strings.EqualFold(e.GetKey(), name) {
			v := e.GetValue()
			if len(e.GetRawValue()) > 0 {
				v = string(e.GetRawValue())
			}
			lines = append(lines, v)
		}
	}
	return lines
}
