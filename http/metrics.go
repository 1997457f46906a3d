package http

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tokenmint"
	"tokenmint/service"
)

// Metrics are the Prometheus metrics served at /metrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	verifies *prometheus.CounterVec
	// observers caches the histogram of each (method, route, status): the
	// vector's own lookup hashes three label values on every request.
	observers sync.Map // observerKey → prometheus.Observer
	// verifyOK is the verify counter's "ok" child, the hot path's.
	verifyOK prometheus.Counter
	// verifiedGET is the histogram's child of GET verify answered 200,
	// resolved on first use: the hot path skips the observers' lookup,
	// which hashes two strings on every request.
	verifiedGET atomic.Pointer[observerBox]
}

type observerBox struct{ prometheus.Observer }

type observerKey struct {
	method, route string
	status        int
}

// NewMetrics registers the metrics on reg (a fresh registry when nil).
func NewMetrics(reg *prometheus.Registry) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tokenmint_http_request_duration_seconds",
			Help:    "HTTP request latency by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route", "status"}),
		verifies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tokenmint_verify_total",
			Help: "Token verifications by outcome (ok, unauthorized, forbidden, invalid, rate_limited, error).",
		}, []string{"outcome"}),
	}
	reg.MustRegister(m.requests, m.verifies)
	m.verifyOK = m.verifies.WithLabelValues("ok")
	return m
}

// Registerer is the registry /metrics serves, for the metrics of other
// listeners of the same server (the Envoy authorization service).
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

// Handler serves the registry.
func (m *Metrics) Handler() http.Handler { return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}) }

func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // the label's values stay few whatever clients send
	}
	k := observerKey{method, route, status}
	o, ok := m.observers.Load(k)
	if !ok {
		o, _ = m.observers.LoadOrStore(k, m.requests.WithLabelValues(method, route, strconv.Itoa(status)))
	}
	o.(prometheus.Observer).Observe(d.Seconds())
}

// observeVerify is observe for the verify endpoint (route is its
// pattern), with the forward-auth answer of every proxied request, GET
// and 200, on a path of its own.
func (m *Metrics) observeVerify(method, route string, status int, d time.Duration) {
	if method != http.MethodGet || status != http.StatusOK {
		m.observe(method, route, status, d)
		return
	}
	b := m.verifiedGET.Load()
	if b == nil {
		// Two first requests may both resolve it: the vector hands both
		// the same child.
		b = &observerBox{m.requests.WithLabelValues(method, route, "200")}
		m.verifiedGET.Store(b)
	}
	b.Observe(d.Seconds())
}

// watchService adds the service's own figures to the registry, read at
// each scrape: the usage buffer, and delivery attempts by channel and
// outcome. A registry shared by several servers of one service keeps the
// first registration.
func (m *Metrics) watchService(svc *service.Service) {
	collectors := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tokenmint_usage_buffer_pairs",
			Help: "(token, client IP) pairs of usage counted in memory and not yet written.",
		}, func() float64 { return float64(svc.Usage().Pending()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tokenmint_usage_dropped_uses",
			Help: "Uses not counted since the last successful usage flush because the buffer was full.",
		}, func() float64 { return float64(svc.Usage().Dropped()) }),
	}
	for _, channel := range []string{tokenmint.ChannelWebhook, tokenmint.ChannelEmail} {
		for _, outcome := range service.DeliveryOutcomes {
			collectors = append(collectors, prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "tokenmint_delivery_attempts_total",
				Help:        "Finished attempts to deliver a webhook post or an e-mail notice, by channel and outcome (delivered, retry, failed).",
				ConstLabels: prometheus.Labels{"channel": channel, "outcome": outcome},
			}, func() float64 { return float64(svc.DeliveryAttempts(channel, outcome)) }))
		}
	}
	for _, c := range collectors {
		if err := m.reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				panic(err) // a programming error: a clash of metric names
			}
		}
	}
}
