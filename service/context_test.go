package service_test

import (
	"context"
	"testing"
	"time"

	"tokenmint/service"
)

type otherKey struct{}

func TestClientIPContextCarriesTheIPAndItsParentsValues(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), otherKey{}, "kept"))
	var c service.ClientIPContext
	c.Set(parent, "192.0.2.7")
	if got := service.ClientIPFromContext(&c); got != "192.0.2.7" {
		t.Fatalf("ClientIPFromContext = %q", got)
	}
	// Wrapped by another context, the IP is still found through Value.
	inner, stop := context.WithTimeout(&c, time.Minute)
	defer stop()
	if got := service.ClientIPFromContext(inner); got != "192.0.2.7" {
		t.Fatalf("through a wrapping context: %q", got)
	}
	if got := inner.Value(otherKey{}); got != "kept" {
		t.Fatalf("the parent's value: %v", got)
	}
	// An inner ContextWithClientIP overrides, as context values do.
	if got := service.ClientIPFromContext(service.ContextWithClientIP(&c, "198.51.100.1")); got != "198.51.100.1" {
		t.Fatalf("override: %q", got)
	}
	cancel()
	select {
	case <-inner.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("cancelling the parent did not reach a context derived from ClientIPContext")
	}
	if service.ClientIPFromContext(context.Background()) != "" {
		t.Fatal("no IP was set")
	}
}
