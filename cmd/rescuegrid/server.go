package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
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
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/data/webmap"
	"github.com/rescuegrid/rescuegrid/internal/lru"
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
	// TileCacheBytes bounds the cache of rendered tiles (0: no cache).
	TileCacheBytes int64
}

// studyState is a loaded study: immutable once published.
type studyState struct {
	id      string // in URLs: /studies/{id}/
	path    string
	in      *study.Inputs
	res     *coverage.Result
	shelter *shelter.Result // nil without shelters or depots
	tables  map[string]arrow.Record
	bounds  map[string][]orb.Bound // per table, per row: the geometry's bounds
	summary []byte                 // summary JSON
	tiles   *tiles.Set
	loaded  time.Time
	// siteMats caches POST /api/site's matrices of generated candidates
	// (siteKey -> *siteEntry).
	siteMats sync.Map
}

// slot is one served study: its id in URLs, its path, and once loaded its
// state or the reason it failed.
type slot struct {
	id, path string
	state    atomic.Pointer[studyState]
	loadErr  atomic.Pointer[string]
}

// server holds the studies, a pool of search workspaces per graph and the
// counters. Handlers only parse, call and encode. The first study is the
// default one, served at the top-level routes; every study is also served
// below /studies/{id}/.
type server struct {
	cfg      serverConfig
	logger   *slog.Logger
	mu       sync.RWMutex // guards studies and byID (slots are added before serving)
	studies  []*slot
	byID     map[string]*slot
	searches sync.Pool
	metrics  *metrics
	tiles    *lru.Cache[tileKey, cachedTile] // rendered tiles
}

func newServer(cfg serverConfig, logger *slog.Logger) *server {
	return &server{cfg: cfg, logger: logger, metrics: newMetrics(), byID: map[string]*slot{},
		tiles: lru.New[tileKey, cachedTile](cfg.TileCacheBytes)}
}

// studyID names a study in URLs: the folder of a "study.yaml" (or of an
// output folder's), else the file name without its extension, lower case,
// with anything but letters, digits, '-' and '_' turned into '-'.
func studyID(path string) string {
	base := filepath.Base(filepath.Clean(path))
	if base == "study.yaml" || base == "study.yml" {
		base = filepath.Base(filepath.Dir(filepath.Clean(path)))
	}
	base = strings.TrimSuffix(strings.TrimSuffix(base, ".yaml"), ".yml")
	id := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, base)
	if id == "" || id == "." || id == ".." {
		id = "study"
	}
	return id
}

// add registers a study (not yet loaded) and returns its slot; ids are made
// unique with a -2, -3 … suffix.
func (s *server) add(path string) *slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := studyID(path)
	for k := 2; s.byID[id] != nil; k++ {
		id = fmt.Sprintf("%s-%d", studyID(path), k)
	}
	sl := &slot{id: id, path: path}
	s.studies = append(s.studies, sl)
	s.byID[id] = sl
	return sl
}

// def is the default study (the first added), nil before any.
func (s *server) def() *slot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.studies) == 0 {
		return nil
	}
	return s.studies[0]
}

// slots returns the studies in order.
func (s *server) slots() []*slot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]*slot(nil), s.studies...)
}

// load adds a study and computes it (see loadSlot).
func (s *server) load(ctx context.Context, path string) {
	s.loadSlot(ctx, s.add(path))
}

// loadSlot computes a study and publishes it. A failure is kept and
// reported by /readyz and /api/studies; the server stays up.
func (s *server) loadSlot(ctx context.Context, sl *slot) {
	t0 := time.Now()
	st, err := s.compute(ctx, sl.path)
	if err != nil {
		msg := err.Error()
		sl.loadErr.Store(&msg)
		s.logger.Error("study failed to load", "study", sl.path, "id", sl.id, "err", err)
		return
	}
	st.id = sl.id
	sl.state.Store(st)
	s.logger.Info("study loaded", "study", sl.path, "id", sl.id, "cells", len(st.in.Coverage.Cells), "took", time.Since(t0).Round(time.Millisecond))
}

// fromOutput resolves an analyze output folder to the study file it
// records, and returns the folder's summary to check the new run against.
func fromOutput(dir string) (string, *study.Summary, error) {
	b, err := os.ReadFile(filepath.Join(dir, study.SummaryFile))
	if err != nil {
		return "", nil, fmt.Errorf("%s is a folder but not a rescuegrid output (no readable %s): %w", dir, study.SummaryFile, err)
	}
	var sum study.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		return "", nil, fmt.Errorf("%s: %w", filepath.Join(dir, study.SummaryFile), err)
	}
	if sum.StudyFile == "" {
		return "", nil, fmt.Errorf("%s names no study file (a siting output, or from an older version): serve the study file itself", filepath.Join(dir, study.SummaryFile))
	}
	if _, err := os.Stat(sum.StudyFile); err != nil {
		return "", nil, fmt.Errorf("%s was computed from %s, which is gone: %w", dir, sum.StudyFile, err)
	}
	return sum.StudyFile, &sum, nil
}

func (s *server) compute(ctx context.Context, path string) (*studyState, error) {
	var want *study.Summary
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		dir := path
		if path, want, err = fromOutput(dir); err != nil {
			return nil, err
		}
		s.logger.Info("serving an output folder: recomputing its study to keep the graph for on-demand queries", "folder", dir, "study", path)
	}
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
	if want != nil {
		// The folder's answer must be the one served: inputs changed since
		// it was written would silently serve something else.
		got := res.Summary
		if got.Cells != want.Cells || math.Abs(got.Residents-want.Residents) > 1e-6*max(1, want.Residents) ||
			math.Abs(got.Within-want.Within) > 1e-6*max(1, want.Within) {
			return nil, fmt.Errorf("the study %s now gives %d cells, %.0f residents, %.0f within the circle, but the output folder says %d, %.0f, %.0f (written %s): its inputs changed; serve the study file for the current answer",
				path, got.Cells, got.Residents, got.Within, want.Cells, want.Residents, want.Within, want.Created.Format(time.RFC3339))
		}
	}
	tables, err := study.Tables(memory.NewGoAllocator(), in, res)
	if err != nil {
		return nil, err
	}
	var sres *shelter.Result
	if in.Shelter != nil {
		if sres, err = shelter.Compute(ctx, *in.Shelter); err != nil {
			return nil, fmt.Errorf("shelters: %w", err)
		}
		stabs, err := study.ShelterTables(memory.NewGoAllocator(), in, sres)
		if err != nil {
			return nil, err
		}
		for n, rec := range stabs {
			tables[n] = rec
		}
	}
	bm, err := tiles.BasemapFor(ctx, in)
	if err != nil {
		return nil, err
	}
	ts, err := tiles.NewSet(in, res, tiles.Options{Shelters: sres, Basemap: bm})
	if err != nil {
		return nil, err
	}
	st := &studyState{path: path, in: in, res: res, shelter: sres, tables: tables, tiles: ts, bounds: map[string][]orb.Bound{}, loaded: time.Now()}
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

// studyKey is the request context key of the study a /studies/{id}/ route
// chose.
type studyKey struct{}

// ready returns the study a request is for (the default one unless routed
// below /studies/{id}/) or a 503 explaining why it is not there.
func (s *server) ready(r *http.Request) (*studyState, error) {
	sl, _ := r.Context().Value(studyKey{}).(*slot)
	if sl == nil {
		sl = s.def()
	}
	return sl.ready()
}

func (sl *slot) ready() (*studyState, error) {
	if sl == nil {
		return nil, &apiError{http.StatusServiceUnavailable, "no study"}
	}
	if st := sl.state.Load(); st != nil {
		return st, nil
	}
	if msg := sl.loadErr.Load(); msg != nil {
		return nil, &apiError{http.StatusServiceUnavailable, "study " + sl.id + " failed to load: " + *msg}
	}
	return nil, &apiError{http.StatusServiceUnavailable, "study " + sl.id + " is loading"}
}

// slotByID returns the study with that id ("" is the default study).
func (s *server) slotByID(id string) (*slot, error) {
	if id == "" {
		return s.def(), nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if sl := s.byID[id]; sl != nil {
		return sl, nil
	}
	ids := make([]string, len(s.studies))
	for i, x := range s.studies {
		ids[i] = x.id
	}
	return nil, &apiError{http.StatusNotFound, fmt.Sprintf("no study %q (studies: %s)", id, strings.Join(ids, ", "))}
}

// prefix is the path prefix of a request's study routes: "" for the
// default study at the top level, "/studies/{id}" below it.
func prefix(r *http.Request) string {
	if sl, _ := r.Context().Value(studyKey{}).(*slot); sl != nil {
		return "/studies/" + sl.id
	}
	return ""
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
		// Ready when every study has loaded; a failed one keeps it at 503
		// with the reason (a configuration error to see, not to restart on).
		slots := s.slots()
		if len(slots) == 0 {
			return &apiError{http.StatusServiceUnavailable, "no study"}
		}
		for _, sl := range slots {
			if _, err := sl.ready(); err != nil {
				return err
			}
		}
		w.Write([]byte("ready\n"))
		return nil
	})
	route("GET /api/studies", s.handleStudies)
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
	page := webmap.Handler()
	route("GET /", func(w http.ResponseWriter, r *http.Request) error {
		if !webmap.Has(r.URL.Path) {
			return &apiError{http.StatusNotFound, "no route " + r.Method + " " + r.URL.Path}
		}
		page.ServeHTTP(w, r)
		return nil
	})
	route("/", func(w http.ResponseWriter, r *http.Request) error {
		return &apiError{http.StatusNotFound, "no route " + r.Method + " " + r.URL.Path}
	})
	// /studies/{id}/... serves the same routes for one study.
	outer := http.NewServeMux()
	outer.Handle("/", mux)
	outer.Handle("/studies/{id}/{rest...}", s.instrument("/studies/{id}/", func(w http.ResponseWriter, r *http.Request) error {
		sl, err := s.slotByID(r.PathValue("id"))
		if err != nil {
			return err
		}
		r2 := r.Clone(context.WithValue(r.Context(), studyKey{}, sl))
		r2.URL.Path = "/" + r.PathValue("rest")
		r2.URL.RawPath = ""
		mux.ServeHTTP(w, r2)
		return nil
	}))
	outer.HandleFunc("/studies/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
	})
	return s.cors(outer)
}

// handleStudies lists the served studies: id, name, path, status, the
// reason a failed one failed, and the URL prefix of each.
func (s *server) handleStudies(w http.ResponseWriter, r *http.Request) error {
	type info struct {
		ID      string `json:"id"`
		Name    string `json:"name,omitempty"`
		Path    string `json:"path"`
		Status  string `json:"status"` // loading, ready, failed
		Error   string `json:"error,omitempty"`
		Prefix  string `json:"prefix"`
		Default bool   `json:"default"`
	}
	out := []info{}
	for i, sl := range s.slots() {
		in := info{ID: sl.id, Path: sl.path, Status: "loading", Prefix: "/studies/" + sl.id + "/", Default: i == 0}
		if st := sl.state.Load(); st != nil {
			in.Status, in.Name = "ready", st.in.Study.Name
		} else if msg := sl.loadErr.Load(); msg != nil {
			in.Status, in.Error = "failed", *msg
		}
		out = append(out, in)
	}
	return writeJSON(w, out)
}

func (s *server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		s.metrics.write(w)
		cs := s.tiles.Stats()
		fmt.Fprintln(w, "# HELP rescuegrid_tile_cache_hits_total Tiles served from the cache.")
		fmt.Fprintln(w, "# TYPE rescuegrid_tile_cache_hits_total counter")
		fmt.Fprintf(w, "rescuegrid_tile_cache_hits_total %d\n", cs.Hits)
		fmt.Fprintln(w, "# HELP rescuegrid_tile_cache_misses_total Tiles rendered because the cache did not hold them.")
		fmt.Fprintln(w, "# TYPE rescuegrid_tile_cache_misses_total counter")
		fmt.Fprintf(w, "rescuegrid_tile_cache_misses_total %d\n", cs.Misses)
		fmt.Fprintln(w, "# HELP rescuegrid_tile_cache_bytes Bytes of rendered tiles held.")
		fmt.Fprintln(w, "# TYPE rescuegrid_tile_cache_bytes gauge")
		fmt.Fprintf(w, "rescuegrid_tile_cache_bytes %d\n", cs.Bytes)
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
