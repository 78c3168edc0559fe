package study_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

var sampleOnce struct {
	sync.Once
	in  *study.Inputs
	res *coverage.Result
	err error
}

func sample(tb testing.TB) (*study.Inputs, *coverage.Result) {
	tb.Helper()
	sampleOnce.Do(func() {
		st, err := study.Load(filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"))
		if err != nil {
			sampleOnce.err = err
			return
		}
		in, err := study.Read(context.Background(), st, study.Options{})
		if err != nil {
			sampleOnce.err = err
			return
		}
		sampleOnce.in = in
		sampleOnce.res, sampleOnce.err = coverage.Compute(context.Background(), in.Coverage)
	})
	if sampleOnce.err != nil {
		tb.Fatal(sampleOnce.err)
	}
	return sampleOnce.in, sampleOnce.res
}

// TestRunChangeBases: moving a base is taking it out and adding it at the
// new place (same id, team and level): the same coverage, unit by unit; a
// move to where it stands changes nothing; a team size changes the unit's
// team members, not its coverage.
func TestRunChangeBases(t *testing.T) {
	in, base := sample(t)
	ctx := context.Background()
	// The base that alone covers most residents, onto the farthest other
	// base (a spot on the road network).
	bi := 0
	for i, br := range base.Bases {
		if br.OnlyCovers > base.Bases[bi].OnlyCovers {
			bi = i
		}
	}
	b := in.Coverage.Bases[bi]
	var to orb.Point
	for _, o := range in.Coverage.Bases {
		if d := planar.DistanceSquared(o.Loc, b.Loc); d > planar.DistanceSquared(to, b.Loc) || to == (orb.Point{}) {
			to = o.Loc
		}
	}
	move, err := study.RunChange(ctx, in, study.Change{Name: "move", BasesMove: []study.BaseSpec{{ID: b.ID, Lon: to[0], Lat: to[1]}}})
	if err != nil {
		t.Fatal(err)
	}
	outIn, err := study.RunChange(ctx, in, study.Change{Name: "out+add", BasesOut: []string{b.ID},
		BasesAdd: []study.BaseSpec{{ID: b.ID, Name: b.Name, Lon: to[0], Lat: to[1], TeamSize: b.TeamSize, Level: b.Level}}})
	if err != nil {
		t.Fatal(err)
	}
	if move.Result.Summary.Within == base.Summary.Within {
		t.Errorf("moving base %s to %v changed nothing (%v within)", b.ID, to, base.Summary.Within)
	}
	for u := range base.Units {
		m, o := move.Result.Units[u], outIn.Result.Units[u]
		if m.Within != o.Within || m.Members != o.Members || m.Bases != o.Bases {
			t.Errorf("unit %s: move gives %v within, %d members, %d bases; out+add %v, %d, %d", m.ID, m.Within, m.Members, m.Bases, o.Within, o.Members, o.Bases)
		}
	}

	still, err := study.RunChange(ctx, in, study.Change{Name: "still", BasesMove: []study.BaseSpec{{ID: b.ID, Lon: b.Loc[0], Lat: b.Loc[1]}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range base.Cells.Time {
		if still.Result.Cells.Time[i] != base.Cells.Time[i] {
			t.Fatalf("a base moved to where it stands: cell %d %v s, baseline %v s", i, still.Result.Cells.Time[i], base.Cells.Time[i])
		}
	}

	team, err := study.RunChange(ctx, in, study.Change{Name: "team", TeamSize: map[string]int{b.ID: b.TeamSize + 12}})
	if err != nil {
		t.Fatal(err)
	}
	for u, bu := range base.Units {
		tu := team.Result.Units[u]
		wantMembers := bu.Members
		if tu.ID == unitOf(in, b.ID) {
			wantMembers += 12
		}
		if tu.Within != bu.Within || tu.Members != wantMembers {
			t.Errorf("team size: unit %s %v within, %d members; want %v, %d", tu.ID, tu.Within, tu.Members, bu.Within, wantMembers)
		}
	}

	for _, bad := range []study.Change{
		{BasesOut: []string{"nope"}},
		{BasesMove: []study.BaseSpec{{ID: "nope", Lon: 1.5, Lat: 42.5}}},
		{BasesMove: []study.BaseSpec{{ID: b.ID, Lon: 200, Lat: 42.5}}},
		{BasesAdd: []study.BaseSpec{{ID: b.ID, Lon: 1.5, Lat: 42.5}}},
		{TeamSize: map[string]int{"nope": 3}},
		{TeamSize: map[string]int{b.ID: -1}},
	} {
		if _, err := study.RunChange(ctx, in, bad); err == nil {
			t.Errorf("RunChange(%+v) = nil error", bad)
		}
	}
}

func unitOf(in *study.Inputs, baseID string) string {
	for i, b := range in.Coverage.Bases {
		if b.ID == baseID {
			if u := in.Coverage.BaseUnit[i]; u >= 0 {
				return in.Coverage.Units[u].ID
			}
		}
	}
	return ""
}

// TestScenarioUnitsMatchTable: the per-unit rows a what-if answers with
// are the scenarios table's rows, value for value.
func TestScenarioUnitsMatchTable(t *testing.T) {
	in, base := sample(t)
	scs, err := study.RunScenarios(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	rec := study.ScenarioTable(memory.NewGoAllocator(), in, base, nil, scs)
	if rec == nil {
		t.Fatal("no scenarios table")
	}
	defer rec.Release()
	row := 0
	for _, sc := range scs {
		for _, u := range study.ScenarioUnits(in, base, nil, sc) {
			if got := rec.Column(1).ValueStr(row); got != u.UnitID {
				t.Fatalf("row %d: unit %s, want %s", row, got, u.UnitID)
			}
			for k, v := range map[int]float64{3: u.Residents, 4: u.WithinBaseline, 5: u.WithinScenario, 6: u.Lost} {
				if got := rec.Column(k).(*array.Float64).Value(row); got != v {
					t.Errorf("row %d column %s: %v, want %v", row, rec.ColumnName(k), got, v)
				}
			}
			if got := rec.Column(7).(*array.Int64).Value(row); got != u.CellsChanged {
				t.Errorf("row %d cells_changed: %d, want %d", row, got, u.CellsChanged)
			}
			row++
		}
	}
	if row != int(rec.NumRows()) || row == 0 {
		t.Errorf("%d rows from ScenarioUnits, table %d", row, rec.NumRows())
	}
}

// TestParseScenarioBases: bases_move, bases_add and team_size in a study
// file; bad entries refused with their key.
func TestParseScenarioBases(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.osm.pbf", "bases.csv", "pop.csv", "units.geojson"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	head := "network: {pbf: a.osm.pbf}\nfacilities: {bases: [{file: bases.csv}]}\npopulation: {h3: pop.csv}\nunits: {file: units.geojson}\nscenarios:\n"
	good := head + "  - name: plan\n    bases_move: [{id: b1, lon: 1.52, lat: 42.51}]\n    bases_add: [{id: n1, lon: 1.6, lat: 42.55, team_size: 12}]\n    team_size: {b2: 40}\n"
	st, err := study.Parse([]byte(good), filepath.Join(dir, "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sc := st.Scenarios[0]
	if len(sc.BasesMove) != 1 || sc.BasesMove[0].Lat != 42.51 || len(sc.BasesAdd) != 1 || sc.BasesAdd[0].TeamSize != 12 || sc.TeamSize["b2"] != 40 {
		t.Errorf("scenario = %+v", sc)
	}
	for _, bad := range []struct{ yaml, key string }{
		{"  - name: x\n    bases_add: [{lon: 1, lat: 2}]\n", "bases_add[0]"},
		{"  - name: x\n    bases_move: [{id: b1, lon: 500, lat: 2}]\n", "bases_move[0]"},
		{"  - name: x\n    team_size: {b1: -3}\n", "team_size.b1"},
	} {
		_, err := study.Parse([]byte(head+bad.yaml), filepath.Join(dir, "s.yaml"))
		if err == nil || !strings.Contains(err.Error(), bad.key) {
			t.Errorf("Parse(%q) = %v, want an error naming %s", bad.yaml, err, bad.key)
		}
	}
}
