package httpapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/rescuegrid/rescuegrid/internal/metrics"
	"github.com/rescuegrid/rescuegrid/internal/service"
)

// Server serves a service.Service over HTTP. Safe for concurrent use.
type Server struct {
	svc     *service.Service
	logger  *slog.Logger
	metrics *metrics.Metrics
}

// New returns the HTTP adapter of svc; requests are counted in m.
func New(svc *service.Service, logger *slog.Logger, m *metrics.Metrics) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	if m == nil {
		m = metrics.New()
	}
	return &Server{svc: svc, logger: logger, metrics: m}
}

// handlerFunc is a handler that returns its error for the middleware to
// answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler returns the public routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	// route registers a study route at the top level (the default study)
	// and below /studies/{id}/, with one label for both in the metrics.
	route := func(method, path string, h handlerFunc) {
		label := method + " " + path
		mux.Handle(label, s.instrument(label, h))
		mux.Handle(method+" /studies/{id}"+path, s.instrument(label, h))
	}
	route("GET", "/healthz", func(w http.ResponseWriter, r *http.Request) error {
		_, err := w.Write([]byte("ok\n"))
		return err
	})
	route("GET", "/readyz", s.handleReady)
	route("GET", "/api/studies", s.handleStudies)
	route("GET", "/openapi.json", s.handleOpenAPI)
	route("GET", "/api/study", s.handleStudy)
	route("GET", "/api/tables", s.handleTables)
	route("GET", "/api/tables/{name}", s.handleTable)
	route("GET", "/api/isochrone", s.handleIsochrone)
	route("GET", "/api/traveltime", s.handleTravelTime)
	route("POST", "/api/whatif", s.handleWhatIf)
	route("POST", "/api/site", s.handleSite)
	route("GET", "/tiles/{rest...}", s.handleTile)
	route("GET", "/i18n/{lang}", s.handleMessages)
	// The web map: its files at / and below each study's prefix.
	route("GET", "/", s.handlePage)
	mux.Handle("OPTIONS /", s.instrument("OPTIONS /", func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	mux.Handle("/", s.instrument("/", func(w http.ResponseWriter, r *http.Request) error {
		return service.NotFoundf("no route %s %s", r.Method, r.URL.Path)
	}))
	mux.HandleFunc("GET /studies/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
	})
	return s.cors(mux)
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

// handleStudies lists the served studies: id, name, path, status, the
// reason a failed one failed, and the URL prefix of each.
func (s *Server) handleStudies(w http.ResponseWriter, r *http.Request) error {
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
	for i, sl := range s.svc.Slots() {
		in := info{ID: sl.ID(), Path: sl.Path(), Status: "loading", Prefix: "/studies/" + sl.ID() + "/", Default: i == 0}
		if st := sl.Study(); st != nil {
			in.Status, in.Name = "ready", st.In.Study.Name
		} else if msg := sl.LoadError(); msg != "" {
			in.Status, in.Error = "failed", msg
		}
		out = append(out, in)
	}
	return writeJSON(w, out)
}

// AdminHandler returns the admin routes: /metrics.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		s.metrics.Write(w)
		cs := s.svc.TileCacheStats()
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

func (s *Server) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type, If-None-Match")
		h.Set("Access-Control-Expose-Headers", "ETag")
		next.ServeHTTP(w, r)
	})
}

// writeError writes the one JSON error shape with the status
// service.Status maps err to. What an internal error says is logged, not
// told.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := service.Status(err)
	if status == http.StatusInternalServerError {
		s.logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
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

// instrument wraps a handler: a per-request time limit and body limit,
// panic recovery (a request never takes the server down), the error shape,
// an access log line and the metrics.
func (s *Server) instrument(label string, h handlerFunc) http.Handler {
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
			if err := h(sw, r); err != nil {
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
