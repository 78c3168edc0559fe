package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/internal/service"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/webmaptest"
)

// TestWebMapInChromium loads the web map of the sample in headless Chromium
// (playwright-core, data/webmap/check/check.mjs): every tile layer draws
// features, nothing is fetched from another origin, there is no console
// error; clicking a cell shows that cell's numbers from the cells tile; the
// "add station" tool in the cell with most residents outside the circle
// shows the gain the what-if API computes for that spot. Screenshots are
// kept in out/test-artifacts/.
func TestWebMapInChromium(t *testing.T) {
	exe := webmaptest.Browser(t)
	s := sampleSrv(t)

	// The spot for the "add station" tool: the reached cell with the most
	// residents outside the circle.
	st := s.svc.Default().Study()
	best := webmaptest.MostOutside(st)
	if best < 0 {
		t.Fatal("the sample has no reached cell outside the circle to add a station in")
	}
	at := st.Res.Cells.Center[best]

	var got struct {
		webmaptest.Page
		Rendered      map[string]int    `json:"rendered"`
		ClickedCell   string            `json:"clicked_cell"`
		Details       map[string]string `json:"details"`
		DetailsTitle  string            `json:"details_title"`
		WhatIfError   string            `json:"whatif_error"`
		WhatIf        string            `json:"whatif"`
		WhatIfRequest struct {
			Lon, Lat float64
			TeamSize float64 `json:"team_size"`
			Response struct {
				Gained float64 `json:"residents_gained"`
			} `json:"response"`
		} `json:"whatif_request"`
		CandidateIso int    `json:"candidate_iso"`
		Screenshot   string `json:"screenshot"`
	}
	shot := webmaptest.Check(t, exe, s.Handler(), "/", "webmap.png", &got, fmt.Sprintf("%.7f,%.7f", at[0], at[1]))
	t.Logf("screenshots: %s and %s", shot, strings.TrimSuffix(shot, ".png")+"-whatif.png")

	got.CheckClean(t)
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
	rec := post(t, s.Handler(), "/api/whatif", body)
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
	exe := webmaptest.Browser(t)
	shared.Export(t) // the study names its inputs as ${RESCUEGRID_SHARED}/...
	s := newTestServer(16 << 20)
	s.svc.Load(context.Background(), filepath.Join("..", "..", "bench", "studies", "porto-alegre.yaml"))
	st := s.svc.Default().Study()
	if st == nil {
		t.Fatalf("Porto Alegre did not load: %s", s.svc.Default().LoadError())
	}
	var got struct {
		ConsoleErrors []string       `json:"console_errors"`
		PageErrors    []string       `json:"page_errors"`
		Rendered      map[string]int `json:"rendered"`
	}
	shot := webmaptest.Check(t, exe, s.Handler(), "/", "webmap-porto-alegre.png", &got)
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
