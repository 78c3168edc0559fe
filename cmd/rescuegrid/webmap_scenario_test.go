package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/rescuegrid/rescuegrid/internal/service"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/rescuegrid/rescuegrid/internal/webmaptest"
)

// TestWebMapScenarioInChromium is a planner's session on the sample's web
// map in headless Chromium (playwright-core, data/webmap/check/check.mjs):
// a flood drawn with the mouse around the base that alone covers most
// residents, its answer shown per unit, saved and exported as a study-file
// scenario with its GeoJSON; then that base moved to where most residents
// outside the circle live; the two compared; the print view with the
// scenario's table. The exported scenario, added to a copy of the sample
// study and run by `rescuegrid analyze`, gives the page's per-unit figures;
// the move equals POST /api/whatif with the same move. Screenshots in
// out/test-artifacts/webmap-scenario-*.png.
func TestWebMapScenarioInChromium(t *testing.T) {
	exe := webmaptest.Browser(t)
	sampleDir, _ := filepath.Abs(filepath.Join("..", "..", "data", "sample", "andorra"))
	srv := newTestServer(filepath.Join(sampleDir, "study.yaml"))
	st := srv.svc.Default().Study()
	if st == nil {
		t.Fatalf("sample: %v", srv.svc.Default().LoadError())
	}
	h := srv.Handler()

	// The flood: a square of about 700 m around the base that alone covers
	// most residents. The move: that base to the reached cell with most
	// residents outside the circle.
	bi := 0
	for i, br := range st.Res.Bases {
		if br.OnlyCovers > st.Res.Bases[bi].OnlyCovers {
			bi = i
		}
	}
	b := st.In.Coverage.Bases[bi]
	c := b.Loc
	d := 0.004
	poly := [][2]float64{{c[0] - d, c[1] - d}, {c[0] + d, c[1] - d}, {c[0] + d, c[1] + d}, {c[0] - d, c[1] + d}}
	to := st.Res.Cells.Center[webmaptest.MostOutside(st)]
	spec, _ := json.Marshal(map[string]any{"polygon": poly, "move": map[string]any{"from": c, "to": to}})
	specFile := filepath.Join(t.TempDir(), "spec.json")
	os.WriteFile(specFile, spec, 0o644)
	type answer struct {
		Request  json.RawMessage      `json:"request"`
		Response service.WhatIfResult `json:"response"`
		MS       float64              `json:"ms"`
		Text     string               `json:"text"`
		Table    [][]string           `json:"table"`
		Error    string               `json:"error"`
		Export   map[string]string    `json:"export"`
		Cells    int                  `json:"cells_drawn"`
		Iso      int                  `json:"iso_drawn"`
		Extra    map[string]any       `json:"-"`
	}
	var got struct {
		ConsoleErrors    []string `json:"console_errors"`
		PageErrors       []string `json:"page_errors"`
		ExternalRequests []string `json:"external_requests"`
		Scenario         struct {
			Flood       answer     `json:"flood"`
			Move        answer     `json:"move"`
			CompareRows int        `json:"compare_rows"`
			Session     [][]string `json:"session"`
		} `json:"scenario"`
		Print struct {
			Pages         int  `json:"pages"`
			ScenarioTable bool `json:"scenario_table"`
		} `json:"print"`
	}
	webmaptest.Check(t, exe, h, "/", "webmap-scenario.png", &got, "--scenario="+specFile, "--print")
	if len(got.ConsoleErrors)+len(got.PageErrors)+len(got.ExternalRequests) > 0 {
		t.Errorf("page: console %q, errors %q, external requests %q", got.ConsoleErrors, got.PageErrors, got.ExternalRequests)
	}
	fl, mv := got.Scenario.Flood, got.Scenario.Move
	if fl.Error != "" || mv.Error != "" {
		t.Fatalf("answers: flood %q, move %q", fl.Error, mv.Error)
	}
	t.Logf("flood: %s (%d changed cells drawn); move: %s (%d isochrone features drawn); session %q",
		fl.Text, fl.Cells, mv.Text, mv.Iso, got.Scenario.Session)
	if fl.Response.Totals.Lost <= 0 || fl.Response.Report.ClosedEdges == 0 || fl.Cells == 0 {
		t.Errorf("flood around base %s: %v residents lost, %d edges closed, %d cells drawn; want all > 0", b.ID, fl.Response.Totals.Lost, fl.Response.Report.ClosedEdges, fl.Cells)
	}

	// The page's table says what the answer says, unit by unit.
	rows := map[string]study.ScenarioUnit{}
	for _, u := range fl.Response.Scenario {
		rows[u.UnitID] = u
	}
	for _, r := range fl.Table {
		u := rows[r[0]]
		if pageNum(r[3]) != math.Round(u.WithinScenario) || pageNum(r[2]) != math.Round(u.WithinBaseline) {
			t.Errorf("page table, unit %s: inside %s → %s; the answer %v → %v", r[0], r[2], r[3], u.WithinBaseline, u.WithinScenario)
		}
	}
	if len(fl.Table) == 0 {
		t.Error("the page shows no per-unit table")
	}

	// The exported scenario, run in batch by `rescuegrid analyze`.
	dir := t.TempDir()
	for _, f := range []string{"andorra.osm.pbf", "fire_stations.csv"} {
		if err := os.Symlink(filepath.Join(sampleDir, f), filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	var yml string
	for name, text := range fl.Export {
		if strings.HasSuffix(name, ".yaml") {
			yml = text
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(yml, "close_areas:") || len(fl.Export) != 2 {
		t.Fatalf("export: %q", fl.Export)
	}
	orig, err := os.ReadFile(filepath.Join(sampleDir, "study.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	head, _, ok := strings.Cut(string(orig), "\nscenarios:")
	if !ok {
		t.Fatal("the sample study has no scenarios section to replace")
	}
	studyFile := filepath.Join(dir, "study.yaml")
	os.WriteFile(studyFile, []byte(head+"\n"+yml), 0o644)
	outDir := filepath.Join(dir, "out")
	if r := cli("--quiet", "analyze", studyFile, "--out", outDir); r.err != nil {
		t.Fatalf("analyze the exported scenario: %v\n%s\n--- study\n%s", r.err, r.stderr, head+"\n"+yml)
	}
	tab := readArrow(t, filepath.Join(outDir, "scenarios.arrow"))
	defer tab.Release()
	col := func(name string) *arrow.Chunked { return tab.Column(tab.Schema().FieldIndices(name)[0]).Data() }
	ids, within, lost := col("unit_id"), col("within_scenario"), col("lost")
	n := 0
	for k, ch := range ids.Chunks() {
		sids := ch.(*array.String)
		w, l := within.Chunk(k).(*array.Float64), lost.Chunk(k).(*array.Float64)
		for i := 0; i < sids.Len(); i++ {
			u, ok := rows[sids.Value(i)]
			if !ok {
				t.Errorf("analyze: unit %s not in the page's answer", sids.Value(i))
				continue
			}
			n++
			if w.Value(i) != u.WithinScenario || l.Value(i) != u.Lost {
				t.Errorf("unit %s: analyze %v within, %v lost; the map %v, %v", u.UnitID, w.Value(i), l.Value(i), u.WithinScenario, u.Lost)
			}
		}
	}
	if n != len(rows) {
		t.Errorf("analyze gave %d unit rows, the map %d", n, len(rows))
	}

	// The move equals the API's answer to the same request.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/whatif", bytes.NewReader(mv.Request))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(rec, req)
	var api service.WhatIfResult
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &api) != nil {
		t.Fatalf("API: %d %s", rec.Code, rec.Body)
	}
	var moved struct {
		Move []service.MovedBase `json:"move"`
	}
	json.Unmarshal(mv.Request, &moved)
	if len(moved.Move) != 1 || moved.Move[0].ID != b.ID || math.Abs(moved.Move[0].Lon-to[0]) > 0.001 || math.Abs(moved.Move[0].Lat-to[1]) > 0.001 {
		t.Errorf("the page moved %+v, want base %s to about %v", moved.Move, b.ID, to)
	}
	for u := range api.Scenario {
		if api.Scenario[u].WithinScenario != mv.Response.Scenario[u].WithinScenario {
			t.Errorf("move, unit %s: page %v, API %v", api.Scenario[u].UnitID, mv.Response.Scenario[u].WithinScenario, api.Scenario[u].WithinScenario)
		}
	}
	if mv.Iso == 0 || api.Totals.Joined <= 0 || api.Totals.Joined != mv.Response.Totals.Joined {
		t.Errorf("move: %d isochrone features drawn, %v residents join the circle (page %v)", mv.Iso, api.Totals.Joined, mv.Response.Totals.Joined)
	}
	if got.Scenario.CompareRows < len(rows) || len(got.Scenario.Session) != 2 {
		t.Errorf("session %q, compare table %d rows", got.Scenario.Session, got.Scenario.CompareRows)
	}
	if got.Print.Pages != 1 || !got.Print.ScenarioTable {
		t.Errorf("print with the scenario: %d pages, scenario table %v; want one page with the table", got.Print.Pages, got.Print.ScenarioTable)
	}
}

// pageNum reads a number as the page prints it ("12,345").
func pageNum(s string) float64 {
	var v float64
	fmt.Sscan(strings.ReplaceAll(s, ",", ""), &v)
	return v
}
