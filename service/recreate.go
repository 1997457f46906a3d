package service

import (
	"context"
	"fmt"
	"time"

	"tokenmint"
)

// Adjustment is one way a recreated token differs from the token it is
// made like, because today's rules differ from the day the old one was
// made. Field names the creation field it concerns ("type", "name",
// "expiry"), so a caller that overrides the field can drop it.
type Adjustment struct {
	Field   string
	Message string
}

// Recreation is the creation input for a token like an existing one.
type Recreation struct {
	// Source is the token the input was built from; it is not changed.
	Source *tokenmint.Token
	// Input creates the new token through the same path as any creation.
	Input CreateTokenInput
	// Adjustments say, in words, what differs from Source and why.
	Adjustments []Adjustment
	// suffixName says the name was kept although the old token still
	// holds it where names must be unique: creation adds a suffix.
	suffixName bool
}

// RecreateOverrides replaces what a recreated token would copy; nil or
// empty fields keep the copied value.
type RecreateOverrides struct {
	Name        *string
	Description *string
	Expiry      tokenmint.ExpiryRequest
}

// Recreated is a token created like another one.
type Recreated struct {
	*IssuedToken
	From        string
	Adjustments []Adjustment
}

// LikeToken builds, without creating anything, the input of a token like
// the token id: the same type (or its replacement), name, description,
// project and lifetime, within today's limits. Whoever may recreate the
// token may call it: its owner for a user token, the tenant's
// administrators for an application's token.
func (s *Service) LikeToken(ctx context.Context, id string) (*Recreation, error) {
	src, err := s.recreateSource(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.likeInput(ctx, src)
}

// RecreateToken creates a new token like the token id (LikeToken) with
// the overrides applied, through the same checks as any creation: the
// caller's rights today, the presenting credential's bounds, the quota and
// the limits. The old token is not changed.
func (s *Service) RecreateToken(ctx context.Context, id string, o RecreateOverrides) (*Recreated, error) {
	rc, err := s.LikeToken(ctx, id)
	if err != nil {
		return nil, err
	}
	if o.Name != nil {
		rc.Input.Name, rc.suffixName = *o.Name, false
		rc.drop("name")
	}
	if o.Description != nil {
		rc.Input.Description = *o.Description
	}
	if o.Expiry != (tokenmint.ExpiryRequest{}) {
		rc.Input.Expiry = o.Expiry
		rc.drop("expiry")
	}
	issued, err := s.createLike(ctx, rc)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, rc.Source.TenantID, "token.recreate", "token", issued.Token.ID, OutcomeSuccess, "recreated from token "+rc.Source.ID)
	return &Recreated{IssuedToken: issued, From: rc.Source.ID, Adjustments: rc.Adjustments}, nil
}

// maxNameSuffix bounds the names tried for an application token whose
// name the old token still holds.
const maxNameSuffix = 9

// createLike creates rc's token the way POST /api/v1/tokens (or an
// application's tokens) would.
func (s *Service) createLike(ctx context.Context, rc *Recreation) (*IssuedToken, error) {
	if rc.Source.OwnerKind == tokenmint.OwnerUser {
		return s.CreateToken(ctx, rc.Input)
	}
	base := rc.Input.Name
	for n := 2; ; n++ {
		in := rc.Input
		if rc.suffixName {
			in.Name = suffixedName(base, n)
		}
		issued, err := s.CreateApplicationToken(ctx, rc.Source.OwnerID, in)
		if tokenmint.ErrorCode(err) != tokenmint.ECONFLICT || !rc.suffixName || n >= maxNameSuffix {
			if err == nil && rc.suffixName {
				rc.Adjustments = append(rc.Adjustments, Adjustment{"name", fmt.Sprintf("the old token still holds the name %q (an application's token names are unique): named %q", base, in.Name)})
			}
			return issued, err
		}
	}
}

// suffixedName is name with "-n", cut to fit an application token's 32
// characters.
func suffixedName(name string, n int) string {
	suffix := fmt.Sprintf("-%d", n)
	if max := 32 - len(suffix); len(name) > max {
		name = name[:max] // application token names are ASCII
	}
	return name + suffix
}

// drop removes the adjustments of field, which the caller replaced.
func (rc *Recreation) drop(field string) {
	kept := rc.Adjustments[:0]
	for _, a := range rc.Adjustments {
		if a.Field != field {
			kept = append(kept, a)
		}
	}
	rc.Adjustments = kept
}

// recreateSource loads the token to recreate if the caller may: the owner
// of a user token (the new token is the caller's own, so an administrator
// cannot recreate another user's), and the tenant's administrators for an
// application's token, as for creating one. Others' tokens are "not found".
func (s *Service) recreateSource(ctx context.Context, id string) (*tokenmint.Token, error) {
	p := tokenmint.PrincipalFromContext(ctx)
	if p == nil {
		return nil, tokenmint.Errorf(tokenmint.EUNAUTHORIZED, "authentication required")
	}
	if p.User == nil {
		// An application's credential administers applications, never
		// users' tokens.
		if _, err := requireAdminTo(ctx, "recreate application tokens"); err != nil {
			return nil, err
		}
		tok, err := s.store.TokenByID(ctx, p.TenantID, id)
		if tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND || (err == nil && tok.OwnerKind != tokenmint.OwnerApplication) {
			return nil, tokenmint.Errorf(tokenmint.ENOTFOUND, "token not found")
		}
		return tok, err
	}
	p, err := s.ownTokensAccess(ctx, true)
	if err != nil {
		return nil, err
	}
	tok, owner, err := s.accessibleToken(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if tok.OwnerKind == tokenmint.OwnerUser && !owner {
		return nil, tokenmint.Errorf(tokenmint.EFORBIDDEN, "only the owner may recreate a user token: the new token would be the caller's own")
	}
	if tok.OwnerKind == tokenmint.OwnerApplication {
		if _, err := requireAdminTo(ctx, "recreate application tokens"); err != nil {
			return nil, err
		}
	}
	return tok, nil
}

// likeInput is the one place that copies a token's settings into a new
// creation input. NEW TOKEN SETTINGS MUST BE COPIED HERE (a token's network
// ranges, its rate limit, ...), each with the adjustment today's rules
// call for, so "Create a token like this" keeps them.
func (s *Service) likeInput(ctx context.Context, src *tokenmint.Token) (*Recreation, error) {
	rc := &Recreation{Source: src}
	typ, err := s.recreatableType(src, rc)
	if err != nil {
		return nil, err
	}
	rc.Input = CreateTokenInput{Type: typ.Name, Name: src.Name, Description: src.Description}
	if src.ProjectID != "" {
		if _, err := s.resolveProject(ctx, src.TenantID, src.ProjectID); tokenmint.ErrorCode(err) == tokenmint.ENOTFOUND {
			return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "the project of token %s no longer exists: create a token for another project instead", src.Name)
		} else if err != nil {
			return nil, err
		}
		rc.Input.Project = src.ProjectID
	}
	// An application's token names are unique among its tokens that are
	// not revoked; users' token names are not unique.
	rc.suffixName = src.OwnerKind == tokenmint.OwnerApplication && src.StoredStatus != tokenmint.StatusRevoked
	// Further settings of the token are copied here, one line each (with an
	// Adjustment when today's rules change them), such as its network
	// ranges or its rate limit; the UI's like-form (http/ui_tokenprefill.go)
	// shows what this input holds.
	// The networks it is bound to are copied as they are: a copy is never
	// usable from more places than the token it is made like.
	rc.Input.AllowedCIDRs = src.AllowedCIDRs.Strings()
	if err := s.likeExpiry(ctx, src, typ, rc); err != nil {
		return nil, err
	}
	if err := s.likeRateLimit(ctx, src, typ, rc); err != nil {
		return nil, err
	}
	return rc, nil
}

// recreatableType is the type of src if people may still create it, or
// its replacement when it became obsolete.
func (s *Service) recreatableType(src *tokenmint.Token, rc *Recreation) (*tokenmint.TokenType, error) {
	typ, ok := s.types.Lookup(src.Type)
	if !ok {
		return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "token type %s no longer exists: choose a current type", src.Type)
	}
	if typ.Internal {
		return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "token type %s is internal: only tokenmint itself creates tokens of it", typ.Name)
	}
	if !typ.Obsolete {
		return typ, nil
	}
	repl, ok := s.types.Lookup(typ.ReplacedBy)
	if typ.ReplacedBy == "" || !ok || !repl.Creatable() || repl.OwnerKind != typ.OwnerKind {
		return nil, tokenmint.Errorf(tokenmint.ECONFLICT, "token type %s is obsolete and has no current replacement: choose a current type", typ.Name)
	}
	rc.Adjustments = append(rc.Adjustments, Adjustment{"type", fmt.Sprintf("type %s is obsolete: using its replacement %s", typ.Name, repl.Name)})
	return repl, nil
}

// likeExpiry gives the new token the number of days the old one lived,
// cut to today's limits of typ and the tenant (and of the credential
// presented); a token that never expired keeps no expiry where that is
// still allowed and gets the type's default otherwise.
func (s *Service) likeExpiry(ctx context.Context, src *tokenmint.Token, typ *tokenmint.TokenType, rc *Recreation) error {
	pol, err := s.tenantPolicy(ctx, src.TenantID)
	if err != nil {
		return err
	}
	now := s.Now()
	if src.ExpiresAt == nil {
		if typ.AllowNoExpiry && pol.MaxLifetimeDays == 0 {
			rc.Input.Expiry = tokenmint.ExpiryRequest{NoExpiry: true}
		} else {
			// The type's default, as ResolveExpiry gives it.
			exp, err := tokenmint.ResolveExpiry(now, typ, pol, tokenmint.ExpiryRequest{})
			if err != nil {
				return err
			}
			days := daysBetween(now, *exp)
			rc.Input.Expiry = tokenmint.ExpiryRequest{DaysToLive: &days}
			rc.Adjustments = append(rc.Adjustments, Adjustment{"expiry", fmt.Sprintf("the old token never expired; %s: expires in %d days", noExpiryRefusal(typ, pol), days)})
		}
	} else {
		days := max(daysBetween(src.CreatedAt, *src.ExpiresAt), 1)
		if typ.MaxDaysToLive > 0 && days > typ.MaxDaysToLive {
			days = typ.MaxDaysToLive
			rc.Adjustments = append(rc.Adjustments, Adjustment{"expiry", fmt.Sprintf("expiry cut to %d days by type %s's maximum", days, typ.Name)})
		}
		if pol.MaxLifetimeDays > 0 && days > pol.MaxLifetimeDays {
			days = pol.MaxLifetimeDays
			rc.drop("expiry")
			rc.Adjustments = append(rc.Adjustments, Adjustment{"expiry", fmt.Sprintf("expiry cut to %d days by the tenant's policy", days)})
		}
		days = min(days, tokenmint.MaxDaysToLive)
		rc.Input.Expiry = tokenmint.ExpiryRequest{DaysToLive: &days}
	}
	// A token or JWT creates tokens that end no later than itself.
	if b := tokenmint.PrincipalFromContext(ctx).CredentialBound(); b != nil && b.ExpiresAt != nil {
		var exp *time.Time
		if d := rc.Input.Expiry.DaysToLive; d != nil {
			t := now.Add(time.Duration(*d) * tokenmint.Day)
			exp = &t
		}
		if exp == nil || exp.After(*b.ExpiresAt) {
			cut := *b.ExpiresAt
			rc.Input.Expiry = tokenmint.ExpiryRequest{ExpiresAt: &cut}
			rc.Adjustments = append(rc.Adjustments, Adjustment{"expiry", "expiry cut to " + cut.UTC().Format(time.RFC3339) + ", when the credential presented expires"})
		}
	}
	return nil
}

// noExpiryRefusal says why a token of typ may not go without expiry now.
func noExpiryRefusal(typ *tokenmint.TokenType, pol tokenmint.Policy) string {
	if !typ.AllowNoExpiry {
		return "type " + typ.Name + " now requires an expiry"
	}
	return fmt.Sprintf("the tenant's policy now limits tokens to %d days", pol.MaxLifetimeDays)
}

// daysBetween is the whole number of days from a to b, rounded to the
// nearest day (an extension or rotation rarely lands on a whole day).
func daysBetween(a, b time.Time) int {
	return int((b.Sub(a) + tokenmint.Day/2) / tokenmint.Day)
}
