package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/data/study"
	"github.com/rescuegrid/rescuegrid/data/tiles"
)

// limits bound what one request may ask for.
type limits struct {
	MaxBBoxDeg2  float64       // largest bounding box, square degrees
	MaxMinutes   float64       // largest isochrone limit
	MaxPoints    int           // most bases a what-if may add or remove
	Timeout      time.Duration // per request
	MaxBodyBytes int64
}

func defaultLimits() limits {
	return limits{MaxBBoxDeg2: 25, MaxMinutes: 120, MaxPoints: 50, Timeout: 30 * time.Second, MaxBodyBytes: 1 << 20}
}

type serverConfig struct {
	Limits limits
}

// studyState is a loaded study: immutable once published.
type studyState struct {
	path    string
	in      *study.Inputs
	res     *coverage.Result
	tables  map[string]arrow.Record
	bounds  map[string][]orb.Bound // per table, per row: the geometry's bounds
	summary []byte                 // summary JSON
	tiles   *tiles.Set
	loaded  time.Time
}

// server holds the study, a pool of search workspaces and the counters.
// Handlers only parse, call and encode.
type server struct {
	cfg      serverConfig
	logger   *slog.Logger
	state    atomic.Pointer[studyState]
	loadErr  atomic.Pointer[string]
	searches sync.Pool
	metrics  *metrics
}

func newServer(cfg serverConfig, logger *slog.Logger) *server {
	return &server{cfg: cfg, logger: logger, metrics: newMetrics()}
}

// load computes the study and publishes it. A failure is kept and reported
// by /readyz; the server stays up.
func (s *server) load(ctx context.Context, path string) {
	t0 := time.Now()
	st, err := s.compute(ctx, path)
	if err != nil {
		msg := err.Error()
		s.loadErr.Store(&msg)
		s.logger.Error("study failed to load", "study", path, "err", err)
		return
	}
	s.state.Store(st)
	s.logger.Info("study loaded", "study", path, "cells", len(st.in.Coverage.Cells), "took", time.Since(t0).Round(time.Millisecond))
}

func (s *server) compute(ctx context.Context, path string) (*studyState, error) {
	sd, err := study.Load(path)
	if err != nil {
		return nil, err
	}
	in, err := study.Read(ctx, sd, study.Options{Generator: "rescuegrid " + versionString()})
	if err != nil {
		return nil, err
	}
	res, err := coverage.Compute(ctx, in.Coverage)
	if err != nil {
		return nil, err
	}
	tables, err := study.Tables(memory.NewGoAllocator(), in, res)
	if err != nil {
		return nil, err
	}
	ts, err := tiles.NewSet(in, res, tiles.Options{})
	if err != nil {
		return nil, err
	}
	st := &studyState{path: path, in: in, res: res, tables: tables, tiles: ts, bounds: map[string][]orb.Bound{}, loaded: time.Now()}
	for name, rec := range tables {
		idx := rec.Schema().FieldIndices("geometry")
		if len(idx) != 1 {
			continue
		}
		col := rec.Column(idx[0]).(interface {
			Value(int) []byte
			IsNull(int) bool
		})
		b := make([]orb.Bound, rec.NumRows())
		for i := range b {
			if col.IsNull(i) {
				continue
			}
			g, err := wkb.Unmarshal(col.Value(i))
			if err != nil {
				return nil, fmt.Errorf("table %s row %d: %w", name, i, err)
			}
			b[i] = g.Bound()
		}
		st.bounds[name] = b
	}
	summary := map[string]any{
		"study": in.Study.Name, "standard": in.Study.Standard, "resolution": in.Study.Resolution,
		"residents": res.Summary.Residents, "within": res.Summary.Within, "share": res.Summary.Share,
		"outside": res.Summary.Outside, "cells": res.Summary.Cells, "no_road_cells": res.Summary.NoRoadCells,
		"units": len(res.Units), "bases": len(res.Bases), "population_source": in.Population.Source,
	}
	if st.summary, err = json.Marshal(summary); err != nil {
		return nil, err
	}
	return st, nil
}

// search returns a workspace for the current graph; put it back with release.
func (s *server) search(st *studyState) *route.Search {
	if v := s.searches.Get(); v != nil {
		if sr := v.(*route.Search); sr.Graph() == st.in.Graph {
			return sr
		}
	}
	return route.NewSearch(st.in.Graph)
}

func (s *server) release(sr *route.Search) { s.searches.Put(sr) }

// apiError is an error with the HTTP status it maps to.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

// writeError writes the one JSON error shape.
func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		status = ae.status
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		status = 499 // client closed the request
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

// ready returns the loaded study or a 503 explaining why there is none.
func (s *server) ready() (*studyState, error) {
	if st := s.state.Load(); st != nil {
		return st, nil
	}
	if msg := s.loadErr.Load(); msg != nil {
		return nil, &apiError{http.StatusServiceUnavailable, "study failed to load: " + *msg}
	}
	return nil, &apiError{http.StatusServiceUnavailable, "study is loading"}
}

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h handlerFunc) {
		mux.Handle(pattern, s.instrument(pattern, h))
	}
	route("GET /healthz", func(w http.ResponseWriter, r *http.Request) error {
		w.Write([]byte("ok\n"))
		return nil
	})
	route("GET /readyz", func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.ready(); err != nil {
			return err
		}
		w.Write([]byte("ready\n"))
		return nil
	})
	route("GET /openapi.json", s.handleOpenAPI)
	route("GET /api/study", s.handleStudy)
	route("GET /api/tables", s.handleTables)
	route("GET /api/tables/{name}", s.handleTable)
	route("GET /api/isochrone", s.handleIsochrone)
	route("GET /api/traveltime", s.handleTravelTime)
	route("POST /api/whatif", s.handleWhatIf)
	route("POST /api/site", s.handleSite)
	route("GET /tiles/{rest...}", s.handleTile)
	route("OPTIONS /", func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	route("/", func(w http.ResponseWriter, r *http.Request) error {
		return &apiError{http.StatusNotFound, "no route " + r.Method + " " + r.URL.Path}
	})
	return s.cors(mux)
}

func (s *server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		s.metrics.write(w)
	})
	return mux
}

func (s *server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type, If-None-Match")
		h.Set("Access-Control-Expose-Headers", "ETag")
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (sw *statusWriter) WriteHeader(code int) {
	if sw.status == 0 {
		sw.status = code
	}
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *statusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	n, err := sw.ResponseWriter.Write(b)
	sw.bytes += int64(n)
	return n, err
}

// instrument wraps a handler: a per-request timeout and body limit, panic
// recovery (a request never takes the server down), the error shape, an
// access log line and the metrics.
func (s *server) instrument(pattern string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Limits.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(sw, r.Body, s.cfg.Limits.MaxBodyBytes)
		func() {
			defer func() {
				if p := recover(); p != nil {
					s.logger.Error("panic in handler", "route", pattern, "panic", p, "stack", string(debug.Stack()))
					if sw.status == 0 {
						writeError(sw, fmt.Errorf("internal error"))
					}
				}
			}()
			if err := h(sw, r); err != nil {
				if sw.status == 0 {
					writeError(sw, err)
				} else {
					s.logger.Warn("error after the response started", "route", pattern, "err", err)
				}
			}
		}()
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(t0)
		s.metrics.observe(pattern, sw.status, d)
		s.logger.Debug("request", "method", r.Method, "route", pattern, "status", sw.status, "bytes", sw.bytes, "took", d)
	})
}

// metrics are Prometheus counters and latency sums by route and status.
type metrics struct {
	mu       sync.Mutex
	requests map[string]uint64  // route|status
	seconds  map[string]float64 // route
	count    map[string]uint64  // route
	buckets  map[string][]uint64
}

var latencyBuckets = []float64{0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5}

func newMetrics() *metrics {
	return &metrics{requests: map[string]uint64{}, seconds: map[string]float64{}, count: map[string]uint64{}, buckets: map[string][]uint64{}}
}

func (m *metrics) observe(route string, status int, d time.Duration) {
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

func (m *metrics) write(w http.ResponseWriter) {
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
