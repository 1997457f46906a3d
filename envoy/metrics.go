package envoy

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// CheckOutcomes are the outcome labels of tokenmint_ext_authz_checks_total.
var CheckOutcomes = []string{"ok", "unauthorized", "forbidden", "invalid", "rate_limited", "unavailable", "error", "canceled"}

// newChecksCounter registers the checks counter on reg (nil: kept
// unregistered). Every label is created at zero, so a dashboard sees the
// series before the first refusal.
func newChecksCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tokenmint_ext_authz_checks_total",
		Help: "Envoy ext_authz checks by outcome (ok, unauthorized, forbidden, invalid, rate_limited, unavailable, error, canceled).",
	}, []string{"outcome"})
	for _, o := range CheckOutcomes {
		c.WithLabelValues(o)
	}
	if reg != nil {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				panic(err) // a clash of metric names is a programming error
			}
			c = already.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return c
}

func (s *Server) count(outcome string) { s.checks.WithLabelValues(outcome).Inc() }
