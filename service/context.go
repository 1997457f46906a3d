package service

import "context"

type clientIPKey struct{}

// ContextWithClientIP records the caller's IP for auditing and usage.
func ContextWithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIPContext is a context carrying the caller's IP, as
// ContextWithClientIP's does, for a caller that embeds it in an allocation
// it makes anyway: the HTTP server keeps it beside each request's status
// writer, which spares every request context.WithValue's node and the
// string boxed into it.
type ClientIPContext struct {
	context.Context
	ip string
}

// Set makes c carry ip over parent.
func (c *ClientIPContext) Set(parent context.Context, ip string) { c.Context, c.ip = parent, ip }

// Value answers the client IP's key itself and every other from the parent.
func (c *ClientIPContext) Value(key any) any {
	if key == (clientIPKey{}) {
		return c.ip
	}
	return c.Context.Value(key)
}

// ClientIPFromContext returns the IP set by ContextWithClientIP or a
// ClientIPContext.
func ClientIPFromContext(ctx context.Context) string {
	if c, ok := ctx.(*ClientIPContext); ok {
		return c.ip // without boxing the string into an interface
	}
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
