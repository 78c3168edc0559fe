package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/rescuegrid/rescuegrid/internal/flightapi"
	"github.com/rescuegrid/rescuegrid/internal/service"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

var (
	sampleOnce   sync.Once
	sampleServer *Server
)

// newTestServer is a server with the default limits, a tile cache of
// tileCacheBytes and no study; its log is discarded.
func newTestServer(tileCacheBytes int64) *Server {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Config{Limits: service.DefaultLimits(), TileCacheBytes: tileCacheBytes}, logger)
	return New(svc, logger, nil)
}

// sampleStudy is the bundled sample's study file.
var sampleStudy = filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")

// sampleSrv is the bundled sample study, loaded once for the test binary.
func sampleSrv(tb testing.TB) *Server {
	tb.Helper()
	sampleOnce.Do(func() {
		s := newTestServer(64 << 20)
		s.svc.Load(context.Background(), sampleStudy)
		sampleServer = s
	})
	if sampleServer.svc.Default().Study() == nil {
		tb.Fatalf("sample study did not load: %v", sampleServer.svc.Default().LoadError())
	}
	return sampleServer
}

// sampleWith serves a copy of the bundled sample of its own (loaded before
// it returns) from a service configured by cfg: its limits, admission
// lanes and caches; its log is discarded.
func sampleWith(tb testing.TB, cfg service.Config) *Server {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(cfg, logger)
	svc.Load(context.Background(), sampleStudy)
	if svc.Default().Study() == nil {
		tb.Fatalf("sample did not load: %s", svc.Default().LoadError())
	}
	return New(svc, logger, nil)
}

func get(tb testing.TB, h http.Handler, url string) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec
}

// serveFlight serves s's studies over Arrow Flight on a loopback port until
// the test ends, and returns its address.
func serveFlight(tb testing.TB, s *Server) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	fs := flightapi.New(s.svc, flightapi.Config{}, nil, nil)
	go func() { _ = fs.Serve(ln) }()
	tb.Cleanup(func() { _ = fs.Shutdown(context.Background()) })
	return ln.Addr().String()
}

// post sends body to url as JSON.
func post(tb testing.TB, h http.Handler, url, body string) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	return rec
}

// readStream reads an Arrow IPC stream with the Arrow reader.
func readStream(tb testing.TB, body []byte) (*arrow.Schema, []arrow.Record) {
	tb.Helper()
	r, err := ipc.NewReader(bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("not an Arrow stream: %v", err)
	}
	defer r.Release()
	var recs []arrow.Record
	for r.Next() {
		rec := r.Record()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil {
		tb.Fatal(err)
	}
	return r.Schema(), recs
}

func rows(recs []arrow.Record) int64 {
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	return n
}

func wantJSONError(tb testing.TB, rec *httptest.ResponseRecorder, status int, mention string) {
	tb.Helper()
	if rec.Code != status {
		tb.Errorf("status %d, want %d (body %s)", rec.Code, status, rec.Body)
	}
	var e struct{ Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, mention) {
		tb.Errorf("error body %q, want JSON {\"error\"} mentioning %q", rec.Body, mention)
	}
}

func TestServerTables(t *testing.T) {
	h := sampleSrv(t).Handler()
	if rec := get(t, h, "/healthz"); rec.Code != 200 {
		t.Errorf("/healthz = %d", rec.Code)
	}
	if rec := get(t, h, "/readyz"); rec.Code != 200 {
		t.Errorf("/readyz = %d %s", rec.Code, rec.Body)
	}
	rec := get(t, h, "/api/tables/units")
	if ct := rec.Header().Get("Content-Type"); ct != "application/vnd.apache.arrow.stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	schema, recs := readStream(t, rec.Body.Bytes())
	if rows(recs) != 7 || schema.Field(0).Name != "unit_id" {
		t.Errorf("units: %d rows, first column %q; want 7 rows of unit_id", rows(recs), schema.Field(0).Name)
	}
	// Column selection.
	schema, recs = readStream(t, get(t, h, "/api/tables/cells?columns=cell,seconds").Body.Bytes())
	if schema.NumFields() != 2 || schema.Field(1).Name != "seconds" || rows(recs) != 531 {
		t.Errorf("cells?columns=cell,seconds: %v, %d rows", schema, rows(recs))
	}
	// A unit filter keeps exactly that unit's cells.
	_, all := readStream(t, get(t, h, "/api/tables/cells?columns=unit_id").Body.Bytes())
	unit := all[0].Column(0).(*array.String).Value(0)
	want := 0
	for _, r := range all {
		col := r.Column(0).(*array.String)
		for i := 0; i < col.Len(); i++ {
			if col.IsValid(i) && col.Value(i) == unit {
				want++
			}
		}
	}
	_, recs = readStream(t, get(t, h, "/api/tables/cells?unit="+unit).Body.Bytes())
	if rows(recs) != int64(want) || want == 0 {
		t.Errorf("cells?unit=%s: %d rows, want %d", unit, rows(recs), want)
	}
	// A bbox around Andorra la Vella keeps fewer cells, all inside.
	rec = get(t, h, "/api/tables/cells?bbox=1.50,42.49,1.54,42.52&format=geojson")
	fc, err := geojson.UnmarshalFeatureCollection(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("cells as GeoJSON: %v", err)
	}
	if n := len(fc.Features); n == 0 || n >= 531 {
		t.Errorf("bbox filter kept %d of 531 cells", n)
	}
	for _, f := range fc.Features {
		b := f.Geometry.Bound()
		if b.Max[0] < 1.50 || b.Min[0] > 1.54 || b.Max[1] < 42.49 || b.Min[1] > 42.52 {
			t.Fatalf("cell %v outside the bbox", f.Properties["cell"])
		}
	}
	var jrows []map[string]any
	if err := json.Unmarshal(get(t, h, "/api/tables/bases?format=json").Body.Bytes(), &jrows); err != nil || len(jrows) != 5 {
		t.Errorf("bases as JSON: %d rows, %v", len(jrows), err)
	}
	if _, ok := jrows[0]["geometry"]; ok {
		t.Error("JSON rows carry the WKB geometry")
	}
	wantJSONError(t, get(t, h, "/api/tables/nope"), 404, "no table")
	wantJSONError(t, get(t, h, "/api/tables/cells?columns=colour"), 400, "colour")
	wantJSONError(t, get(t, h, "/api/tables/cells?bbox=0,0,90,90"), 400, "limit")
	wantJSONError(t, get(t, h, "/api/tables/cells?bbox=1,2,3"), 400, "bbox")
	wantJSONError(t, get(t, h, "/api/tables/cells?format=xml"), 400, "format")
	wantJSONError(t, get(t, h, "/nowhere"), 404, "no route")
}

func TestServerQueries(t *testing.T) {
	h := sampleSrv(t).Handler()
	rec := get(t, h, "/api/isochrone?lon=1.5199&lat=42.5458&minutes=5,10,15")
	fc, err := geojson.UnmarshalFeatureCollection(rec.Body.Bytes())
	if err != nil || len(fc.Features) != 3 {
		t.Fatalf("isochrone: %v, %s", err, rec.Body)
	}
	if fc.Features[0].Properties["minutes"] != 15.0 {
		t.Errorf("first band = %v min, want 15 (largest first)", fc.Features[0].Properties["minutes"])
	}
	wantJSONError(t, get(t, h, "/api/isochrone?lon=1.5&lat=42.5&minutes=10,5"), 400, "minutes")
	wantJSONError(t, get(t, h, "/api/isochrone?lon=abc&lat=42.5"), 400, "lon")
	wantJSONError(t, get(t, h, "/api/isochrone?lon=1.5&lat=42.5&minutes=600"), 400, "minutes")
	wantJSONError(t, get(t, h, "/api/isochrone?lon=10&lat=50"), 422, "no road")

	var tt struct {
		Seconds   float64
		Reachable bool
	}
	rec = get(t, h, "/api/traveltime?from=1.5199,42.5458&to=1.5210,42.5075")
	if err := json.Unmarshal(rec.Body.Bytes(), &tt); err != nil || !tt.Reachable || tt.Seconds < 60 || tt.Seconds > 1800 {
		t.Errorf("traveltime La Massana -> Andorra la Vella = %+v (%s)", tt, rec.Body)
	}
	wantJSONError(t, get(t, h, "/api/traveltime?from=1.5&to=1,2"), 400, "from")

	// What-if: a base at the largest gap never lowers coverage; removing
	// every base but one lowers it.
	s := sampleSrv(t)
	gap := s.svc.Default().Study().Res.Gaps[0].Centroid
	body := `{"add":[{"id":"new","lon":` + jsonNum(gap[0]) + `,"lat":` + jsonNum(gap[1]) + `,"team_size":20}]}`
	var wi struct {
		Units []any
	}
	rec = post(t, h, "/api/whatif", body)
	if err := json.Unmarshal(rec.Body.Bytes(), &wi); err != nil || rec.Code != 200 {
		t.Fatalf("whatif: %d %s", rec.Code, rec.Body)
	}
	var after struct {
		Before float64 `json:"within_before"`
		After  float64 `json:"within_after"`
	}
	json.Unmarshal(rec.Body.Bytes(), &after)
	if after.After < after.Before {
		t.Errorf("adding a base lowered coverage: %v -> %v", after.Before, after.After)
	}
	rec = post(t, h, "/api/whatif", `{"remove":["node/2966663490","node/6775197585","way/330823762","way/631235779"]}`)
	json.Unmarshal(rec.Body.Bytes(), &after)
	if rec.Code != 200 || after.After >= after.Before {
		t.Errorf("removing four of five bases: %d, %v -> %v", rec.Code, after.Before, after.After)
	}
	wantJSONError(t, post(t, h, "/api/whatif", `{"remove":["nope"]}`), 400, "no base")
	wantJSONError(t, post(t, h, "/api/whatif", `{"add":[{"lon":500,"lat":0}]}`), 400, "add[0]")
	wantJSONError(t, post(t, h, "/api/whatif", `{"add":[{"lon":1.5,"lat":42.5}],"crs":"utm31n"}`), 400, "crs")
	wantJSONError(t, post(t, h, "/api/whatif", `{"colour":1}`), 400, "colour")
	wantJSONError(t, post(t, h, "/api/whatif", `not json`), 400, "body")
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

// TestServerStaysUpWhenTheStudyFails: /healthz answers, /readyz and the API
// say why, and metrics count the requests.
func TestServerStaysUpWhenTheStudyFails(t *testing.T) {
	s := newTestServer(0)
	h := s.Handler()
	wantJSONError(t, get(t, h, "/readyz"), 503, "no study")
	sl := s.svc.Add(filepath.Join(t.TempDir(), "missing.yaml"))
	wantJSONError(t, get(t, h, "/readyz"), 503, "loading")
	s.svc.LoadSlot(context.Background(), sl)
	if rec := get(t, h, "/healthz"); rec.Code != 200 {
		t.Errorf("/healthz = %d after a failed load", rec.Code)
	}
	wantJSONError(t, get(t, h, "/readyz"), 503, "missing.yaml")
	wantJSONError(t, get(t, h, "/api/tables/cells"), 503, "failed to load")
	m := httptest.NewRecorder()
	s.AdminHandler().ServeHTTP(m, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(m.Body.String(), `rescuegrid_http_requests_total{route="GET /readyz",status="503"} 3`) {
		t.Errorf("metrics do not count the three 503s of /readyz:\n%s", m.Body)
	}
}

func TestServerRecoversFromPanics(t *testing.T) {
	s := newTestServer(0)
	h := s.instrument("GET /boom", service.Cheap, func(w http.ResponseWriter, r *http.Request) error { panic("boom") })
	wantJSONError(t, get(t, h, "/boom"), 500, "internal error")
}

func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{"1.5,42.5", "1,2,3,4", "5,10,15", "", ",", "nan,1", "1e309,0", "-180,-90,180,90", "10,5", "0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := parseLonLat("p", s); err == nil && (p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
			t.Errorf("parseLonLat(%q) = %v out of range", s, p)
		}
		if b, err := service.ParseBBox(s, 25); err == nil && (b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1] || (b.Max[0]-b.Min[0])*(b.Max[1]-b.Min[1]) > 25) {
			t.Errorf("parseBBox(%q) = %v breaks its limits", s, b)
		}
		if m, err := parseMinutes(s, 120); err == nil {
			for i, v := range m {
				if v <= 0 || v > 120 || (i > 0 && v <= m[i-1]) {
					t.Errorf("parseMinutes(%q) = %v", s, m)
				}
			}
		}
	})
}

// TestServerTiles fetches TileJSON and tiles as a map client does and reads
// them with orb's MVT decoder.
func TestServerTiles(t *testing.T) {
	h := sampleSrv(t).Handler()
	var tj struct {
		TileJSON     string   `json:"tilejson"`
		Tiles        []string `json:"tiles"`
		VectorLayers []struct {
			ID string `json:"id"`
		} `json:"vector_layers"`
	}
	rec := get(t, h, "/tiles/cells.json")
	if err := json.Unmarshal(rec.Body.Bytes(), &tj); err != nil || tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || !strings.HasSuffix(tj.Tiles[0], "/tiles/cells/{z}/{x}/{y}.mvt") {
		t.Fatalf("TileJSON = %+v, %v (%s)", tj, err, rec.Body)
	}
	// The z14 tile over Andorra la Vella.
	tile := maptile.At(orb.Point{1.5218, 42.5078}, 14)
	url := fmt.Sprintf("/tiles/cells/%d/%d/%d.mvt", tile.Z, tile.X, tile.Y)
	req := httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if rr.Code != 200 || rr.Header().Get("Content-Encoding") != "gzip" || rr.Header().Get("Content-Type") != "application/vnd.mapbox-vector-tile" {
		t.Fatalf("%s = %d %v", url, rr.Code, rr.Header())
	}
	layers, err := mvt.UnmarshalGzipped(rr.Body.Bytes())
	if err != nil || len(layers) != 1 || layers[0].Name != "cells" || len(layers[0].Features) == 0 {
		t.Fatalf("tile decodes to %v layers, %v", len(layers), err)
	}
	// Conditional GET.
	req = httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("If-None-Match", rr.Header().Get("ETag"))
	rr2 := httptest.NewRecorder()
	h.ServeHTTP(rr2, req)
	if rr2.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", rr2.Code)
	}
	// Without gzip the tile comes plain.
	plain := get(t, h, url)
	if plain.Header().Get("Content-Encoding") != "" {
		t.Error("a client without gzip got a gzipped tile")
	}
	if l, err := mvt.Unmarshal(plain.Body.Bytes()); err != nil || len(l[0].Features) != len(layers[0].Features) {
		t.Errorf("plain tile: %v", err)
	}
	if rec := get(t, h, "/tiles/cells/14/0/0.mvt"); rec.Code != http.StatusNoContent {
		t.Errorf("an empty tile = %d, want 204", rec.Code)
	}
	wantJSONError(t, get(t, h, "/tiles/roads/1/0/0.mvt"), 404, "layer")
	wantJSONError(t, get(t, h, "/tiles/cells/1/5/0.mvt"), 400, "range")
	wantJSONError(t, get(t, h, "/tiles/cells/a/b/c.mvt"), 404, "tile")
}

// TestTileCache: a tile asked for twice is rendered once and served the
// same (bytes and ETag); an empty tile is cached as empty.
func TestTileCache(t *testing.T) {
	s := sampleSrv(t)
	h := s.Handler()
	st := s.svc.Default().Study()
	c := st.Tiles.Bounds().Center()
	tl := maptile.At(c, 13)
	url := fmt.Sprintf("/tiles/cells/13/%d/%d.mvt", tl.X, tl.Y)
	before := s.svc.TileCacheStats()
	a, b := get(t, h, url), get(t, h, url)
	after := s.svc.TileCacheStats()
	if a.Code != 200 || b.Code != 200 || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || a.Header().Get("ETag") != b.Header().Get("ETag") {
		t.Fatalf("same tile twice: %d/%d, equal bodies %v, ETags %q %q", a.Code, b.Code, bytes.Equal(a.Body.Bytes(), b.Body.Bytes()), a.Header().Get("ETag"), b.Header().Get("ETag"))
	}
	if after.Hits < before.Hits+1 || after.Entries == 0 {
		t.Errorf("cache stats %+v -> %+v: want a hit", before, after)
	}
	// Far from the study: empty, twice.
	for i := 0; i < 2; i++ {
		if rec := get(t, h, "/tiles/cells/13/0/0.mvt"); rec.Code != 204 {
			t.Errorf("empty tile: %d", rec.Code)
		}
	}
}

// TestIsochroneArrow: the isochrone as an Arrow stream has the GeoJSON's
// bands, largest first, with the same cell counts.
func TestIsochroneArrow(t *testing.T) {
	h := sampleSrv(t).Handler()
	const q = "/api/isochrone?lon=1.5199&lat=42.5458&minutes=5,10,15"
	var fc geojson.FeatureCollection
	if err := json.Unmarshal(get(t, h, q).Body.Bytes(), &fc); err != nil {
		t.Fatal(err)
	}
	rec := get(t, h, q+"&format=arrow")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/vnd.apache.arrow.stream" {
		t.Fatalf("format=arrow: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	_, recs := readStream(t, rec.Body.Bytes())
	if rows(recs) != int64(len(fc.Features)) || len(recs) != 1 {
		t.Fatalf("%d rows in %d records, GeoJSON has %d bands", rows(recs), len(recs), len(fc.Features))
	}
	mins := recs[0].Column(0).(*array.Float64)
	cells := recs[0].Column(1).(*array.Int64)
	for i, f := range fc.Features {
		if mins.Value(i) != f.Properties["minutes"] || float64(cells.Value(i)) != f.Properties["cells"] {
			t.Errorf("band %d: arrow %v min %d cells, GeoJSON %v min %v cells", i, mins.Value(i), cells.Value(i), f.Properties["minutes"], f.Properties["cells"])
		}
	}
	wantJSONError(t, get(t, h, q+"&format=kml"), 400, "format")
}

// TestServeSeveralStudies: two studies side by side; the first at the top
// level, each below /studies/{id}/ (tables, TileJSON with the prefixed tile
// URL, the web map), listed by /api/studies and over Flight as [id, table].
func TestServeSeveralStudies(t *testing.T) {
	sample := filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")
	s := newTestServer(0)
	a, b := s.svc.Add(sample), s.svc.Add(sample)
	if a.ID() != "andorra" || b.ID() != "andorra-2" {
		t.Fatalf("ids %q, %q; want andorra, andorra-2", a.ID(), b.ID())
	}
	h := s.Handler()
	var list []map[string]any
	json.Unmarshal(get(t, h, "/api/studies").Body.Bytes(), &list)
	if len(list) != 2 || list[0]["status"] != "loading" || list[0]["default"] != true {
		t.Fatalf("/api/studies before loading: %v", list)
	}
	wantJSONError(t, get(t, h, "/readyz"), 503, "loading")
	s.svc.LoadSlot(context.Background(), a)
	wantJSONError(t, get(t, h, "/readyz"), 503, "andorra-2 is loading")
	wantJSONError(t, get(t, h, "/studies/andorra-2/api/study"), 503, "andorra-2 is loading")
	s.svc.LoadSlot(context.Background(), b)
	if rec := get(t, h, "/readyz"); rec.Code != 200 {
		t.Fatalf("/readyz with both loaded: %d %s", rec.Code, rec.Body)
	}
	json.Unmarshal(get(t, h, "/api/studies").Body.Bytes(), &list)
	if len(list) != 2 || list[1]["status"] != "ready" || list[1]["prefix"] != "/studies/andorra-2/" {
		t.Errorf("/api/studies: %v", list)
	}
	top, sub := get(t, h, "/api/tables/units?format=csv"), get(t, h, "/studies/andorra-2/api/tables/units?format=csv")
	if top.Code != 200 || sub.Code != 200 || top.Body.String() != sub.Body.String() {
		t.Errorf("units of the same study differ between / and /studies/andorra-2/: %d %d", top.Code, sub.Code)
	}
	var tj struct {
		Tiles []string `json:"tiles"`
	}
	json.Unmarshal(get(t, h, "/studies/andorra-2/tiles/cells.json").Body.Bytes(), &tj)
	if len(tj.Tiles) != 1 || !strings.Contains(tj.Tiles[0], "/studies/andorra-2/tiles/cells/{z}/{x}/{y}.mvt") {
		t.Errorf("TileJSON below a study: tiles %v", tj.Tiles)
	}
	if rec := get(t, h, "/studies/andorra-2/"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "<title>rescuegrid</title>") {
		t.Errorf("web map below a study: %d", rec.Code)
	}
	if rec := get(t, h, "/studies/andorra-2"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/studies/andorra-2/" {
		t.Errorf("/studies/andorra-2 without the slash: %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	wantJSONError(t, get(t, h, "/studies/nope/api/study"), 404, `no study "nope" (studies: andorra, andorra-2)`)

	// Flight: [study, table] paths, and a JSON ticket naming the study.
	c, err := flight.NewClientWithMiddleware(serveFlight(t, s), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	stream, err := c.ListFlights(context.Background(), &flight.Criteria{})
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for {
		fi, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		paths[strings.Join(fi.FlightDescriptor.Path, "/")] = true
	}
	n := len(a.Study().Tables)
	if len(paths) != 2*n || !paths["andorra/cells"] || !paths["andorra-2/units"] {
		t.Errorf("ListFlights: %v, want [study, table] for the %d tables of both", paths, n)
	}
	r, err := c.DoGet(context.Background(), &flight.Ticket{Ticket: []byte(`{"study":"andorra-2","table":"bases"}`)})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := flight.NewRecordReader(r)
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for rd.Next() {
		rows += rd.Record().NumRows()
	}
	rd.Release()
	if rows != b.Study().Tables["bases"].NumRows() {
		t.Errorf("DoGet andorra-2 bases: %d rows", rows)
	}
	bad, err := c.DoGet(context.Background(), &flight.Ticket{Ticket: []byte(`{"study":"nope","table":"bases"}`)})
	if err == nil {
		_, err = bad.Recv()
	}
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), `no study "nope"`) {
		t.Errorf("DoGet of an unknown study: %v, want NotFound naming it", err)
	}
}
