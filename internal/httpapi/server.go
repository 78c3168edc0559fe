package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rescuegrid/rescuegrid/internal/metrics"
	"github.com/rescuegrid/rescuegrid/internal/service"
)

// Config is what the HTTP adapter checks before any work.
type Config struct {
	// Origins are the web origins ("https://maps.example.org") whose pages
	// may POST (what-if, siting). A page always may POST to the server that
	// served it; GET is open to every origin.
	Origins []string
	// CheckHost refuses a Host header that is not a loopback name
	// (localhost, 127.0.0.1, ::1) or one of Hosts: set it when the server
	// listens on loopback only, so that a web page whose name was rebound
	// to 127.0.0.1 (DNS rebinding) cannot reach it.
	CheckHost bool
	Hosts     []string
	// Token, when set, is the bearer token every request but the health
	// probes must carry ("Authorization: Bearer TOKEN").
	Token string
}

// Server serves a service.Service over HTTP. Safe for concurrent use.
type Server struct {
	svc     *service.Service
	cfg     Config
	logger  *slog.Logger
	metrics *metrics.Metrics
}

// New returns the HTTP adapter of svc with the default Config (no
// configured origins, no Host check, no token); requests are counted in m.
func New(svc *service.Service, logger *slog.Logger, m *metrics.Metrics) *Server {
	return NewWithConfig(svc, Config{}, logger, m)
}

// NewWithConfig returns the HTTP adapter of svc checking requests as cfg
// says; requests are counted in m (nil: a registry of its own).
func NewWithConfig(svc *service.Service, cfg Config, logger *slog.Logger, m *metrics.Metrics) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	if m == nil {
		m = metrics.New()
	}
	if err := m.Register(serviceCollectors(svc)...); err != nil {
		panic(err) // the names are ours and fixed: a clash is a programming error
	}
	return &Server{svc: svc, cfg: cfg, logger: logger, metrics: m}
}

// handlerFunc is a handler that returns its error for the middleware to
// answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler returns the public routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// route registers a study route at the top level (the default study)
	// and below /studies/{id}/, with one label for both in the metrics;
	// work is the admission lane its requests wait in (probe: none).
	route := func(method, path string, work service.Work, h handlerFunc) {
		label := method + " " + path
		mux.Handle(label, s.instrument(label, work, h))
		mux.Handle(method+" /studies/{id}"+path, s.instrument(label, work, h))
	}
	// The health probes are answered ahead of any work: no lane, no
	// token.
	route("GET", "/healthz", probe, func(w http.ResponseWriter, r *http.Request) error {
		_, err := w.Write([]byte("ok\n"))
		return err
	})
	route("GET", "/readyz", probe, s.handleReady)
	route("GET", "/api/studies", service.Cheap, s.handleStudies)
	route("GET", "/openapi.json", service.Cheap, s.handleOpenAPI)
	route("GET", "/api/study", service.Cheap, s.handleStudy)
	route("GET", "/api/tables", service.Cheap, s.handleTables)
	route("GET", "/api/tables/{name}", service.Cheap, s.handleTable)
	route("GET", "/api/isochrone", service.Isochrone, s.handleIsochrone)
	// A travel time is one search over the whole graph: an isochrone's
	// cost, in its lane.
	route("GET", "/api/traveltime", service.Isochrone, s.handleTravelTime)
	route("POST", "/api/whatif", service.WhatIf, s.handleWhatIf)
	route("POST", "/api/site", service.Siting, s.handleSite)
	route("GET", "/tiles/{rest...}", service.Cheap, s.handleTile)
	route("GET", "/i18n/{lang}", service.Cheap, s.handleMessages)
	// The web map: its files at / and below each study's prefix.
	route("GET", "/", service.Cheap, s.handlePage)
	mux.Handle("OPTIONS /", s.instrument("OPTIONS /", probe, s.handlePreflight))
	mux.Handle("/", s.instrument("/", probe, func(w http.ResponseWriter, r *http.Request) error {
		return service.NotFoundf("no route %s %s", r.Method, r.URL.Path)
	}))
	mux.HandleFunc("GET /studies/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
	})
	return mux
}

// study returns the study a request is for: the default one, or the one
// its /studies/{id}/ prefix names.
func (s *Server) study(r *http.Request) (*service.Study, error) {
	return s.svc.Ready(r.PathValue("id"))
}

// prefix is the path prefix of a request's study routes: "" for the
// default study at the top level, "/studies/{id}" below it.
func prefix(r *http.Request) string {
	if id := r.PathValue("id"); id != "" {
		return "/studies/" + id
	}
	return ""
}

// handleReady: ready when every study has loaded; a failed one keeps it at
// 503 with the reason (a configuration error to see, not to restart on).
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	slots := s.svc.Slots()
	if len(slots) == 0 {
		_, err := (*service.Slot)(nil).Ready()
		return err
	}
	for _, sl := range slots {
		if _, err := sl.Ready(); err != nil {
			return err
		}
	}
	_, err := w.Write([]byte("ready\n"))
	return err
}

// handleStudies lists the served studies: id, name, file name, status, the
// reason a failed one failed, and the URL prefix of each.
func (s *Server) handleStudies(w http.ResponseWriter, r *http.Request) error {
	type info struct {
		ID      string `json:"id"`
		Name    string `json:"name,omitempty"`
		File    string `json:"file"`   // the study file's name (where it is is the server's business)
		Status  string `json:"status"` // loading, ready, failed
		Error   string `json:"error,omitempty"`
		Prefix  string `json:"prefix"`
		Default bool   `json:"default"`
	}
	out := []info{}
	for i, sl := range s.svc.Slots() {
		in := info{ID: sl.ID(), File: filepath.Base(sl.Path()), Status: "loading", Prefix: "/studies/" + sl.ID() + "/", Default: i == 0}
		if st := sl.Study(); st != nil {
			in.Status, in.Name = "ready", st.In.Study.Name
		} else if msg := sl.LoadError(); msg != "" {
			in.Status, in.Error = "failed", service.Tell(msg)
		}
		out = append(out, in)
	}
	return writeJSON(w, out)
}

// AdminHandler returns the admin routes: /metrics (Prometheus text).
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	return mux
}

// serviceCollectors export the caches' counters and the admission lanes.
func serviceCollectors(svc *service.Service) []prometheus.Collector {
	cs := []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rescuegrid_tile_cache_hits_total", Help: "Tiles served from the cache."},
			func() float64 { return float64(svc.TileCacheStats().Hits) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rescuegrid_tile_cache_misses_total", Help: "Tiles rendered because the cache did not hold them."},
			func() float64 { return float64(svc.TileCacheStats().Misses) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rescuegrid_tile_cache_bytes", Help: "Bytes of rendered tiles held, each counted at its heap cost."},
			func() float64 { return float64(svc.TileCacheStats().Bytes) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rescuegrid_site_cache_bytes", Help: "Bytes of siting matrices held."},
			func() float64 { return float64(svc.SiteCacheStats().Bytes) }),
	}
	for _, w := range service.Works() {
		lane := func() service.LaneStats { return svc.AdmissionStats()[w] }
		l := prometheus.Labels{"work": w.String()}
		cs = append(cs,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rescuegrid_work_running", Help: "Requests running, by kind of work.", ConstLabels: l},
				func() float64 { return float64(lane().Running) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "rescuegrid_work_queued", Help: "Requests waiting for a slot, by kind of work.", ConstLabels: l},
				func() float64 { return float64(lane().Queued) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rescuegrid_work_refused_total", Help: "Requests turned away busy (503), by kind of work.", ConstLabels: l},
				func() float64 { return float64(lane().Refused) }))
	}
	return cs
}

// writeError writes the one JSON error shape with the status
// service.Status maps err to. What an internal error says is logged, not
// told.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := service.Status(err)
	if status == http.StatusInternalServerError {
		s.logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var busy *service.OverloadedError
	if errors.As(err, &busy) {
		w.Header().Set("Retry-After", strconv.Itoa(int(busy.RetryAfter.Seconds())))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": service.Message(err)})
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
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

// Unwrap lets http.ResponseController reach the connection.
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// probe marks a route that is no work: health probes, preflights, 404s.
const probe service.Work = -1

// instrument wraps a handler: the checks of check, a per-request time
// limit and body limit, a slot in its admission lane, panic recovery (a
// request never takes the server down), the error shape, an access log
// line and the metrics.
func (s *Server) instrument(label string, work service.Work, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		lim := s.svc.Limits()
		sw := &statusWriter{ResponseWriter: w}
		ctx, cancel := contextWithTimeout(r, lim.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		r.Body = http.MaxBytesReader(sw, r.Body, lim.MaxBodyBytes)
		func() {
			defer func() {
				if p := recover(); p != nil {
					s.logger.Error("panic in handler", "route", label, "panic", p, "stack", string(debug.Stack()))
					if sw.status == 0 {
						s.writeError(sw, r, fmt.Errorf("panic: %v", p))
					}
				}
			}()
			err := s.check(sw, r, work == probe && label != "/")
			if err == nil && work != probe {
				var release func()
				if release, err = s.svc.Admit(ctx, work); err == nil {
					defer release()
				}
			}
			if err == nil {
				err = h(sw, r)
			}
			if err != nil {
				if sw.status == 0 {
					s.writeError(sw, r, err)
				} else {
					s.logger.Warn("error after the response started", "route", label, "err", err)
				}
			}
		}()
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(t0)
		s.metrics.Observe(label, sw.status, d)
		s.logger.Debug("request", "method", r.Method, "route", label, "status", sw.status, "bytes", sw.bytes, "took", d)
	})
}
