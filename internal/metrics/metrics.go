// Package metrics holds the service's Prometheus metrics: requests by
// route and status with latency histograms (HTTP), calls by method and
// gRPC code (Flight), admission (work in flight, queued, refused), the tile
// cache, and the Go runtime and process collectors (resident memory, open
// files, CPU). The admin listener serves them with Handler. Both adapters
// record into one Metrics.
package metrics

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// latencyBuckets are the request latency histogram's upper bounds, seconds:
// from a cached tile (about 1 ms) to a siting near its time limit.
var latencyBuckets = []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 10, 30}

// Metrics is one registry of the service's metrics. Safe for concurrent
// use.
type Metrics struct {
	// Registry holds every metric below plus the Go and process
	// collectors; register more with Register.
	Registry *prometheus.Registry

	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	flightCalls    *prometheus.CounterVec
	flightDuration *prometheus.HistogramVec
}

// New returns a registry with the service's metrics and the Go runtime and
// process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rescuegrid_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rescuegrid_http_request_duration_seconds", Help: "HTTP request latency by route.", Buckets: latencyBuckets,
		}, []string{"route"}),
		flightCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rescuegrid_flight_calls_total", Help: "Arrow Flight calls by method and gRPC code.",
		}, []string{"method", "code"}),
		flightDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rescuegrid_flight_call_duration_seconds", Help: "Arrow Flight call latency by method.", Buckets: latencyBuckets,
		}, []string{"method"}),
	}
	m.Registry.MustRegister(m.requests, m.duration, m.flightCalls, m.flightDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe counts one HTTP request of route answered with status after d.
func (m *Metrics) Observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// ObserveFlight counts one Flight call of method (DoGet, ListFlights …)
// that ended with the gRPC code named code (codes.Code.String: "OK",
// "NotFound" …) after d.
func (m *Metrics) ObserveFlight(method, code string, d time.Duration) {
	m.flightCalls.WithLabelValues(method, code).Inc()
	m.flightDuration.WithLabelValues(method).Observe(d.Seconds())
}

// Register adds collectors; one already registered (an adapter built twice
// over the same Metrics) is kept, not an error.
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.Registry.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return err
			}
		}
	}
	return nil
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

func itoa(n int) string {
	if n >= 100 && n < 1000 {
		return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
	}
	return "other"
}
