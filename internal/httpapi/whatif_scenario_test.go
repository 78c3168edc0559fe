package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/service"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestWhatIfEqualsBatchScenario: the sample study's valira-flood scenario
// (close_areas: flood_valira.geojson) sent to /api/whatif with the file's
// GeoJSON gives, unit by unit, the rows the batch run writes to the
// scenarios table; so do its night slowdown and its two bases out.
func TestWhatIfEqualsBatchScenario(t *testing.T) {
	s := sampleSrv(t)
	h := s.Handler()
	st := s.svc.Default().Study()
	batch, err := study.RunScenarios(context.Background(), st.In)
	if err != nil {
		t.Fatal(err)
	}
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for i, spec := range st.In.Study.Scenarios {
		body := map[string]any{"name": spec.Name}
		if spec.CloseAreas != "" {
			body["close_areas"] = json.RawMessage(read(spec.CloseAreas))
		}
		var slow []map[string]any
		for _, sl := range spec.Slow {
			slow = append(slow, map[string]any{"area": json.RawMessage(read(sl.Area)), "factor": sl.Factor})
		}
		if slow != nil {
			body["slow"] = slow
		}
		if spec.BasesOut != nil {
			body["remove"] = spec.BasesOut
		}
		b, _ := json.Marshal(body)
		rec := post(t, h, "/api/whatif", string(b))
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", spec.Name, rec.Code, rec.Body)
		}
		var got service.WhatIfResult
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := study.ScenarioUnits(st.In, st.Res, st.Shelter, batch[i])
		if len(got.Scenario) != len(want) {
			t.Fatalf("%s: %d unit rows, batch %d", spec.Name, len(got.Scenario), len(want))
		}
		var lost float64
		for u := range want {
			g, w := got.Scenario[u], want[u]
			if g.UnitID != w.UnitID || g.WithinScenario != w.WithinScenario || g.WithinBaseline != w.WithinBaseline ||
				g.Lost != w.Lost || g.CellsChanged != w.CellsChanged || !samePtr(g.P90Scenario, w.P90Scenario) {
				t.Errorf("%s unit %s: API %+v, batch %+v", spec.Name, w.UnitID, g, w)
			}
			lost += w.Lost
		}
		if got.Totals.Lost != lost || got.Name != spec.Name {
			t.Errorf("%s: totals %+v name %q, want lost %v", spec.Name, got.Totals, got.Name, lost)
		}
		t.Logf("%s: %.0f residents leave the circle, %d roads closed, %d slowed, answered in %.1f ms", spec.Name, got.Totals.Lost, got.Report.ClosedEdges, got.Report.SlowedEdges, got.TookMS)
		if spec.CloseAreas != "" && got.Report.ClosedEdges == 0 {
			t.Errorf("%s: no road closed", spec.Name)
		}
	}
}

func samePtr(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// TestWhatIfMoveAndTeam: moving a base and changing a team size in one
// what-if equals study.RunChange of the same change; the moved base's
// isochrones come back; the cells that change are listed on request; bad
// requests are 400 naming the field, a polygon with no road 422.
func TestWhatIfMoveAndTeam(t *testing.T) {
	s := sampleSrv(t)
	h := s.Handler()
	st := s.svc.Default().Study()
	b0, b1 := st.In.Coverage.Bases[0], st.In.Coverage.Bases[len(st.In.Coverage.Bases)-1]
	body := fmt.Sprintf(`{"name":"move","move":[{"id":%q,"lon":1.5332,"lat":42.5461}],"team_size":{%q:45},"add":[{"id":"n1","lon":1.5021,"lat":42.5446,"team_size":12}],"cells":true}`, b0.ID, b1.ID)
	rec := post(t, h, "/api/whatif", body)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var got service.WhatIfResult
	json.Unmarshal(rec.Body.Bytes(), &got)
	want, err := study.RunChange(context.Background(), st.In, study.Change{Name: "move",
		BasesMove: []study.BaseSpec{{ID: b0.ID, Lon: 1.5332, Lat: 42.5461}}, TeamSize: map[string]int{b1.ID: 45},
		BasesAdd: []study.BaseSpec{{ID: "n1", Lon: 1.5021, Lat: 42.5446, TeamSize: 12}}})
	if err != nil {
		t.Fatal(err)
	}
	rows := study.ScenarioUnits(st.In, st.Res, st.Shelter, want)
	for u := range rows {
		if got.Scenario[u].WithinScenario != rows[u].WithinScenario {
			t.Errorf("unit %s: API %v within, RunChange %v", rows[u].UnitID, got.Scenario[u].WithinScenario, rows[u].WithinScenario)
		}
	}
	bases := map[string]bool{}
	for _, f := range got.Isochrones.Features {
		bases[f.Properties.MustString("base_id")] = true
	}
	if !bases[b0.ID] || !bases["n1"] || len(bases) != 2 {
		t.Errorf("isochrones of bases %v, want the moved %s and the added n1", bases, b0.ID)
	}
	var lost, gained float64
	for _, f := range got.CellsChanged.Features {
		if f.Properties.MustString("status") == "lost" {
			lost += f.Properties.MustFloat64("residents")
		} else {
			gained += f.Properties.MustFloat64("residents")
		}
	}
	if d := lost - gained - (got.WithinBefore - got.WithinAfter); d > 1e-6 || d < -1e-6 {
		t.Errorf("cells changed: %v lost, %v gained; within %v -> %v", lost, gained, got.WithinBefore, got.WithinAfter)
	}

	for _, tc := range []struct{ body, want string }{
		{`{}`, "nothing to change"},
		{`{"move":[{"id":"nope","lon":1.5,"lat":42.5}]}`, "move[0]"},
		{`{"team_size":{"nope":3}}`, "team_size"},
		{`{"close_areas":{"type":"Point","coordinates":[1,2]}}`, "close_areas"},
		{`{"slow":[{"area":{"type":"Polygon","coordinates":[[[1.5,42.5],[1.6,42.5],[1.6,42.6],[1.5,42.5]]]},"factor":0}]}`, "slow[0]"},
	} {
		rec := post(t, h, "/api/whatif", tc.body)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("POST %s = %d %s, want 400 naming %s", tc.body, rec.Code, rec.Body, tc.want)
		}
	}
	sea := `{"close_areas":{"type":"Polygon","coordinates":[[[10,40],[10.01,40],[10.01,40.01],[10,40]]]}}`
	if rec := post(t, h, "/api/whatif", sea); rec.Code != 422 {
		t.Errorf("a closure with no road: %d %s, want 422", rec.Code, rec.Body)
	}
}

var malta struct {
	once sync.Once
	srv  *Server
}

// BenchmarkWhatIfPolygon times a drawn-polygon what-if (a closure of
// about 1.5 km² through the middle of the study's data, as a planner
// would draw a flood) through the HTTP handler: on the sample and on Malta
// (bench/studies/malta.yaml). Targets: < 500 ms on the sample, < 2 s on
// Malta.
func BenchmarkWhatIfPolygon(b *testing.B) {
	for _, tc := range []struct {
		name string
		srv  func(testing.TB) *Server
		poly string
	}{
		{"Sample", sampleSrv, `[[[1.515,42.5035],[1.528,42.506],[1.540,42.5095],[1.541,42.512],[1.5275,42.5095],[1.514,42.5065],[1.515,42.5035]]]`},
		{"Malta", maltaSrv, `[[[14.490,35.875],[14.505,35.875],[14.505,35.885],[14.490,35.885],[14.490,35.875]]]`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			h := tc.srv(b).Handler()
			body := `{"name":"flood","close_areas":{"type":"Polygon","coordinates":` + tc.poly + `},"cells":true}`
			b.ReportAllocs()
			for b.Loop() {
				if rec := post(b, h, "/api/whatif", body); rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

func maltaSrv(tb testing.TB) *Server {
	tb.Helper()
	shared.Export(tb) // the study names its inputs as ${RESCUEGRID_SHARED}/...
	malta.once.Do(func() {
		s := newTestServer(16 << 20)
		s.svc.Load(context.Background(), filepath.Join("..", "..", "bench", "studies", "malta.yaml"))
		malta.srv = s
	})
	if malta.srv.svc.Default().Study() == nil {
		tb.Fatalf("Malta did not load: %v", malta.srv.svc.Default().LoadError())
	}
	return malta.srv
}
