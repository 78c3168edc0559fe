package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
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
  /metrics                           Prometheus text (on --admin-addr)

Arrow Flight (gRPC, on --flight-addr): ListFlights lists the tables; a
flight's descriptor is the path [table]; DoGet takes a ticket that is the
table's name or a JSON query {"table","columns","bbox","unit"}, e.g. in Python:
  flight.connect("grpc://127.0.0.1:8815").do_get(flight.Ticket(b"cells")).read_pandas()

Usage:
  rescuegrid serve [STUDY.yaml|OUTPUT_DIR ...] [--addr 127.0.0.1:8080] [--admin-addr 127.0.0.1:9090]
                   [--flight-addr 127.0.0.1:8815]

Example:
  rescuegrid serve data/sample/andorra/study.yaml --addr 127.0.0.1:8080
  curl 'http://127.0.0.1:8080/api/tables/units?format=json'
`

func runServe(ctx context.Context, args []string, e *env) error {
	return handled(serve(ctx, args, e))
}

func serve(ctx context.Context, args []string, e *env) error {
	fs := newFlags("serve", serveHelp, e)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	adminAddr := fs.String("admin-addr", "127.0.0.1:9090", "address for /metrics (empty: off)")
	flightAddr := fs.String("flight-addr", "127.0.0.1:8815", "address for the Arrow Flight server (empty: off)")
	tileCacheMB := fs.Int("tile-cache-mb", 256, "memory for rendered tiles, MB (0: render every request)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if *tileCacheMB < 0 {
		return usageErr("serve: --tile-cache-mb %d: want 0 or more", *tileCacheMB)
	}
	paths := pos
	if len(paths) == 0 {
		paths = []string{"data/sample/andorra/study.yaml"}
	}
	studyPath := strings.Join(paths, ", ")
	level := slog.LevelInfo
	if e.quiet {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	svc := service.New(service.Config{Limits: service.DefaultLimits(), TileCacheBytes: int64(*tileCacheMB) << 20,
		Generator: "rescuegrid " + versionString()}, logger)
	m := metrics.New()
	api := httpapi.New(svc, logger, m)
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

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	servers := []*http.Server{hs}
	errc := make(chan error, 3)
	go func() { errc <- hs.Serve(ln) }()
	if *adminAddr != "" {
		aln, err := net.Listen("tcp", *adminAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("serve admin: %w", err)
		}
		as := &http.Server{Handler: api.AdminHandler(), ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, as)
		go func() { errc <- as.Serve(aln) }()
		logger.Info("admin listening", "addr", aln.Addr().String())
	}
	var fsrv interface{ Shutdown() }
	if *flightAddr != "" {
		fln, err := net.Listen("tcp", *flightAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("serve flight: %w", err)
		}
		f := flightapi.New(svc, logger, m)
		f.InitListener(fln)
		fsrv = f
		go func() { errc <- f.Serve() }()
		logger.Info("flight listening", "addr", "grpc://"+fln.Addr().String())
	}
	logger.Info("listening", "addr", ln.Addr().String(), "study", studyPath)
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if fsrv != nil {
		fsrv.Shutdown()
	}
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			return err
		}
	}
	return nil
}
