// Package webmaptest runs the web map's browser checks for the tests of
// the packages that serve it (internal/httpapi, cmd/rescuegrid): the page
// served by a test server, loaded in headless Chromium by playwright-core
// (data/webmap/check/check.mjs), which prints what it saw as JSON.
// Screenshots go to out/test-artifacts/ at the repository root (ignored by
// git).
package webmaptest

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/webmap"
	"github.com/rescuegrid/rescuegrid/internal/service"
	"github.com/rescuegrid/rescuegrid/internal/testenv"
)

// root is the repository's root folder.
func root(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("webmaptest: no source file to find the repository from")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Browser returns Debian's chromium (make browser-deps) after checking the
// rest of what the browser checks need: the bundled web map library and
// node with playwright-core (make web-check-deps). Without any of them the
// test skips, or fails under make test (testenv), saying how to get it.
// Call it first: before loading a study the test would not use.
func Browser(tb testing.TB) string {
	tb.Helper()
	if !webmap.Bundled() {
		testenv.Missing(tb, "the web map library is not bundled: run `make web` (it copies MapLibre GL JS from npm into data/webmap/static/vendor)")
	}
	testenv.Node(tb, filepath.Join(root(tb), "data", "webmap", "check"), "web-check-deps", "playwright-core")
	return testenv.Chromium(tb)
}

// Artifacts returns the folder of the screenshots, out/test-artifacts at
// the repository's root, made if need be.
func Artifacts(tb testing.TB) string {
	tb.Helper()
	dir, err := filepath.Abs(filepath.Join(root(tb), "out", "test-artifacts"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Check serves h on a test server for the time of the check, runs
// check.mjs (with exe, from Browser) on the page at path ("/",
// "/?lang=zh-CN") with the screenshot shot (a file name in Artifacts) and
// args, and decodes what it printed into got. It returns the screenshot's
// path.
func Check(tb testing.TB, exe string, h http.Handler, path, shot string, got any, args ...string) string {
	tb.Helper()
	hs := httptest.NewServer(h)
	defer hs.Close()
	shot = filepath.Join(Artifacts(tb), shot)
	cmd := exec.Command("node", append([]string{"check.mjs", hs.URL + path, shot}, args...)...)
	cmd.Dir = filepath.Join(root(tb), "data", "webmap", "check")
	cmd.Env = append(os.Environ(), "RESCUEGRID_CHROMIUM="+exe)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("check.mjs: %v\n%s\n%s", err, out, stderr.String())
	}
	if err := json.Unmarshal(out, got); err != nil {
		tb.Fatalf("check.mjs output %s: %v", out, err)
	}
	return shot
}

// Page is what check.mjs reports of the page's health, for a test's result
// struct to embed.
type Page struct {
	ConsoleErrors    []string `json:"console_errors"`
	PageErrors       []string `json:"page_errors"`
	FailedRequests   []string `json:"failed_requests"`
	ExternalRequests []string `json:"external_requests"`
	ErrorBanner      string   `json:"error_banner"`
}

// CheckClean fails tb for an error in the page (console, script, a failed
// request, the error banner) or a request to another origin (the page must
// work offline).
func (p *Page) CheckClean(tb testing.TB) {
	tb.Helper()
	if len(p.ConsoleErrors)+len(p.PageErrors)+len(p.FailedRequests) > 0 || p.ErrorBanner != "" {
		tb.Errorf("errors in the page: console %q, page %q, failed requests %q, banner %q", p.ConsoleErrors, p.PageErrors, p.FailedRequests, p.ErrorBanner)
	}
	if len(p.ExternalRequests) > 0 {
		tb.Errorf("the page fetched from other origins (it must work offline): %q", p.ExternalRequests)
	}
}

// MostOutside returns the cell of st reached from some base but outside
// the rescue circle with the most residents (the spot where a new or moved
// station gains most), or -1 when there is none.
func MostOutside(st *service.Study) int {
	cr, pop := &st.Res.Cells, st.In.Coverage.Pop
	best := -1
	for i := range cr.Time {
		if !cr.Within[i] && !math.IsInf(cr.Time[i], 0) && (best < 0 || pop[i] > pop[best]) {
			best = i
		}
	}
	return best
}
