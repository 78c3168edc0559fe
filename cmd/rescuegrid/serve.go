package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rescuegrid/rescuegrid/internal/flightapi"
	"github.com/rescuegrid/rescuegrid/internal/httpapi"
	"github.com/rescuegrid/rescuegrid/internal/metrics"
	"github.com/rescuegrid/rescuegrid/internal/service"
)

const serveHelp = `
Serve a study to GIS clients, analysts' code and browsers: its tables as
Arrow IPC streams (and JSON, GeoJSON, CSV), on-demand isochrones, travel
times and what-if questions over the road graph kept in memory.

With no study it serves the bundled sample (data/sample/andorra/study.yaml,
looked up beside the working directory). Given an analyze output folder, it
serves the study that folder was computed from (recomputed, to keep the graph
for on-demand queries) and refuses if the answer differs from the folder's
summary.json (its inputs changed).

Several studies (a county each, or a baseline and a plan) are served side by
side: the first at the routes below, every one below /studies/{id}/ (the same
routes, the web map included; id from the study's folder or file name), and
/api/studies lists them with their status. The study is computed at start; the
server answers /healthz at once and /readyz when the study is ready (or with
the reason it failed: the server stays up).

Routes (GET unless noted; errors are JSON {"error": "..."} with a 4xx/5xx):
  /                                  the web map (MapLibre GL JS, from the binary)
  /tiles/{layer}.json                TileJSON 3.0: cells, isochrones, bases, units,
                                     gaps (+ shelters, depots when the study has them)
  /tiles/{layer}/{z}/{x}/{y}.mvt     Mapbox Vector Tile (gzip, ETag; 204 when empty)
  /healthz, /readyz                  liveness, readiness
  /openapi.json                      the API description
  /api/study                         the study's summary (JSON)
  /api/tables                        the table names and row counts
  /api/tables/{name}                 cells|units|bases|isochrones|gaps (+ shelters,
                                     shelter_cells, shelter_units, depots) as an Arrow
                                     IPC stream; ?format=json|geojson|csv,
                                     ?columns=a,b  ?bbox=minLon,minLat,maxLon,maxLat
                                     ?unit=ID
  /api/isochrone?lon=&lat=&minutes=5,10,15[&res=9][&format=arrow]  GeoJSON or Arrow
  /api/traveltime?from=lon,lat&to=lon,lat            JSON seconds
  POST /api/whatif                   {"add":[{"id","lon","lat","team_size"}],
                                      "remove":["base id"]} -> coverage per unit
  /metrics                           Prometheus text (on --admin-addr): requests,
                                     admission lanes, caches, Go runtime, process (RSS)

Safe by default: bound to loopback it answers only loopback host names
(--allow-host adds names: a page whose DNS name was rebound to 127.0.0.1
is refused); any web page may read (GET), only the server's own page and
--cors-origin origins may POST, and only JSON. --tls-cert/--tls-key serve
HTTPS and grpc+tls; --token-file (or $RESCUEGRID_TOKEN) requires
"Authorization: Bearer TOKEN" of every HTTP request but /healthz and
/readyz, and of every Flight call. Serving beyond loopback without both
logs a warning. Work is admitted per kind (cheap reads, isochrones and
travel times, what-ifs, sitings), each with a bounded queue: beyond it,
503 with Retry-After; the health probes are answered ahead of any work.
A request that runs out of time is a 504 (Flight: DEADLINE_EXCEEDED).

Arrow Flight (gRPC, on --flight-addr): ListFlights lists the tables; a
flight's descriptor is the path [table]; DoGet takes a ticket that is the
table's name or a JSON query {"table","columns","bbox","unit"}, e.g. in Python:
  flight.connect("grpc://127.0.0.1:8815").do_get(flight.Ticket(b"cells")).read_pandas()

Usage:
  rescuegrid serve [STUDY.yaml|OUTPUT_DIR ...] [--addr 127.0.0.1:8080] [--admin-addr 127.0.0.1:9090]
                   [--flight-addr 127.0.0.1:8815] [--tls-cert F --tls-key F] [--token-file F]
                   [--cors-origin ORIGINS] [--allow-host NAMES] [--flight-max-conns N]

Example:
  rescuegrid serve data/sample/andorra/study.yaml --addr 127.0.0.1:8080
  curl 'http://127.0.0.1:8080/api/tables/units?format=json'
`

// serveFlags are the serve command's settings.
type serveFlags struct {
	addr, adminAddr, flightAddr string
	tileCacheMB                 int
	tlsCert, tlsKey, tokenFile  string
	origins, hosts              string
	flightMaxConns              int
}

func serve(ctx context.Context, args []string, e *env) error {
	fs := newFlags("serve", serveHelp, e)
	var f serveFlags
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&f.adminAddr, "admin-addr", "127.0.0.1:9090", "address for /metrics (empty: off)")
	fs.StringVar(&f.flightAddr, "flight-addr", "127.0.0.1:8815", "address for the Arrow Flight server (empty: off)")
	fs.IntVar(&f.tileCacheMB, "tile-cache-mb", 256, "memory for rendered tiles, MB (0: render every request)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate (PEM) for HTTP and Flight; with --tls-key")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS private key (PEM)")
	fs.StringVar(&f.tokenFile, "token-file", "", "file holding the bearer token HTTP and Flight clients must send (else $RESCUEGRID_TOKEN; none: no token)")
	fs.StringVar(&f.origins, "cors-origin", "", "comma-separated web origins whose pages may POST (what-if, siting); the server's own page always may")
	fs.StringVar(&f.hosts, "allow-host", "", "comma-separated host names to answer besides the loopback names when bound to loopback")
	fs.IntVar(&f.flightMaxConns, "flight-max-conns", flightapi.DefaultMaxConns, "most Flight connections held at once")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	switch {
	case f.tileCacheMB < 0:
		return usageErr("serve: --tile-cache-mb %d: want 0 or more", f.tileCacheMB)
	case (f.tlsCert == "") != (f.tlsKey == ""):
		return usageErr("serve: --tls-cert and --tls-key go together")
	case f.flightMaxConns < 1:
		return usageErr("serve: --flight-max-conns %d: want 1 or more", f.flightMaxConns)
	}
	paths := pos
	if len(paths) == 0 {
		paths = []string{"data/sample/andorra/study.yaml"}
	}
	level := slog.LevelInfo
	if e.quiet {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	token, err := readToken(f.tokenFile)
	if err != nil {
		return err
	}
	var tlsCfg *tls.Config
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return fmt.Errorf("serve: --tls-cert/--tls-key: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}

	svc := service.New(service.Config{Limits: service.DefaultLimits(), TileCacheBytes: int64(f.tileCacheMB) << 20,
		Generator: "rescuegrid " + versionString()}, logger)
	// Every study is listed (as loading) at once; they are computed one
	// after the other, the first (the default) first.
	var slots []*service.Slot
	for _, p := range paths {
		slots = append(slots, svc.Add(p))
	}
	go func() {
		for _, sl := range slots {
			if ctx.Err() != nil {
				return
			}
			svc.LoadSlot(ctx, sl)
		}
	}()

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	loopback := isLoopback(ln.Addr())
	if !loopback && (tlsCfg == nil || token == "") {
		logger.Warn("serving beyond loopback without TLS or a token: anyone who reaches this address can read the studies and start work; give --tls-cert/--tls-key and --token-file",
			"addr", ln.Addr().String(), "tls", tlsCfg != nil, "token", token != "")
	}
	m := metrics.New()
	api := httpapi.NewWithConfig(svc, httpapi.Config{Origins: splitList(f.origins), CheckHost: loopback, Hosts: splitList(f.hosts), Token: token}, logger, m)
	hs := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		TLSConfig:         tlsCfg,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	servers := []*http.Server{hs}
	errc := make(chan error, 3)
	go func() {
		if tlsCfg != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	if f.adminAddr != "" {
		aln, err := net.Listen("tcp", f.adminAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("serve admin: %w", err)
		}
		as := &http.Server{Handler: api.AdminHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second, MaxHeaderBytes: 16 << 10}
		servers = append(servers, as)
		go func() { errc <- as.Serve(aln) }()
		logger.Info("admin listening", "addr", aln.Addr().String())
	}
	var fsrv *flightapi.Server
	if f.flightAddr != "" {
		fln, err := net.Listen("tcp", f.flightAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("serve flight: %w", err)
		}
		fsrv = flightapi.New(svc, flightapi.Config{MaxConns: f.flightMaxConns, Token: token, TLS: tlsCfg}, logger, m)
		go func() { errc <- fsrv.Serve(fln) }()
		scheme := "grpc"
		if tlsCfg != nil {
			scheme = "grpc+tls"
		}
		logger.Info("flight listening", "addr", scheme+"://"+fln.Addr().String())
	}
	logger.Info("listening", "addr", ln.Addr().String(), "study", strings.Join(paths, ", "))
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			shutdown(logger, servers, fsrv)
			return err
		}
	}
	shutdown(logger, servers, fsrv)
	return nil
}

// shutdownGrace is how long requests and Flight calls in flight may run
// on after a stop is asked; then their connections are closed.
const shutdownGrace = 10 * time.Second

// shutdown stops the HTTP servers and the Flight server together: each
// stops accepting at once and lets its work in flight finish for at most
// shutdownGrace, then closes what is left, so that no client (one that
// stopped reading a download, say) holds the process.
func shutdown(logger *slog.Logger, servers []*http.Server, fsrv *flightapi.Server) {
	logger.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Shutdown(ctx); err != nil {
				logger.Warn("closing HTTP connections still open after the grace period", "err", err)
				s.Close()
			}
		}()
	}
	if fsrv != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fsrv.Shutdown(ctx); err != nil {
				logger.Warn("closed Flight connections still open after the grace period", "err", err)
			}
		}()
	}
	wg.Wait()
}

// readToken reads the bearer token from path, else $RESCUEGRID_TOKEN ("":
// none).
func readToken(path string) (string, error) {
	if path == "" {
		return strings.TrimSpace(os.Getenv("RESCUEGRID_TOKEN")), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("serve: --token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		return "", usageErr("serve: --token-file %s: want one token on one line", path)
	}
	return tok, nil
}

// isLoopback reports whether a listener's address is a loopback one.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// splitList reads a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
