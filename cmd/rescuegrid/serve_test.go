package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/httpapi"
	"github.com/rescuegrid/rescuegrid/internal/service"
)

// testServer is what `serve` wires: the service core and its HTTP adapter.
type testServer struct {
	svc *service.Service
	*httpapi.Server
}

// newTestServer serves the study or output folder at path (loaded before
// it returns), with the default limits; its log is discarded.
func newTestServer(path string) *testServer {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Config{Limits: service.DefaultLimits(), TileCacheBytes: 16 << 20}, logger)
	svc.Load(context.Background(), path)
	return &testServer{svc, httpapi.New(svc, logger, nil)}
}

var (
	sampleOnce   sync.Once
	sampleServer *testServer
)

// sampleHandler serves the bundled sample study, loaded once for the test
// binary.
func sampleHandler(tb testing.TB) http.Handler {
	tb.Helper()
	sampleOnce.Do(func() { sampleServer = newTestServer(sampleStudy) })
	if sampleServer.svc.Default().Study() == nil {
		tb.Fatalf("sample study did not load: %v", sampleServer.svc.Default().LoadError())
	}
	return sampleServer.Handler()
}

// TestServeOutputFolder: serve accepts an analyze output folder (it
// recomputes the study the folder names and serves the same answer), and
// refuses, with the reason at /readyz, a folder whose inputs have changed
// or that is no rescuegrid output.
func TestServeOutputFolder(t *testing.T) {
	sample := filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")
	dir := filepath.Join(t.TempDir(), "out")
	if r := cli("--quiet", "analyze", sample, "--out", dir); r.err != nil {
		t.Fatal(r.err)
	}
	load := func(path string) *testServer {
		return newTestServer(path)
	}
	s := load(dir)
	if s.svc.Default().Study() == nil {
		t.Fatalf("output folder did not load: %s", s.svc.Default().LoadError())
	}
	var got, want map[string]any
	json.Unmarshal(get(t, s.Handler(), "/api/study").Body.Bytes(), &got)
	json.Unmarshal(get(t, sampleHandler(t), "/api/study").Body.Bytes(), &want)
	if got["within"] != want["within"] || got["cells"] != want["cells"] {
		t.Errorf("from the folder: within %v cells %v; from the study: %v %v", got["within"], got["cells"], want["within"], want["cells"])
	}

	// The folder says something the inputs no longer give.
	path := filepath.Join(dir, "summary.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sum map[string]any
	json.Unmarshal(b, &sum)
	sum["within"] = sum["within"].(float64) - 1000
	b, _ = json.Marshal(sum)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s = load(dir)
	wantJSONError(t, get(t, s.Handler(), "/readyz"), 503, "inputs changed")

	empty := t.TempDir()
	s = load(empty)
	wantJSONError(t, get(t, s.Handler(), "/readyz"), 503, "not a rescuegrid output")
}

func get(tb testing.TB, h http.Handler, url string) *httptest.ResponseRecorder {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	return rec
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
