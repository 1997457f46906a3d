package tokenmint

import "time"

// Within checks that a token carrying perms, bound to projectID ("" =
// tenant-wide) and expiring at exp (nil = never), stays within what the
// presenting credential may do: no permission it lacks, no project but its
// own when it is scoped, no later expiry. A nil bound (a session) allows
// anything the owner may create.
func (b *CredentialBound) Within(perms PermissionSet, projectID string, exp *time.Time) error {
	if b == nil {
		return nil
	}
	for _, p := range perms.Sorted() {
		if !b.Permissions.Has(p) {
			return Errorf(EFORBIDDEN, "the credential presented lacks %s, so it cannot create or take over a token that holds it; sign in or use a broader credential", p)
		}
	}
	if b.ProjectID != "" && projectID != b.ProjectID {
		return Errorf(EFORBIDDEN, "the credential presented is scoped to one project: a token it creates must be scoped to that project too")
	}
	if b.ExpiresAt != nil && (exp == nil || exp.After(*b.ExpiresAt)) {
		return Errorf(EFORBIDDEN, "the credential presented expires at %s: a token it creates cannot outlive it (ask for an expiry at or before then)", b.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// CredentialExpiry returns when the credential stops working (nil for a
// nil bound or a credential without expiry).
func (b *CredentialBound) CredentialExpiry() *time.Time {
	if b == nil {
		return nil
	}
	return b.ExpiresAt
}
