package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/webmap"
	"github.com/rescuegrid/rescuegrid/internal/service"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/testenv"
)

// artifacts is where browser tests keep their screenshots (out/ at the
// repository root, ignored by git).
func artifacts(tb testing.TB) string {
	tb.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "out", "test-artifacts"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// chromium returns Debian's chromium (make browser-deps) after checking the
// rest of what the browser checks need: the bundled web map library and
// node with playwright-core (make web-check-deps). Without any of them the test skips,
// or fails under make test (testenv), saying how to get it.
func chromium(tb testing.TB) string {
	tb.Helper()
	if !webmap.Bundled() {
		testenv.Missing(tb, "the web map library is not bundled: run `make web` (it copies MapLibre GL JS from npm into data/webmap/static/vendor)")
	}
	testenv.Node(tb, filepath.Join("..", "..", "data", "webmap", "check"), "web-check-deps", "playwright-core")
	return testenv.Chromium(tb)
}

// checkMap runs data/webmap/check/check.mjs (playwright-core driving the
// chromium exe) on the page at url and returns what it printed (JSON).
func checkMap(tb testing.TB, exe, url, shot string, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command("node", append([]string{"check.mjs", url, shot}, args...)...)
	cmd.Dir = filepath.Join("..", "..", "data", "webmap", "check")
	cmd.Env = append(os.Environ(), "RESCUEGRID_CHROMIUM="+exe)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("check.mjs: %v\n%s\n%s", err, out, stderr.String())
	}
	return out
}

// TestWebMapInChromium loads the web map of the sample in headless Chromium
// (playwright-core, data/webmap/check/check.mjs): every tile layer draws
// features, nothing is fetched from another origin, there is no console
// error; clicking a cell shows that cell's numbers from the cells tile; the
// "add station" tool in the cell with most residents outside the circle
// shows the gain the what-if API computes for that spot. Screenshots are
// kept in out/test-artifacts/.
func TestWebMapInChromium(t *testing.T) {
	exe := chromium(t)
	s := sampleSrv(t)
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()

	// The spot for the "add station" tool: the reached cell with the most
	// residents outside the circle.
	st := s.svc.Default().Study()
	ci, cr := &st.In.Coverage, &st.Res.Cells
	best := -1
	for i := range cr.Time {
		if !cr.Within[i] && !math.IsInf(cr.Time[i], 0) && (best < 0 || ci.Pop[i] > ci.Pop[best]) {
			best = i
		}
	}
	if best < 0 {
		t.Fatal("the sample has no reached cell outside the circle to add a station in")
	}
	at := cr.Center[best]

	shot := filepath.Join(artifacts(t), "webmap.png")
	out := checkMap(t, exe, hs.URL+"/", shot, fmt.Sprintf("%.7f,%.7f", at[0], at[1]))
	var got struct {
		ConsoleErrors    []string          `json:"console_errors"`
		PageErrors       []string          `json:"page_errors"`
		FailedRequests   []string          `json:"failed_requests"`
		ExternalRequests []string          `json:"external_requests"`
		ErrorBanner      string            `json:"error_banner"`
		Rendered         map[string]int    `json:"rendered"`
		ClickedCell      string            `json:"clicked_cell"`
		Details          map[string]string `json:"details"`
		DetailsTitle     string            `json:"details_title"`
		WhatIfError      string            `json:"whatif_error"`
		WhatIf           string            `json:"whatif"`
		WhatIfRequest    struct {
			Lon, Lat float64
			TeamSize float64 `json:"team_size"`
			Response struct {
				Gained float64 `json:"residents_gained"`
			} `json:"response"`
		} `json:"whatif_request"`
		CandidateIso int    `json:"candidate_iso"`
		Screenshot   string `json:"screenshot"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("check.mjs output %s: %v", out, err)
	}
	t.Logf("screenshots: %s and %s", shot, strings.TrimSuffix(shot, ".png")+"-whatif.png")

	if len(got.ConsoleErrors)+len(got.PageErrors)+len(got.FailedRequests) > 0 || got.ErrorBanner != "" {
		t.Errorf("errors in the page: console %q, page %q, failed requests %q, banner %q", got.ConsoleErrors, got.PageErrors, got.FailedRequests, got.ErrorBanner)
	}
	if len(got.ExternalRequests) > 0 {
		t.Errorf("the page fetched from other origins (it must work offline): %q", got.ExternalRequests)
	}
	for _, l := range []string{"cells-fill", "units-line", "bases-circle", "gaps-agg", "isochrones-line"} {
		if got.Rendered[l] == 0 {
			t.Errorf("layer %s drew no feature (rendered: %v)", l, got.Rendered)
		}
	}

	// The clicked cell's panel against the study: at the first view cells
	// are aggregated to a parent; its residents are the sum of its cells'.
	if got.ClickedCell == "" || got.DetailsTitle != "Cell "+got.ClickedCell {
		t.Fatalf("cell click: title %q for cell %q", got.DetailsTitle, got.ClickedCell)
	}
	pop := parentPopulation(t, st, got.ClickedCell)
	if want := fmt.Sprintf("%.0f", pop); strings.ReplaceAll(got.Details["residents"], ",", "") != want {
		t.Errorf("cell %s: the panel says %q residents, the study %s", got.ClickedCell, got.Details["residents"], want)
	}

	// The what-if the page showed equals the API's for that spot.
	if got.WhatIfError != "" {
		t.Fatalf("add station at %v: %s", at, got.WhatIfError)
	}
	body := fmt.Sprintf(`{"add":[{"id":"new","lon":%v,"lat":%v,"team_size":%v}]}`, got.WhatIfRequest.Lon, got.WhatIfRequest.Lat, got.WhatIfRequest.TeamSize)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/whatif", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	s.Handler().ServeHTTP(rec, req)
	var api struct {
		Gained float64 `json:"residents_gained"`
	}
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &api) != nil {
		t.Fatalf("what-if API: %d %s", rec.Code, rec.Body)
	}
	if api.Gained <= 0 || math.Abs(api.Gained-got.WhatIfRequest.Response.Gained) > 1e-9 {
		t.Errorf("what-if: the page shows %v residents gained, the API %v (want equal and > 0)", got.WhatIfRequest.Response.Gained, api.Gained)
	}
	if !strings.Contains(got.WhatIf, fmt.Sprintf("+%s", commaInt(api.Gained))) {
		t.Errorf("what-if panel %q does not show +%s", got.WhatIf, commaInt(api.Gained))
	}
	if got.CandidateIso == 0 {
		t.Error("the new station's isochrone was not drawn")
	}

	// The screenshot is a real picture of a map: many colours, not blank.
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bb, _ := img.At(x, y).RGBA()
			colours[r>>12<<8|g>>12<<4|bb>>12] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("screenshot %s has %d colours: blank?", shot, len(colours))
	}
}

// commaInt formats v rounded, with thousands separators (as the page does).
func commaInt(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// parentPopulation sums the residents of the study cells inside an H3 cell
// of the study's resolution or coarser.
func parentPopulation(tb testing.TB, st *service.Study, id string) float64 {
	tb.Helper()
	c := h3.Cell(h3.IndexFromString(id))
	if !c.IsValid() {
		tb.Fatalf("%q is not an H3 cell", id)
	}
	ci := &st.In.Coverage
	var pop float64
	for i, cell := range ci.Cells {
		p, err := cell.Parent(c.Resolution())
		if err != nil {
			tb.Fatal(err)
		}
		if p == c {
			pop += ci.Pop[i]
		}
	}
	return pop
}

// TestWebMapSheltersInChromium: Porto Alegre with the 2024 flood shelters
// in headless Chromium: the shelters layer draws (from its vector tiles)
// beside the others, with no console error.
func TestWebMapSheltersInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("Porto Alegre in a browser: not in -short")
	}
	exe := chromium(t)
	shared.Export(t) // the study names its inputs as ${RESCUEGRID_SHARED}/...
	s := newTestServer(16 << 20)
	s.svc.Load(context.Background(), filepath.Join("..", "..", "bench", "studies", "porto-alegre.yaml"))
	st := s.svc.Default().Study()
	if st == nil {
		t.Fatalf("Porto Alegre did not load: %s", s.svc.Default().LoadError())
	}
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	shot := filepath.Join(artifacts(t), "webmap-porto-alegre.png")
	out := checkMap(t, exe, hs.URL+"/", shot)
	var got struct {
		ConsoleErrors []string       `json:"console_errors"`
		PageErrors    []string       `json:"page_errors"`
		Rendered      map[string]int `json:"rendered"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("check.mjs output %s: %v", out, err)
	}
	t.Logf("screenshot: %s; drawn: %v", shot, got.Rendered)
	if len(got.ConsoleErrors)+len(got.PageErrors) > 0 {
		t.Errorf("errors in the page: %q %q", got.ConsoleErrors, got.PageErrors)
	}
	// Every shelter is a point inside the first view (the study's bounds).
	if n := got.Rendered["shelters-circle"]; n == 0 || n > len(st.Shelter.Shelters) {
		t.Errorf("shelters drawn: %d, want 1 to %d", n, len(st.Shelter.Shelters))
	}
	if got.Rendered["cells-fill"] == 0 || got.Rendered["bases-circle"] != len(st.Res.Bases) {
		t.Errorf("drawn %v, want cells and the %d bases", got.Rendered, len(st.Res.Bases))
	}
}
