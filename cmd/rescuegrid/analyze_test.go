package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/rescuegrid/rescuegrid/internal/arrowtest"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// readArrow reads a whole Arrow IPC file with the Arrow reader
// (arrowtest.ReadIPC).
func readArrow(tb testing.TB, path string) arrow.Table {
	tb.Helper()
	tbl, _ := arrowtest.ReadIPC(tb, memory.DefaultAllocator, path)
	return tbl
}

func sumFloat(tb testing.TB, t arrow.Table, name string) float64 {
	tb.Helper()
	idx := t.Schema().FieldIndices(name)
	if len(idx) != 1 {
		tb.Fatalf("no column %q in %v", name, t.Schema())
	}
	var s float64
	for _, ch := range t.Column(idx[0]).Data().Chunks() {
		a := ch.(*array.Float64)
		for i := 0; i < a.Len(); i++ {
			if a.IsValid(i) {
				s += a.Value(i)
			}
		}
	}
	return s
}

// TestAnalyzeSample runs the bundled study as 'make run' does and reads its
// outputs back with the Arrow and Parquet readers.
func TestAnalyzeSample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "andorra")
	stdout, _ := runCLI(t, "analyze", filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"), "--out", out)
	for _, want := range []string{"inside the 15-minute circle", "Andorra la Vella", "largest gaps"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary does not mention %q:\n%s", want, stdout)
		}
	}
	// The folder is shareable like one mkdir makes (it was 0700 before).
	if fi, err := os.Stat(out); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o755 {
		t.Errorf("output folder mode %v, want 0755", fi.Mode())
	}
	var sum struct {
		Residents, Within   float64
		Units, Bases, Cells int
		Standard            struct{ Name string }
		ResidentsOutside    float64 `json:"residents_outside_units"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if math.Abs(sum.Residents-77543) > 1e-6 || sum.Units != 7 || sum.Bases != 5 || sum.Standard.Name != "cn-grassroots" {
		t.Errorf("summary = %+v, want 77,543 residents in 7 parishes, 5 bases, cn-grassroots", sum)
	}
	// Every resident counted once: cells, units + outside units, the summary.
	cells := readArrow(t, filepath.Join(out, "cells.arrow"))
	defer cells.Release()
	units := readArrow(t, filepath.Join(out, "units.arrow"))
	defer units.Release()
	if got := sumFloat(t, cells, "population"); math.Abs(got-sum.Residents) > 1e-6 {
		t.Errorf("cells add up to %v residents, summary %v", got, sum.Residents)
	}
	if got := sumFloat(t, units, "residents") + sum.ResidentsOutside; math.Abs(got-sum.Residents) > 1e-6 {
		t.Errorf("units + outside units = %v residents, summary %v", got, sum.Residents)
	}
	if got := sumFloat(t, units, "within"); math.Abs(got-sum.Within) > 1e-6+sum.ResidentsOutside {
		t.Errorf("units' residents within = %v, summary %v", got, sum.Within)
	}
	// The GeoParquet file reads back with the Parquet reader, with its geo metadata.
	tbl, geoMeta, _ := arrowtest.ReadParquet(t, memory.DefaultAllocator, filepath.Join(out, "units.parquet"))
	defer tbl.Release()
	if !strings.Contains(geoMeta, `"primary_column":"geometry"`) {
		t.Errorf("units.parquet geo metadata = %q", geoMeta)
	}
	if tbl.NumRows() != 7 {
		t.Errorf("units.parquet has %d rows, want 7", tbl.NumRows())
	}
	// The sample's three scenarios, answered beside the baseline.
	var scen struct {
		Within    float64
		Scenarios []struct {
			Name   string
			Within float64
			Lost   float64 `json:"residents_losing_coverage"`
		}
	}
	if err := json.Unmarshal(b, &scen); err != nil || len(scen.Scenarios) != 3 {
		t.Fatalf("summary scenarios = %+v, %v", scen.Scenarios, err)
	}
	for _, sc := range scen.Scenarios {
		if sc.Within > scen.Within+1e-6 {
			t.Errorf("scenario %s covers %v residents, more than the baseline %v", sc.Name, sc.Within, scen.Within)
		}
		if sc.Name == "massana-out" && sc.Lost <= 0 {
			t.Errorf("taking La Massana's station out loses no coverage")
		}
	}
	scTable := readArrow(t, filepath.Join(out, "scenarios.arrow"))
	defer scTable.Release()
	if scTable.NumRows() != 3*7 {
		t.Errorf("scenarios table has %d rows, want 3 scenarios × 7 parishes", scTable.NumRows())
	}
}

// TestAnalyzeFailureLeavesNoOutput: a study whose input is bad fails with a
// message naming the file, and leaves no output folder.
func TestAnalyzeFailureLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	sample, _ := filepath.Abs(filepath.Join("..", "..", "data", "sample", "andorra"))
	bad := filepath.Join(dir, "bases.csv")
	if err := os.WriteFile(bad, []byte("id,lon,lat\na,1.5,42.5\nb,east,42.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	studyYAML := "network: {pbf: " + filepath.Join(sample, "andorra.osm.pbf") + "}\n" +
		"facilities: {bases: [{file: bases.csv}]}\n" +
		"population: {buildings: {}}\n" +
		"units: {osm_admin_level: 7}\n"
	path := filepath.Join(dir, "study.yaml")
	if err := os.WriteFile(path, []byte(studyYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var o, e bytes.Buffer
	err := run(context.Background(), []string{"--quiet", "analyze", path, "--out", out}, &env{stdout: &o, stderr: &e})
	if err == nil || !strings.Contains(err.Error(), "bases.csv:3") || !strings.Contains(err.Error(), "lon") {
		t.Errorf("analyze with a bad base row = %v, want an error naming bases.csv:3 and lon", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		if en.Name() != "bases.csv" && en.Name() != "study.yaml" {
			t.Errorf("left behind: %s", en.Name())
		}
	}
}

// TestAnalyzePortoAlegreShelters runs the Porto Alegre study with the 2024
// flood shelters and checks the shelter tables against each other and the
// summary.
func TestAnalyzePortoAlegreShelters(t *testing.T) {
	shared.Export(t) // the study names its inputs as ${RESCUEGRID_SHARED}/...
	out := filepath.Join(t.TempDir(), "poa")
	stdout, stderr := runCLI(t, "analyze", filepath.Join("..", "..", "bench", "studies", "porto-alegre.yaml"), "--out", out)
	if !strings.Contains(stderr, "542 without coordinates") || !strings.Contains(stdout, "shelters:") {
		t.Errorf("the run does not report the SOS-RS rows without coordinates or the shelters:\n%s\n%s", stderr, stdout)
	}
	var sum struct {
		Residents float64
		Shelters  struct {
			Shelters               int
			Places, Demand, Placed float64
			Unplaced, Required     float64
			Deficit                float64 `json:"place_deficit"`
			RequiredPlaces         float64 `json:"required_places"`
			WithinReach            float64 `json:"residents_within_walk_reach"`
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	s := sum.Shelters
	shelters := readArrow(t, filepath.Join(out, "shelters.arrow"))
	defer shelters.Release()
	cells := readArrow(t, filepath.Join(out, "shelter_cells.arrow"))
	defer cells.Release()
	if int(shelters.NumRows()) != s.Shelters || s.Shelters < 50 {
		t.Errorf("shelters table has %d rows, summary %d", shelters.NumRows(), s.Shelters)
	}
	if got := sumFloat(t, shelters, "places"); math.Abs(got-s.Places) > 1e-6 {
		t.Errorf("shelter places add up to %v, summary %v", got, s.Places)
	}
	if got := sumFloat(t, shelters, "load"); math.Abs(got-s.Placed) > 1e-6*s.Placed {
		t.Errorf("shelter loads add up to %v, summary placed %v", got, s.Placed)
	}
	if got := sumFloat(t, cells, "placed") + sumFloat(t, cells, "unplaced"); math.Abs(got-s.Demand) > 1e-6*s.Demand {
		t.Errorf("cells placed + unplaced = %v, demand %v", got, s.Demand)
	}
	if math.Abs(s.Demand-812935) > 1e-6 || math.Abs(s.RequiredPlaces-0.15*812935) > 1e-6 {
		t.Errorf("demand %v, required %v; want all 812,935 residents and 15 %% of them", s.Demand, s.RequiredPlaces)
	}
	// No shelter is loaded beyond its capacity.
	places := shelters.Column(shelters.Schema().FieldIndices("places")[0]).Data().Chunk(0).(*array.Float64)
	load := shelters.Column(shelters.Schema().FieldIndices("load")[0]).Data().Chunk(0).(*array.Float64)
	for i := 0; i < places.Len(); i++ {
		if load.Value(i) > places.Value(i)+1e-9 {
			t.Errorf("shelter %d: load %v over %v places", i, load.Value(i), places.Value(i))
		}
	}
	checkShelterScenarios(t, out, s.Places, s.Placed)
}

// checkShelterScenarios reads the Porto Alegre study's scenario_shelters
// table and summary.json back and checks them against each other and the
// study file's scenarios: the closed shelters have no places and no load,
// the halved one half its places rounded down, every scenario's loads add
// up to its placed residents, and closing or shrinking shelters never
// places more residents than the baseline.
func checkShelterScenarios(t *testing.T, out string, basePlaces, basePlaced float64) {
	t.Helper()
	var sum struct {
		Scenarios []struct {
			Name     string
			Shelters *struct {
				Closed          int
				Places, Placed  float64
				PlacedBaseline  float64  `json:"placed_baseline"`
				NewlyUnplaced   float64  `json:"newly_unplaced"`
				StartToOverflow []string `json:"shelters_starting_to_overflow"`
				WalkClosedEdges int      `json:"walk_closed_edges"`
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	tab := readArrow(t, filepath.Join(out, "scenario_shelters.arrow"))
	defer tab.Release()
	col := func(name string) arrow.Array {
		idx := tab.Schema().FieldIndices(name)
		if len(idx) != 1 {
			t.Fatalf("scenario_shelters has no column %q", name)
		}
		return tab.Column(idx[0]).Data().Chunk(0)
	}
	scen, id := col("scenario").(*array.String), col("shelter_id").(*array.String)
	closed, factor := col("closed").(*array.Boolean), col("capacity_factor").(*array.Float64)
	pb, ps := col("places_baseline").(*array.Float64), col("places_scenario").(*array.Float64)
	ls := col("load_scenario").(*array.Float64)
	starts := col("starts_to_overflow").(*array.Boolean)
	if len(sum.Scenarios) != 3 || int(tab.NumRows()) != 3*int(tab.NumRows()/3) {
		t.Fatalf("%d scenarios, %d scenario_shelters rows", len(sum.Scenarios), tab.NumRows())
	}
	byName := map[string]int{}
	for k, sc := range sum.Scenarios {
		byName[sc.Name] = k
		if sc.Shelters == nil {
			t.Fatalf("scenario %s has no shelter summary", sc.Name)
		}
	}
	loads := make([]float64, 3)
	placesBase := make([]float64, 3)
	nClosed := make([]int, 3)
	overflow := make([][]string, 3)
	for i := 0; i < int(tab.NumRows()); i++ {
		k := byName[scen.Value(i)]
		loads[k] += ls.Value(i)
		placesBase[k] += pb.Value(i)
		if closed.Value(i) {
			nClosed[k]++
			if ps.Value(i) != 0 || ls.Value(i) != 0 {
				t.Errorf("%s: closed shelter %s has %v places, load %v", scen.Value(i), id.Value(i), ps.Value(i), ls.Value(i))
			}
		}
		if f := factor.Value(i); f != 1 && ps.Value(i) != math.Floor(pb.Value(i)*f) {
			t.Errorf("%s: shelter %s × %v has %v places, baseline %v", scen.Value(i), id.Value(i), f, ps.Value(i), pb.Value(i))
		}
		if starts.Value(i) {
			overflow[k] = append(overflow[k], id.Value(i))
		}
	}
	for k, sc := range sum.Scenarios {
		s := sc.Shelters
		if math.Abs(loads[k]-s.Placed) > 1e-6*math.Max(1, s.Placed) || math.Abs(placesBase[k]-basePlaces) > 1e-6 || s.PlacedBaseline != basePlaced {
			t.Errorf("%s: loads add up to %v, summary placed %v; baseline places %v (study %v), placed %v (study %v)", sc.Name, loads[k], s.Placed, placesBase[k], basePlaces, s.PlacedBaseline, basePlaced)
		}
		if s.Placed > basePlaced+1e-6 || nClosed[k] != s.Closed || strings.Join(overflow[k], ",") != strings.Join(s.StartToOverflow, ",") {
			t.Errorf("%s: placed %v (baseline %v), %d closed rows (summary %d), overflowing %v (summary %v)", sc.Name, s.Placed, basePlaced, nClosed[k], s.Closed, overflow[k], s.StartToOverflow)
		}
	}
	if fl := sum.Scenarios[byName["fourth-district-flood"]].Shelters; fl.WalkClosedEdges == 0 {
		t.Error("the flood scenario closes no walk-graph edge")
	}
	if pc := sum.Scenarios[byName["pucrs-neighbours-closed"]].Shelters; pc.Closed != 2 {
		t.Errorf("pucrs-neighbours-closed closes %d shelters, the study lists 2", pc.Closed)
	}
}

// TestAnalyzeCriticalSegments runs the sample with --critical-segments and
// reads the table back: as many rows as asked, most costly first, each
// within its loss bound (with the residents of cells snapped anew, when no
// base moved), the summary's most costly the table's first rows,
// and the printed summary names them.
func TestAnalyzeCriticalSegments(t *testing.T) {
	out := filepath.Join(t.TempDir(), "andorra")
	stdout, _ := runCLI(t, "analyze", filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"), "--out", out, "--critical-segments", "6")
	if !strings.Contains(stdout, "critical road segments") {
		t.Errorf("no critical segments in the summary:\n%s", stdout)
	}
	tab := readArrow(t, filepath.Join(out, "critical_segments.arrow"))
	defer tab.Release()
	if tab.NumRows() != 6 {
		t.Fatalf("critical_segments has %d rows, want 6", tab.NumRows())
	}
	col := func(name string) *array.Float64 {
		return tab.Column(tab.Schema().FieldIndices(name)[0]).Data().Chunk(0).(*array.Float64)
	}
	lost, bound, cut, resnapped := col("residents_losing_coverage"), col("loss_bound"), col("residents_cut_off"), col("residents_resnapped")
	int64s := func(name string) *array.Int64 {
		return tab.Column(tab.Schema().FieldIndices(name)[0]).Data().Chunk(0).(*array.Int64)
	}
	way, moved := int64s("way_id"), int64s("bases_moved")
	for i := 0; i < 6; i++ {
		if moved.Value(i) == 0 && lost.Value(i) > bound.Value(i)+resnapped.Value(i)+1e-9 {
			t.Errorf("row %d: %v residents lose coverage, bound %v (+%v re-snapped)", i, lost.Value(i), bound.Value(i), resnapped.Value(i))
		}
		if i > 0 && (lost.Value(i) > lost.Value(i-1) || (lost.Value(i) == lost.Value(i-1) && cut.Value(i) > cut.Value(i-1))) {
			t.Errorf("row %d (lost %v, cut off %v) ranks below row %d (%v, %v)", i, lost.Value(i), cut.Value(i), i-1, lost.Value(i-1), cut.Value(i-1))
		}
	}
	var sum struct {
		Critical struct {
			Evaluated int
			Bound     float64 `json:"unevaluated_loss_bound"`
			Top       []struct {
				WayID int64   `json:"way_id"`
				Lost  float64 `json:"residents_losing_coverage"`
			} `json:"most_costly"`
		} `json:"critical_segments"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	c := sum.Critical
	if c.Evaluated != 6 || len(c.Top) != 5 {
		t.Fatalf("summary: %d evaluated, %d most costly; want 6 and 5", c.Evaluated, len(c.Top))
	}
	for i, s := range c.Top {
		if s.WayID != way.Value(i) || s.Lost != lost.Value(i) {
			t.Errorf("summary's most costly %d = way %d, %v lost; table row: way %d, %v", i, s.WayID, s.Lost, way.Value(i), lost.Value(i))
		}
	}
	if c.Bound > bound.Value(0) {
		t.Errorf("unevaluated bound %v above the first evaluated bound %v: the ranking is not by bound", c.Bound, bound.Value(0))
	}
}
