package http_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzOAuthTokenForm posts arbitrary forms (grant_type, scope, acr_values,
// username and password, client_id and client_secret, subject and refresh
// tokens) to /oauth/token through the real handler, with or without HTTP
// Basic client authentication. The answer is never a 5xx nor anything but
// JSON, and never a token unless the request carries a real secret: the
// admin's password, the client's secret or credential, or a real token.
// In the form and the Basic user and password, {password}, {client_id},
// {secret}, {credential} and {token} stand for the real values, so the
// fuzzer mutates around them.
func FuzzOAuthTokenForm(f *testing.F) {
	e := newFuzzEnv(f)
	app := e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/applications", `{"name":"fuzz-client","access_types":["read-only","introspect"]}`)
	cred := e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/applications/"+app["id"].(string)+"/credentials", "")
	tok := e.mustAdmin(f, http.StatusCreated, "POST", "/api/v1/tokens", `{"name":"fuzz","type":"UserToken"}`)
	secrets := []string{adminPassword, cred["client_secret"].(string), cred["credential"].(string), tok["token"].(string), tok["encoded"].(string)}
	expand := strings.NewReplacer("{password}", url.QueryEscape(adminPassword), "{client_id}", cred["client_id"].(string),
		"{secret}", cred["client_secret"].(string), "{credential}", cred["credential"].(string), "{token}", tok["token"].(string))

	for _, s := range []struct {
		auth                 uint8
		form, user, password string
	}{
		{0, "grant_type=password&username=admin&password={password}", "", ""},
		{0, "grant_type=password&username=admin&password={password}&scope=api:read&acr_values=urn:tokenmint:mfa", "", ""},
		{0, "grant_type=password&username=admin&password=wrong", "", ""},
		{0, "grant_type=password&username=ADMIN&password={password}x", "", ""},
		{1, "grant_type=client_credentials&scope=api:read", "{client_id}", "{secret}"},
		{1, "grant_type=client_credentials", "{client_id}", "{secret}x"},
		{1, "grant_type=client_credentials&client_secret={secret}", "{client_id}", "{secret}"},
		{0, "grant_type=client_credentials&client_id={client_id}&client_secret={secret}&scope=api:read%20tokens:write", "", ""},
		{0, "grant_type=client_credentials&client_id={client_id}", "", ""},
		{2, "grant_type=client_credentials", "", ""},
		{0, "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token={token}&subject_token_type=urn:ietf:params:oauth:token-type:access_token&client_id={client_id}&client_secret={secret}", "", ""},
		{0, "grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token={token}x&subject_token_type=urn:ietf:params:oauth:token-type:access_token", "", ""},
		{0, "grant_type=refresh_token&refresh_token=tmr_000000000000000000000000000000000000", "", ""},
		{0, "grant_type=authorization_code&code=x", "", ""},
		{0, "grant_type=password&grant_type=client_credentials", "", ""},
		{0, "grant_type=password&username=admin&password={password}&scope=%ZZ", "", ""},
		{0, "grant_type=password&username=admin&password={password}&scope=" + strings.Repeat("a:b%20", 500), "", ""},
		{1, "grant_type=client_credentials", "%ZZ", "{secret}"},
		{0, "", "", ""},
	} {
		f.Add(s.auth, s.form, s.user, s.password)
	}

	f.Fuzz(func(t *testing.T, auth uint8, form, user, password string) {
		form, user, password = expand.Replace(form), expand.Replace(user), expand.Replace(password)
		req, err := http.NewRequest("POST", e.srv.URL+"/oauth/token", strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var header string
		switch auth % 3 {
		case 1:
			header = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
		case 2:
			header = "Basic " + user + password // malformed or raw
		}
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		r, err := tryRoundTrip(e.hcNoSession, req)
		if err != nil {
			checkNotTimeout(t, err)
			return
		}
		checkNoServerError(t, "POST /oauth/token "+form, r)
		if r.status != http.StatusOK {
			return
		}
		var out struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil || out.AccessToken == "" {
			t.Fatalf("200 without an access token: %s", r.body)
		}
		if !carriesSecret(form, header, secrets) {
			t.Fatalf("form %q with Authorization %q obtained a token without any real secret: %s", form, header, r.body)
		}
	})
}

// carriesSecret reports whether a form or an Authorization header holds
// one of secrets, in any form the server decodes: form values, and the
// Basic user and password, base64-decoded and then URL-decoded.
func carriesSecret(form, header string, secrets []string) bool {
	var values []string
	if q, err := url.ParseQuery(form); err == nil {
		for _, vs := range q {
			values = append(values, vs...)
		}
	}
	values = append(values, form, header)
	if _, b64, ok := strings.Cut(header, " "); ok {
		if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64)); err == nil {
			values = append(values, string(dec))
			for _, part := range strings.SplitN(string(dec), ":", 2) {
				if u, err := url.QueryUnescape(part); err == nil {
					values = append(values, u)
				}
			}
		}
	}
	for _, v := range values {
		for _, s := range secrets {
			if strings.Contains(v, s) {
				return true
			}
		}
	}
	return false
}
