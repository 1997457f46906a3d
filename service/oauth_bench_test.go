package service_test

import (
	"context"
	"net/url"
	"testing"

	"tokenmint/service"
)

// benchClient creates an application with a client credential.
func benchClient(b *testing.B, svc *service.Service, ctx context.Context) *service.IssuedCredential {
	b.Helper()
	app, err := svc.CreateApplication(ctx, service.ApplicationInput{Name: "bench", AccessTypes: []string{"read-only"}})
	if err != nil {
		b.Fatal(err)
	}
	ic, err := svc.CreateClientCredential(ctx, app.ID)
	if err != nil {
		b.Fatal(err)
	}
	return ic
}

// BenchmarkClientCredentialsGrant measures issuing a JWT access token to an
// application: client authentication (keyed hash, two indexed reads),
// policy, an Ed25519 signature and the audit insert.
func BenchmarkClientCredentialsGrant(b *testing.B) {
	svc, ctx, _, _ := newService(b)
	ic := benchClient(b, svc, ctx)
	req := &service.TokenRequest{
		Form:  url.Values{"grant_type": {"client_credentials"}, "scope": {"api:read"}},
		Basic: &service.BasicAuth{User: ic.Credential.ClientID, Password: ic.ClientSecret},
	}
	if _, err := svc.Token(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := svc.Token(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyJWT measures the server-side verification of a JWT access
// token (/api/v1/auth/verify): signature, claims, the jti revocation
// lookup and the subject's state.
func BenchmarkVerifyJWT(b *testing.B) {
	svc, ctx, _, _ := newService(b)
	ic := benchClient(b, svc, ctx)
	res, err := svc.Token(context.Background(), &service.TokenRequest{
		Form:  url.Values{"grant_type": {"client_credentials"}},
		Basic: &service.BasicAuth{User: ic.Credential.ClientID, Password: ic.ClientSecret},
	})
	if err != nil {
		b.Fatal(err)
	}
	benchVerifyParallel(b, svc, service.VerifyRequest{Token: res.AccessToken, Permission: "api:read"})
}

// BenchmarkVerifyExchangedJWT is BenchmarkVerifyJWT for a JWT from token
// exchange, which also reads its source token and that token's IP blocks.
func BenchmarkVerifyExchangedJWT(b *testing.B) {
	svc, ctx, _, _ := newService(b)
	issued, err := svc.CreateToken(ctx, service.CreateTokenInput{Type: "CIToken", Name: "exchanged"})
	if err != nil {
		b.Fatal(err)
	}
	res, err := svc.Token(context.Background(), &service.TokenRequest{Form: url.Values{
		"grant_type": {service.GrantTokenExchange}, "subject_token": {issued.Plain}, "subject_token_type": {service.TokenTypeAccessToken},
	}})
	if err != nil {
		b.Fatal(err)
	}
	benchVerifyParallel(b, svc, service.VerifyRequest{Token: res.AccessToken, Permission: "results:upload"})
}

// benchVerifyParallel measures Verify of req on every core, after one
// call that must succeed.
func benchVerifyParallel(b *testing.B, svc *service.Service, req service.VerifyRequest) {
	b.Helper()
	if _, err := svc.Verify(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Verify(context.Background(), req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
