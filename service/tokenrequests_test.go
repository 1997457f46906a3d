package service_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tokenmint"
	"tokenmint/postgres"
	"tokenmint/postgres/postgrestest"
	"tokenmint/service"
	"tokenmint/sqlite"
	"tokenmint/typesfile"
)

// approvalTypes is the built-in types plus the ones of
// testdata/approval_types.yaml, which need approval.
func approvalTypes(tb testing.TB) *tokenmint.TypeRegistry {
	tb.Helper()
	extra, err := typesfile.Load("../testdata/approval_types.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var all []tokenmint.TokenType
	for _, t := range append(typesfile.Defaults().All(), extra.All()...) {
		all = append(all, *t)
	}
	reg, err := tokenmint.NewTypeRegistry(all)
	if err != nil {
		tb.Fatal(err)
	}
	return reg
}

// sentMail is one e-mail a recordingMailer was asked to send.
type sentMail struct{ to, subject, text string }

// recordingMailer keeps what it sends.
type recordingMailer struct {
	mu   sync.Mutex
	sent []sentMail
}

func (m *recordingMailer) Send(_ context.Context, to, subject, text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, sentMail{to, subject, text})
	return nil
}

func (m *recordingMailer) take() []sentMail {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.sent
	m.sent = nil
	return out
}

// requestEnv is a service with the approval types and a mailer, over one
// of the two stores, with the bootstrap admin and more users.
type requestEnv struct {
	svc   *service.Service
	store tokenmint.Store
	clock *tokenmint.FakeClock
	mail  *recordingMailer
	admin context.Context
	t     *testing.T
}

// forEachStore runs f on SQLite and on PostgreSQL.
func forEachStore(t *testing.T, f func(t *testing.T, e *requestEnv)) {
	forEachStoreWith(t, approvalTypes(t), f)
}

// forEachStoreWith runs f on both stores with the types of reg.
func forEachStoreWith(t *testing.T, reg *tokenmint.TypeRegistry, f func(t *testing.T, e *requestEnv)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			var wrap func(*sqlite.DB) tokenmint.Store
			if name == "postgres" {
				url := postgrestest.Start(t).NewDatabase(t)
				pg, err := postgres.Open(t.Context(), url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { pg.Close() })
				wrap = func(*sqlite.DB) tokenmint.Store { return pg }
			}
			mail := &recordingMailer{}
			var store tokenmint.Store
			var svc *service.Service
			var admin context.Context
			var clock *tokenmint.FakeClock
			if wrap == nil {
				var db *sqlite.DB
				svc, admin, db, clock = newServiceWith(t, nil, func(c *service.Config) {
					c.Types = reg
					c.Lifecycle.Mailer = mail
				})
				store = db
			} else {
				store = wrap(nil)
				clock = tokenmint.NewFakeClock(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
				cfg := testConfig(store, clock)
				cfg.Types = reg
				cfg.Lifecycle.Mailer = mail
				svc = startService(t, cfg)
				admin = bootstrapAdmin(t, svc, store)
			}
			e := &requestEnv{svc: svc, store: store, clock: clock, mail: mail, admin: admin, t: t}
			// The bootstrap admin has no address; give it one.
			p := tokenmint.PrincipalFromContext(admin)
			email := "admin@example.com"
			if _, err := svc.UpdateUser(admin, p.User.ID, service.UpdateUserInput{Email: &email}); err != nil {
				t.Fatal(err)
			}
			f(t, e)
		})
	}
}

// bootstrapAdmin creates the default tenant and returns a context signed
// in as its first administrator.
func bootstrapAdmin(t *testing.T, svc *service.Service, store tokenmint.Store) context.Context {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "test-admin-password"); err != nil {
		t.Fatal(err)
	}
	tn, err := store.TenantByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.UserByUsername(ctx, tn.ID, "admin")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.SessionPrincipalForUser(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	return tokenmint.NewContextWithPrincipal(ctx, p)
}

// user creates a user with roles and returns a context signed in as them.
func (e *requestEnv) user(name string, roles ...string) context.Context {
	e.t.Helper()
	if roles == nil {
		roles = []string{} // no role at all, not the default member
	}
	u, err := e.svc.CreateUser(e.admin, service.CreateUserInput{Username: name, Email: name + "@example.com", Password: "password-of-" + name, Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.as(u.ID)
}

// as returns a context signed in as the user with the ID, as they are now.
func (e *requestEnv) as(userID string) context.Context {
	e.t.Helper()
	p := tokenmint.PrincipalFromContext(e.admin)
	u, err := e.store.UserByID(context.Background(), p.TenantID, userID)
	if err != nil {
		e.t.Fatal(err)
	}
	sp, _, err := e.svc.SessionPrincipalForUser(context.Background(), u)
	if err != nil {
		e.t.Fatal(err)
	}
	return tokenmint.NewContextWithPrincipal(context.Background(), sp)
}

func (e *requestEnv) request(ctx context.Context) *tokenmint.TokenRequest {
	e.t.Helper()
	r, err := e.svc.RequestToken(ctx, service.RequestTokenInput{
		CreateTokenInput: service.CreateTokenInput{Type: "ProductionDeployToken", Name: "deploy", Expiry: tokenmint.ExpiryRequest{DaysToLive: ptrInt(20)}},
		Justification:    "the release pipeline deploys to production",
	})
	if err != nil {
		e.t.Fatalf("RequestToken: %v", err)
	}
	return r
}

func (e *requestEnv) audit(action string) []*tokenmint.AuditEntry {
	e.t.Helper()
	p := tokenmint.PrincipalFromContext(e.admin)
	entries, err := e.store.ListAudit(context.Background(), tokenmint.AuditFilter{TenantID: p.TenantID, Action: action, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return entries
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := tokenmint.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want %s", what, err, got, code)
	}
}

// A member asks, a second administrator approves, the member collects the
// token once; nobody else can collect it and nobody decides their own
// request. Administrators are mailed the request, the requester the
// decision.
func TestTokenRequestFlow(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		other := e.user("otto", tokenmint.RoleMember)
		admin2 := e.user("ada", tokenmint.RoleAdmin)
		roleless := e.user("nora")

		// Such a type is never created directly.
		_, err := e.svc.CreateToken(member, service.CreateTokenInput{Type: "ProductionDeployToken", Name: "direct"})
		wantCode(t, err, tokenmint.EFORBIDDEN, "CreateToken of an approval type")
		if !strings.Contains(tokenmint.ErrorMessage(err), "/api/v1/token-requests") {
			t.Errorf("refusal %q does not point to token requests", tokenmint.ErrorMessage(err))
		}
		// Bad input is refused and nothing is stored.
		for _, j := range []string{"", "   \n\t", strings.Repeat("x", 2001), "bell\a"} {
			_, err := e.svc.RequestToken(member, service.RequestTokenInput{CreateTokenInput: service.CreateTokenInput{Type: "ProductionDeployToken", Name: "deploy"}, Justification: j})
			wantCode(t, err, tokenmint.EINVALID, "justification "+j[:min(len(j), 10)])
		}
		_, err = e.svc.RequestToken(member, service.RequestTokenInput{CreateTokenInput: service.CreateTokenInput{Type: "CIToken", Name: "ci"}, Justification: "why not"})
		wantCode(t, err, tokenmint.EINVALID, "request of a type without approval")
		_, err = e.svc.RequestToken(member, service.RequestTokenInput{CreateTokenInput: service.CreateTokenInput{Type: "ProductionDeployToken", Name: "deploy", Expiry: tokenmint.ExpiryRequest{DaysToLive: ptrInt(91)}}, Justification: "long"})
		wantCode(t, err, tokenmint.EINVALID, "request beyond the type's max_days_to_live")
		// Nobody asks for what they could never hold.
		_, err = e.svc.RequestToken(roleless, service.RequestTokenInput{CreateTokenInput: service.CreateTokenInput{Type: "ProductionDeployToken", Name: "deploy"}, Justification: "please"})
		wantCode(t, err, tokenmint.EFORBIDDEN, "request of a user without roles")
		if list, _, err := e.svc.ListTokenRequests(e.admin, service.ListTokenRequestsInput{All: true}); err != nil || len(list) != 0 {
			t.Fatalf("after refusals: %d requests stored (%v), want none", len(list), err)
		}

		r := e.request(member)
		if r.Status != tokenmint.RequestPending || !r.ExpiresAt.Equal(e.svc.Now().Add(7*tokenmint.Day)) {
			t.Fatalf("new request = %s expiring %v, want pending for 7 days", r.Status, r.ExpiresAt)
		}
		if err := e.svc.DeliverPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, m := range e.mail.take() {
			got[m.to] = true
			if !strings.Contains(m.text, "the release pipeline deploys to production") {
				t.Errorf("mail to %s lacks the justification: %q", m.to, m.text)
			}
		}
		if !got["admin@example.com"] || !got["ada@example.com"] || len(got) != 2 {
			t.Errorf("request mailed to %v, want the two administrators", got)
		}

		// Others see nothing of it; members cannot decide.
		_, err = e.svc.GetTokenRequest(other, r.ID)
		wantCode(t, err, tokenmint.ENOTFOUND, "another member's GetTokenRequest")
		_, err = e.svc.ApproveTokenRequest(other, r.ID)
		wantCode(t, err, tokenmint.EFORBIDDEN, "a member's approval")
		if list, _, _ := e.svc.ListTokenRequests(other, service.ListTokenRequestsInput{}); len(list) != 0 {
			t.Errorf("another member lists %d requests, want 0", len(list))
		}
		_, _, err = e.svc.ListTokenRequests(member, service.ListTokenRequestsInput{All: true})
		wantCode(t, err, tokenmint.EFORBIDDEN, "a member's all=true")

		// An administrator's own request needs another administrator.
		own := e.request(e.admin)
		_, err = e.svc.ApproveTokenRequest(e.admin, own.ID)
		wantCode(t, err, tokenmint.EFORBIDDEN, "self-approval")
		if _, err := e.svc.ApproveTokenRequest(admin2, own.ID); err != nil {
			t.Fatalf("second admin's approval: %v", err)
		}

		// Not approved yet: nothing to collect.
		_, _, err = e.svc.CollectTokenRequest(member, r.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "collection before approval")
		approved, err := e.svc.ApproveTokenRequest(e.admin, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if approved.Status != tokenmint.RequestApproved || approved.DecidedBy == "" || !approved.ExpiresAt.Equal(e.svc.Now().Add(7*tokenmint.Day)) {
			t.Fatalf("approved request = %+v", approved)
		}
		_, err = e.svc.DenyTokenRequest(admin2, r.ID, "changed my mind")
		wantCode(t, err, tokenmint.ECONFLICT, "a denial after the approval")
		if err := e.svc.DeliverPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		sent := e.mail.take()
		var toMia []sentMail
		for _, m := range sent {
			if m.to == "mia@example.com" {
				toMia = append(toMia, m)
			}
		}
		if len(toMia) != 1 || !strings.Contains(toMia[0].subject, "approved") {
			t.Errorf("mails to the requester after approval = %+v, want one about the approval", toMia)
		}

		// Only the requester collects: the approving admin gets nothing.
		_, _, err = e.svc.CollectTokenRequest(e.admin, r.ID)
		wantCode(t, err, tokenmint.EFORBIDDEN, "the approver's collection")
		_, _, err = e.svc.CollectTokenRequest(other, r.ID)
		wantCode(t, err, tokenmint.ENOTFOUND, "another member's collection")
		issued, done, err := e.svc.CollectTokenRequest(member, r.ID)
		if err != nil {
			t.Fatalf("collection: %v", err)
		}
		if issued.Plain == "" || issued.Token.Type != "ProductionDeployToken" || issued.Token.OwnerID != tokenmint.PrincipalFromContext(member).User.ID {
			t.Fatalf("issued = %+v", issued.Token)
		}
		if want := e.svc.Now().Add(20 * tokenmint.Day); issued.Token.ExpiresAt == nil || !issued.Token.ExpiresAt.Equal(want) {
			t.Errorf("token expires %v, want 20 days from the collection (%v)", issued.Token.ExpiresAt, want)
		}
		if done.Status != tokenmint.RequestIssued || done.TokenID != issued.Token.ID {
			t.Errorf("request after collection = %s, token %q", done.Status, done.TokenID)
		}
		_, _, err = e.svc.CollectTokenRequest(member, r.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "second collection")

		for _, a := range []string{"token_request.create", "token_request.approve", "token_request.issue"} {
			if len(e.audit(a)) == 0 {
				t.Errorf("no audit entry %s", a)
			}
		}
		for _, en := range e.audit("") {
			if strings.Contains(en.Detail, issued.Plain) {
				t.Fatalf("audit entry %s holds the secret", en.Action)
			}
		}
	})
}

// A denial keeps its reason; a cancellation is the requester's alone.
func TestTokenRequestDenyAndCancel(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		r := e.request(member)
		_, err := e.svc.DenyTokenRequest(e.admin, r.ID, "")
		wantCode(t, err, tokenmint.EINVALID, "denial without a reason")
		denied, err := e.svc.DenyTokenRequest(e.admin, r.ID, "use the staging token")
		if err != nil {
			t.Fatal(err)
		}
		if denied.Status != tokenmint.RequestDenied || denied.Reason != "use the staging token" {
			t.Fatalf("denied = %s %q", denied.Status, denied.Reason)
		}
		if en := e.audit("token_request.deny"); len(en) != 1 || !strings.Contains(en[0].Detail, "use the staging token") {
			t.Errorf("deny audit = %+v, want one with the reason", en)
		}
		_, _, err = e.svc.CollectTokenRequest(member, r.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "collection of a denied request")

		r2 := e.request(member)
		_, err = e.svc.CancelTokenRequest(e.admin, r2.ID)
		wantCode(t, err, tokenmint.EFORBIDDEN, "an admin's cancellation")
		c, err := e.svc.CancelTokenRequest(member, r2.ID)
		if err != nil || c.Status != tokenmint.RequestCancelled {
			t.Fatalf("cancel = %v, %v", c, err)
		}
		_, err = e.svc.ApproveTokenRequest(e.admin, r2.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "approval of a cancelled request")
	})
}

// Requests nobody acts on expire in the jobs with their reason: pending
// ones after 7 days undecided, approved ones after 7 days uncollected.
func TestTokenRequestExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		pending := e.request(member)
		e.clock.Advance(3 * tokenmint.Day)
		approved := e.request(member)
		if _, err := e.svc.ApproveTokenRequest(e.admin, approved.ID); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(4*tokenmint.Day - 1)
		if err := e.svc.RunJobs(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(e.audit("token_request.expire")) != 0 {
			t.Fatal("a request expired before its 7 days")
		}
		e.clock.Advance(1)
		// At the instant the time runs out the request takes no decision.
		_, err := e.svc.ApproveTokenRequest(e.admin, pending.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "approval at the expiry")
		if err := e.svc.RunJobs(context.Background()); err != nil {
			t.Fatal(err)
		}
		got, _ := e.svc.GetTokenRequest(member, pending.ID)
		if got.Status != tokenmint.RequestExpired || got.Reason != "not decided within 7 days" {
			t.Errorf("pending request after 7 days = %s %q", got.Status, got.Reason)
		}
		got, _ = e.svc.GetTokenRequest(member, approved.ID)
		if got.Status != tokenmint.RequestApproved {
			t.Errorf("approved request 4 days after approval = %s, want still approved", got.Status)
		}
		e.clock.Advance(3 * tokenmint.Day)
		if err := e.svc.RunJobs(context.Background()); err != nil {
			t.Fatal(err)
		}
		got, _ = e.svc.GetTokenRequest(member, approved.ID)
		if got.Status != tokenmint.RequestExpired || got.Reason != "not collected within 7 days" {
			t.Errorf("approved request after 7 days = %s %q", got.Status, got.Reason)
		}
		_, _, err = e.svc.CollectTokenRequest(member, approved.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "collection of an expired request")
		reasons := map[string]bool{}
		for _, en := range e.audit("token_request.expire") {
			reasons[en.Detail] = en.ActorKind == tokenmint.ActorSystem
		}
		if !reasons["not decided within 7 days"] || !reasons["not collected within 7 days"] || len(reasons) != 2 {
			t.Errorf("expiry audit = %v, want both reasons by the system", reasons)
		}
	})
}

// The collection is a creation with today's rights: a requester who lost
// the role since the approval cannot collect, and the request stays
// approved for when the role is back.
func TestTokenRequestCollectionRechecksRights(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		id := tokenmint.PrincipalFromContext(member).User.ID
		r := e.request(member)
		if _, err := e.svc.ApproveTokenRequest(e.admin, r.ID); err != nil {
			t.Fatal(err)
		}
		noRoles := []string{}
		if _, err := e.svc.UpdateUser(e.admin, id, service.UpdateUserInput{Roles: &noRoles}); err != nil {
			t.Fatal(err)
		}
		_, _, err := e.svc.CollectTokenRequest(e.as(id), r.ID)
		wantCode(t, err, tokenmint.EFORBIDDEN, "collection after losing the role")
		if got, _ := e.svc.GetTokenRequest(e.admin, r.ID); got.Status != tokenmint.RequestApproved {
			t.Fatalf("request after a refused collection = %s, want approved", got.Status)
		}
		memberRoles := []string{tokenmint.RoleMember}
		if _, err := e.svc.UpdateUser(e.admin, id, service.UpdateUserInput{Roles: &memberRoles}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.CollectTokenRequest(e.as(id), r.ID); err != nil {
			t.Fatalf("collection with the role back: %v", err)
		}
	})
}

// Eight collections of one approved request at once make one token.
func TestTokenRequestConcurrentCollection(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		r := e.request(member)
		if _, err := e.svc.ApproveTokenRequest(e.admin, r.ID); err != nil {
			t.Fatal(err)
		}
		var won atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := e.svc.CollectTokenRequest(member, r.ID)
				switch tokenmint.ErrorCode(err) {
				case "":
					won.Add(1)
				case tokenmint.ECONFLICT:
				default:
					t.Errorf("collection: %v", err)
				}
			}()
		}
		wg.Wait()
		toks, _, err := e.svc.ListTokens(member, service.ListTokensInput{Type: "ProductionDeployToken"})
		if err != nil {
			t.Fatal(err)
		}
		if won.Load() != 1 || len(toks) != 1 {
			t.Fatalf("8 concurrent collections: %d succeeded, %d tokens exist; want exactly 1", won.Load(), len(toks))
		}
	})
}

// A collection refused by the owner's token quota leaves the request
// approved, to be collected once a token is revoked. The collected token
// rotates like any other: rotation gives no new powers.
func TestTokenRequestQuotaAndRotation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		one := 1
		if _, err := e.svc.PutPolicy(e.admin, service.PolicyInput{MaxTokensPerOwner: &one}); err != nil {
			t.Fatal(err)
		}
		member := e.user("mia", tokenmint.RoleMember)
		ci, err := e.svc.CreateToken(member, service.CreateTokenInput{Type: "CIToken", Name: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		r := e.request(member)
		if _, err := e.svc.ApproveTokenRequest(e.admin, r.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = e.svc.CollectTokenRequest(member, r.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "collection beyond the quota")
		if got, _ := e.svc.GetTokenRequest(member, r.ID); got.Status != tokenmint.RequestApproved {
			t.Fatalf("request after a collection refused by the quota = %s, want approved", got.Status)
		}
		if err := e.svc.RevokeToken(member, ci.Token.ID); err != nil {
			t.Fatal(err)
		}
		issued, _, err := e.svc.CollectTokenRequest(member, r.ID)
		if err != nil {
			t.Fatalf("collection after a revocation: %v", err)
		}
		rotated, err := e.svc.RotateToken(member, issued.Token.ID, service.RotateTokenInput{})
		if err != nil {
			t.Fatalf("rotation of a token of a type needing approval: %v", err)
		}
		if rotated.Plain == issued.Plain {
			t.Fatal("rotation kept the secret")
		}
		// A new token like it is a new credential: asked for, never copied.
		_, err = e.svc.RecreateToken(member, issued.Token.ID, service.RecreateOverrides{})
		wantCode(t, err, tokenmint.EFORBIDDEN, "recreation of a token of a type needing approval")
	})
}

// The description of the token asked for is the requester's, like a
// token's: administrators decide on the justification.
func TestTokenRequestDescriptionIsPrivate(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		r, err := e.svc.RequestToken(member, service.RequestTokenInput{
			CreateTokenInput: service.CreateTokenInput{Type: "ProductionDeployToken", Name: "deploy", Description: "for the blue cluster"},
			Justification:    "deploys",
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.GetTokenRequest(member, r.ID); got.Description != "for the blue cluster" {
			t.Errorf("the requester sees description %q", got.Description)
		}
		if got, _ := e.svc.GetTokenRequest(e.admin, r.ID); got.Description != "" {
			t.Errorf("an administrator sees description %q", got.Description)
		}
		list, _, _ := e.svc.ListTokenRequests(e.admin, service.ListTokenRequestsInput{All: true})
		approved, err := e.svc.ApproveTokenRequest(e.admin, r.ID)
		if err != nil || len(list) != 1 || list[0].Description != "" || approved.Description != "" {
			t.Errorf("an administrator's list or approval shows the description")
		}
		issued, _, err := e.svc.CollectTokenRequest(member, r.ID)
		if err != nil || issued.Token.Description != "for the blue cluster" {
			t.Fatalf("collected token's description = %v (%v)", issued, err)
		}
	})
}

// A collection that died between claiming the request and writing its
// token (a crash) does not lose the approval: once the claim is older than
// a collection can take, the requester collects again, exactly once. A
// claim whose token was written, or one too old to be a lost collection,
// is left alone.
func TestTokenRequestLostCollectionIsGivenBack(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *requestEnv) {
		member := e.user("mia", tokenmint.RoleMember)
		claimLost := func() *tokenmint.TokenRequest {
			t.Helper()
			r := e.request(member)
			if _, err := e.svc.ApproveTokenRequest(e.admin, r.ID); err != nil {
				t.Fatal(err)
			}
			// What a collection's claim writes before the token: the
			// token never follows.
			ok, err := e.store.TransitionTokenRequest(context.Background(), tokenmint.RequestTransition{
				TenantID: r.TenantID, ID: r.ID, From: tokenmint.RequestApproved, To: tokenmint.RequestIssued,
				At: e.clock.Now(), TokenID: "00000000-0000-4000-8000-00000000dead",
			})
			if err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			return r
		}
		r := claimLost()
		_, _, err := e.svc.CollectTokenRequest(member, r.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "collection while another may be under way")

		e.clock.Advance(3 * time.Minute)
		issued, _, err := e.svc.CollectTokenRequest(member, r.ID)
		if err != nil {
			t.Fatalf("collection after a lost one: %v", err)
		}
		got, err := e.svc.GetTokenRequest(member, r.ID)
		if err != nil || got.Status != tokenmint.RequestIssued || got.TokenID != issued.Token.ID {
			t.Fatalf("request after the retaken collection: %+v %v, want issued with token %s", got, err, issued.Token.ID)
		}
		e.clock.Advance(3 * time.Minute)
		_, _, err = e.svc.CollectTokenRequest(member, r.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "second collection of a written token")

		// Hours later a missing token was deleted since, not lost on the way.
		old := claimLost()
		e.clock.Advance(2 * time.Hour)
		_, _, err = e.svc.CollectTokenRequest(member, old.ID)
		wantCode(t, err, tokenmint.ECONFLICT, "collection of a claim hours old")
	})
}
