// Package tokenmint holds the domain of the tokenmint token server: the types
// (tenants, users, roles, projects, token types, tokens, policies), the pure
// rules that govern them (effective permissions, expiry limits, token states,
// the token format) and the interfaces that the outside world implements
// (Store, Clock). It imports nothing but the standard library and performs no
// I/O; the subpackages wrap databases, HTTP, SMTP and so on.
package tokenmint
