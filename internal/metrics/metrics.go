// Package metrics counts the service's requests by route and status, with
// latency histograms, for the Prometheus scrape of the admin listener. The
// HTTP and Flight adapters both record into one Metrics. It knows nothing
// of the protocols: a route is a name, a status an HTTP-style number.
package metrics

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Metrics are Prometheus counters and latency histograms by route and
// status. Safe for concurrent use.
type Metrics struct {
	mu       sync.Mutex
	requests map[string]uint64  // route|status
	seconds  map[string]float64 // route
	count    map[string]uint64  // route
	buckets  map[string][]uint64
}

var latencyBuckets = []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5}

// New returns empty metrics.
func New() *Metrics {
	return &Metrics{requests: map[string]uint64{}, seconds: map[string]float64{}, count: map[string]uint64{}, buckets: map[string][]uint64{}}
}

// Observe counts one request of route answered with status after d.
func (m *Metrics) Observe(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[route+"|"+strconv.Itoa(status)]++
	m.seconds[route] += d.Seconds()
	m.count[route]++
	b := m.buckets[route]
	if b == nil {
		b = make([]uint64, len(latencyBuckets))
		m.buckets[route] = b
	}
	for i, le := range latencyBuckets {
		if d.Seconds() <= le {
			b[i]++
		}
	}
}

// Write writes the metrics in the Prometheus text format.
func (m *Metrics) Write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "# HELP rescuegrid_http_requests_total HTTP requests by route and status.")
	fmt.Fprintln(w, "# TYPE rescuegrid_http_requests_total counter")
	for _, k := range keys {
		route, status, _ := strings.Cut(k, "|")
		fmt.Fprintf(w, "rescuegrid_http_requests_total{route=%q,status=%q} %d\n", route, status, m.requests[k])
	}
	routes := make([]string, 0, len(m.count))
	for r := range m.count {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Fprintln(w, "# HELP rescuegrid_http_request_duration_seconds Request latency by route.")
	fmt.Fprintln(w, "# TYPE rescuegrid_http_request_duration_seconds histogram")
	for _, r := range routes {
		for i, le := range latencyBuckets {
			fmt.Fprintf(w, "rescuegrid_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", r, strconv.FormatFloat(le, 'g', -1, 64), m.buckets[r][i])
		}
		fmt.Fprintf(w, "rescuegrid_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", r, m.count[r])
		fmt.Fprintf(w, "rescuegrid_http_request_duration_seconds_sum{route=%q} %g\n", r, m.seconds[r])
		fmt.Fprintf(w, "rescuegrid_http_request_duration_seconds_count{route=%q} %d\n", r, m.count[r])
	}
}
