package study_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestTimesOfDayAndorra checks the time-of-day study against studies
// whose graphs had the factors applied by hand: for each time, the test
// reads the ways' highway tags, picks the factor the profile below gives
// (written out again here), rebuilds the graph with graph.Modified and
// runs the coverage study on it. Every cell's time must agree; 03:00 is
// in no period and must be the free-flow study itself.
func TestTimesOfDayAndorra(t *testing.T) {
	ctx := context.Background()
	sample, err := filepath.Abs(filepath.Join("..", "..", "data", "sample", "andorra"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	g0, err := osm.Build(ctx, filepath.Join(sample, "andorra.osm.pbf"), mustProfile(t), osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	special := g0.WayID(graph.EdgeID(g0.NumEdges() / 2)) // a way with its own factor in the morning
	profile := `name: test
illustrative: true
periods:
  - {name: morning, from: "07:00", to: "09:30", factors: {primary: 0.5, secondary: 0.6, residential_link: 0.3, default: 0.8}}
  - {name: evening, from: "17:00", to: "19:30", factors: {trunk: 0.55, primary: 0.7}}
ways: ways.csv
`
	must(t, os.WriteFile(filepath.Join(dir, "profile.yaml"), []byte(profile), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "ways.csv"), []byte("way_id,period,factor\n"+strconv.FormatInt(special, 10)+",morning,0.25\n"), 0o644))
	y := "name: times\nnetwork: {pbf: " + filepath.Join(sample, "andorra.osm.pbf") + "}\n" +
		"facilities: {bases: [{file: " + filepath.Join(sample, "fire_stations.csv") + ", team_size: 30}]}\n" +
		"population: {buildings: {scale_to: 77543}}\nunits: {osm_admin_level: 7}\n" +
		"times: [\"03:00\", \"08:00\", \"17:30\"]\nspeed_profile: profile.yaml\n"
	must(t, os.WriteFile(filepath.Join(dir, "study.yaml"), []byte(y), 0o644))
	in, rs := computeStudy(t, filepath.Join(dir, "study.yaml"))
	if len(rs.Times) != 3 {
		t.Fatalf("%d time results, want 3", len(rs.Times))
	}
	var ids []int64
	for e := 0; e < in.Graph.NumEdges(); e++ {
		ids = append(ids, in.Graph.WayID(graph.EdgeID(e)))
	}
	hw, err := osm.WayHighways(ctx, in.Study.Network.PBF, ids, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	byHand := map[string]func(way int64, h string) float64{ // speed factors
		"03:00": func(int64, string) float64 { return 1 },
		"08:00": func(way int64, h string) float64 {
			switch {
			case way == special:
				return 0.25
			case h == "primary" || h == "primary_link":
				return 0.5
			case h == "secondary" || h == "secondary_link":
				return 0.6
			case h == "residential_link":
				return 0.3
			}
			return 0.8
		},
		"17:30": func(_ int64, h string) float64 {
			switch h {
			case "trunk", "trunk_link":
				return 0.55
			case "primary", "primary_link":
				return 0.7
			}
			return 1
		},
	}
	for _, tr := range rs.Times {
		f := byHand[tr.Time.Label]
		g, err := in.Graph.Modified(nil, func(e graph.EdgeID) float64 { w := in.Graph.WayID(e); return 1 / f(w, hw[w]) })
		if err != nil {
			t.Fatal(err)
		}
		ci := in.Coverage
		ci.Graph = g
		want, err := coverage.Compute(ctx, ci)
		if err != nil {
			t.Fatal(err)
		}
		slower := 0
		for i := range want.Cells.Time {
			a, b := tr.Coverage.Cells.Time[i], want.Cells.Time[i]
			if !(a == b || math.Abs(a-b) <= 1e-9*b) {
				t.Fatalf("%s cell %s: %v s, by hand %v s", tr.Time.Label, ci.Cells[i], a, b)
			}
			if a > rs.Coverage.Cells.Time[i]+1e-9 {
				slower++
			}
		}
		if tr.Coverage.Summary.Within != want.Summary.Within {
			t.Errorf("%s: within %v, by hand %v", tr.Time.Label, tr.Coverage.Summary.Within, want.Summary.Within)
		}
		if (tr.Time.Label == "03:00") != (slower == 0) {
			t.Errorf("%s (period %q): %d cells slower than free flow", tr.Time.Label, tr.Period, slower)
		}
		t.Logf("%s (%s): within %.0f of %.0f (free flow %.0f); %d cells slower", tr.Time.Label, tr.Period, tr.Coverage.Summary.Within,
			tr.Coverage.Summary.Residents, rs.Coverage.Summary.Within, slower)
	}
	// The tables gain the time as a key.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tt, err := study.TimeTables(mem, in, rs.Times)
	if err != nil {
		t.Fatal(err)
	}
	cells := tt["cells_times"]
	if got, want := cells.NumRows(), int64(3*len(in.Coverage.Cells)); got != want || cells.ColumnName(0) != "time" {
		t.Errorf("cells_times: %d rows, first column %s; want %d, time", got, cells.ColumnName(0), want)
	}
	for _, r := range tt {
		r.Release()
	}
}

func mustProfile(tb testing.TB) *osm.Profile {
	tb.Helper()
	p, err := osm.BuiltinProfile("drive")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// TestTimesErrors: bad times and profiles are errors naming the key.
func TestTimesErrors(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.osm.pbf", "bases.csv", "pop.csv", "units.geojson"} {
		must(t, os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644))
	}
	good := "network: {pbf: a.osm.pbf}\nfacilities: {bases: [{file: bases.csv}]}\npopulation: {h3: pop.csv}\nunits: {file: units.geojson}\n"
	prof := func(name, body string) string {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
		return name
	}
	for _, tc := range []struct{ name, extra, want string }{
		{"bad time", "times: [\"25:00\"]\n", "times[0]"},
		{"twice", "times: [\"08:00\", \"08:00\"]\n", "twice"},
		{"profile without times", "speed_profile: x.yaml\n", "needs times"},
		{"no source", "times: [\"08:00\"]\nspeed_profile: " + prof("p1.yaml", "name: p\nperiods: []\n") + "\n", "source"},
		{"overlap", "times: [\"08:00\"]\nspeed_profile: " + prof("p2.yaml", "illustrative: true\nperiods: [{name: a, from: \"07:00\", to: \"09:00\"}, {name: b, from: \"08:00\", to: \"10:00\"}]\n") + "\n", "overlap"},
		{"zero factor", "times: [\"08:00\"]\nspeed_profile: " + prof("p3.yaml", "illustrative: true\nperiods: [{name: a, from: \"07:00\", to: \"09:00\", factors: {primary: 0}}]\n") + "\n", "factors.primary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "s.yaml")
			must(t, os.WriteFile(path, []byte(good+tc.extra), 0o644))
			_, err := study.Load(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
