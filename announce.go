package tokenmint

import "context"

// announcementsKey is the context key under which WithAnnouncement keeps
// the change announcements that go with a write.
type announcementsKey struct{}

// WithAnnouncement returns a context that asks the Store write it is
// passed to to announce payload to every instance sharing the database,
// inside the transaction of that write: the announcement is delivered when
// the write commits and never when it does not, so a committed change is
// never left unannounced and a failed one never announced. Only the write
// methods that change what instances cache honour it (UpdateToken,
// RotateTokenSecret, BlockIP, UnblockIP, DeactivateIdleToken,
// DeleteIdleToken, UpdateUser, UpdateApplication, DeleteApplication,
// CreateProject, UpdateProject, DeleteProject, PutMembership,
// DeleteMembership, DeleteSession, DeleteUserSessions); every other
// method ignores it. A Store serving a
// single instance (SQLite) may ignore it altogether.
//
// The payload rides in the context rather than in the methods' signatures
// so that the Store interface stays as it is; pass such a context to the
// one write only, not to the audit or event writes that follow it.
func WithAnnouncement(ctx context.Context, payload string) context.Context {
	prev := Announcements(ctx)
	next := make([]string, len(prev), len(prev)+1)
	copy(next, prev)
	return context.WithValue(ctx, announcementsKey{}, append(next, payload))
}

// Announcements returns the payloads WithAnnouncement attached to ctx, in
// the order they were attached.
func Announcements(ctx context.Context) []string {
	a, _ := ctx.Value(announcementsKey{}).([]string)
	return a
}
