package http

import (
	"net/http"
	"strings"

	"tokenmint/service"
)

// handleJWKS publishes the public keys that verify JWT access tokens: the
// signing key and every retired key some unexpired token may carry.
func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	set, err := s.svc.Keys().JWKS(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Short caching: verifiers refetch on an unknown kid anyway.
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, set)
}

// asMetadata is the authorization server metadata of RFC 8414.
type asMetadata struct {
	Issuer                           string   `json:"issuer"`
	TokenEndpoint                    string   `json:"token_endpoint"`
	JWKSURI                          string   `json:"jwks_uri"`
	IntrospectionEndpoint            string   `json:"introspection_endpoint"`
	RevocationEndpoint               string   `json:"revocation_endpoint"`
	GrantTypesSupported              []string `json:"grant_types_supported"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	ScopesSupported                  []string `json:"scopes_supported"`
	TokenEndpointAuthMethods         []string `json:"token_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethods []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethods    []string `json:"revocation_endpoint_auth_methods_supported"`
	AccessTokenSigningAlgsSupported  []string `json:"access_token_signing_alg_values_supported"`
	ClaimsSupported                  []string `json:"claims_supported"`
	ACRValuesSupported               []string `json:"acr_values_supported,omitempty"`
	TokenExchangeTokenTypesSupported []string `json:"token_exchange_subject_token_types_supported"`
}

// baseURL is where clients reach this server: the issuer when it is a URL,
// else the request's own host.
func (s *Server) baseURL(r *http.Request) string {
	if iss := s.svc.Issuer(); strings.HasPrefix(iss, "http://") || strings.HasPrefix(iss, "https://") {
		return strings.TrimSuffix(iss, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) handleASMetadata(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	// The algorithms of the keys published now, not only the configured
	// one: after a change of --jwt-alg, tokens of the old key still verify.
	algs, err := s.svc.Keys().PublishedAlgorithms(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scopes := []string{}
	for _, p := range s.svc.Types().Universe().Sorted() {
		scopes = append(scopes, string(p))
	}
	// Vendor scope aliases (sca_api, ...) are scopes clients may ask for.
	scopes = append(scopes, s.svc.ScopeAliases().Names()...)
	auth := []string{"client_secret_basic", "client_secret_post"}
	writeJSON(w, http.StatusOK, asMetadata{
		Issuer: s.svc.Issuer(), TokenEndpoint: base + "/oauth/token", JWKSURI: base + "/.well-known/jwks.json",
		IntrospectionEndpoint: base + "/oauth/introspect", RevocationEndpoint: base + "/oauth/revoke",
		GrantTypesSupported: []string{service.GrantPassword, service.GrantClientCredentials, service.GrantRefreshToken, service.GrantTokenExchange},
		// No authorization endpoint: no response types.
		ResponseTypesSupported:           []string{},
		ScopesSupported:                  scopes,
		TokenEndpointAuthMethods:         append(auth, "none"),
		IntrospectionEndpointAuthMethods: append(auth, "bearer"),
		RevocationEndpointAuthMethods:    append(auth, "none"),
		AccessTokenSigningAlgsSupported:  algs,
		ClaimsSupported:                  []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "scope", "tenant", "tenant_id", "owner_kind", "project"},
		// Exactly one Tenant:NAME, the prefix in any case (oauth_password.go).
		ACRValuesSupported:               []string{"Tenant:NAME"},
		TokenExchangeTokenTypesSupported: []string{service.TokenTypeAccessToken},
	})
}
