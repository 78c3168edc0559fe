package siting_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/analysis/siting"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
	"github.com/uber/h3-go/v4"
)

// gridTown is a two-way street grid of n×n junctions about 111 m apart
// (0.001°) near Valletta's latitude, driven at 10 m/s.
func gridTown(tb testing.TB, n int) *graph.Graph {
	tb.Helper()
	return graphtest.Grid{N: n, Origin: orb.Point{14.4, 35.88}, StepDeg: 0.001, SpeedMPS: 10}.Build(tb)
}

// nodeDemand is one resident per res-9 cell holding a node.
func nodeDemand(tb testing.TB, g *graph.Graph, res int) siting.Demand {
	tb.Helper()
	var cells []h3.Cell
	for v := 0; v < g.NumNodes(); v++ {
		c, err := geo.CellOf(g.Point(graph.NodeID(v)), res)
		if err != nil {
			tb.Fatal(err)
		}
		cells = append(cells, c)
	}
	slices.Sort(cells)
	cells = slices.Compact(cells)
	pop := make([]float64, len(cells))
	for i := range pop {
		pop[i] = 1
	}
	return siting.Demand{Cells: cells, Pop: pop}
}

// TestMatrixMatchesUnboundedSearch: every row holds exactly the cells an
// unbounded search from the site reaches within the horizon, with the same
// time (turnout + drive + off-road walk).
func TestMatrixMatchesUnboundedSearch(t *testing.T) {
	g := gridTown(t, 40)
	ctx := context.Background()
	sites, rep, err := siting.Candidates(ctx, g, siting.CandidateOptions{Res: 8, MinTeam: 20})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kept != len(sites) || rep.Considered != rep.Kept+rep.NoRoad+rep.Excluded+rep.Outside || rep.Outside != 0 || len(rep.Rejected) != 0 {
		t.Errorf("report %+v for %d sites", rep, len(sites))
	}
	sites[0].Existing = true
	d := nodeDemand(t, g, 9)
	opt := siting.MatrixOptions{HorizonSeconds: 240, TurnoutSeconds: 30, WalkKPH: 4.5}
	m, err := siting.NewMatrix(ctx, g, sites, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	if m.NumEntries() == 0 || len(m.Unplaced) > 0 {
		t.Fatalf("%d entries, unplaced %v", m.NumEntries(), m.Unplaced)
	}
	s := route.NewSearch(g)
	for j, site := range m.Sites {
		if site.Members != 20 {
			t.Errorf("site %s needs %d members, want 20", site.ID, site.Members)
		}
		sn, err := g.Snap(site.Loc, graph.SnapOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sn.DistanceM > 0.01 {
			t.Errorf("candidate %s is %.2f m from the road, want on it", site.ID, sn.DistanceM)
		}
		if err := s.Run(ctx, route.SnapSeeds(g, sn, 0, 30), route.Options{}); err != nil {
			t.Fatal(err)
		}
		want := map[uint32]float64{}
		for i, c := range d.Cells {
			ctr, _ := geo.CellCenter(c)
			csn, err := g.Snap(ctr, graph.SnapOptions{})
			if err != nil {
				continue
			}
			tt, _, ok := route.PointTime(s, csn)
			if tm := float64(tt) + csn.DistanceM/(4.5/3.6); ok && tm <= 240 {
				want[uint32(i)] = tm
			}
		}
		row := m.Row(j)
		if len(row) != len(want) {
			t.Fatalf("site %d: %d cells in the row, %d within the horizon by an unbounded search", j, len(row), len(want))
		}
		for k, e := range row {
			w, ok := want[e.Cell]
			if !ok || math.Abs(float64(e.Seconds)-w) > 1e-3 {
				t.Fatalf("site %d cell %d: %v s, want %v (in range %v)", j, e.Cell, e.Seconds, w, ok)
			}
			if k > 0 && row[k-1].Seconds > e.Seconds {
				t.Fatalf("site %d: row not sorted by time at %d", j, k)
			}
		}
	}
	if got, want := m.MemoryBytes(), 8*m.NumEntries()+8*(len(sites)+1); got != want {
		t.Errorf("MemoryBytes() = %d, want %d", got, want)
	}
}

// TestMatrixDirection: on a one-way ring the matrix holds times from the
// station to the resident, not back.
func TestMatrixDirection(t *testing.T) {
	var b graph.Builder
	const n = 60 // 60 nodes 0.001° apart on a one-way ring (a long thin loop)
	way := b.AddWay(1)
	var pts []orb.Point
	for i := 0; i < n/2; i++ {
		pts = append(pts, orb.Point{14.4 + 0.001*float64(i), 35.88})
	}
	for i := n/2 - 1; i >= 0; i-- {
		pts = append(pts, orb.Point{14.4 + 0.001*float64(i), 35.8803})
	}
	for i, p := range pts {
		b.AddNode(int64(i+1), int32(math.Round(p[0]*1e7)), int32(math.Round(p[1]*1e7)))
	}
	for i := range pts {
		b.AddEdge(uint32(i), uint32((i+1)%n), 10, way)
	}
	g, err := b.Build(graph.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	// Station at the west end of the south side; resident cell near the
	// east end: going east along the south side is 29 edges, coming back
	// the long way would be 31.
	cell, _ := geo.CellOf(pts[29], 10)
	sites := []siting.Site{{ID: "west", Loc: pts[0]}}
	m, err := siting.NewMatrix(context.Background(), g, sites, siting.Demand{Cells: []h3.Cell{cell}, Pop: []float64{1}}, siting.MatrixOptions{HorizonSeconds: 1000})
	if err != nil {
		t.Fatal(err)
	}
	tm, ok := m.Time(0, 0)
	if !ok || tm < 270 || tm > 330 {
		t.Errorf("station→resident time %v (reached %v), want about 290 s (29 one-way edges), not the way back", tm, ok)
	}
}

// TestCandidatesExclude: candidates whose road point lies in an excluded
// area are dropped; given points keep their ids; no candidate left is an
// error.
func TestCandidatesExclude(t *testing.T) {
	g := gridTown(t, 30)
	ctx := context.Background()
	all, _, err := siting.Candidates(ctx, g, siting.CandidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := g.Bound()
	midLon := (b.Min[0] + b.Max[0]) / 2
	west := orb.MultiPolygon{{{{b.Min[0] - 1, b.Min[1] - 1}, {midLon, b.Min[1] - 1}, {midLon, b.Max[1] + 1}, {b.Min[0] - 1, b.Max[1] + 1}, {b.Min[0] - 1, b.Min[1] - 1}}}}
	east, rep, err := siting.Candidates(ctx, g, siting.CandidateOptions{Exclude: []orb.MultiPolygon{west}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Excluded == 0 || len(east) == 0 || len(east)+rep.Excluded+rep.NoRoad != len(all)+rep.NoRoad {
		t.Errorf("%d candidates, %d east of the excluded area, report %+v", len(all), len(east), rep)
	}
	for _, s := range east {
		if s.Loc[0] < midLon {
			t.Errorf("candidate %s at %v lies in the excluded area", s.ID, s.Loc)
		}
	}
	given := []siting.Site{{ID: "in", Loc: g.Point(0)}, {Loc: orb.Point{b.Max[0] - 0.0001, b.Max[1]}}, {ID: "far", Loc: orb.Point{20, 40}}}
	got, rep, err := siting.Candidates(ctx, g, siting.CandidateOptions{Points: given})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "in" || got[1].ID != "p1" || rep.Outside != 1 || rep.NoRoad != 0 || len(rep.Rejected) != 1 ||
		rep.Rejected[0].ID != "far" || !strings.Contains(rep.Rejected[0].Reason, "outside the road network") {
		t.Errorf("given points: %+v, report %+v", got, rep)
	}
	// An area: the cells whose centres lie in it, or its centroid when it
	// holds none; a point beyond the roads but inside the extent has no road.
	area := siting.Area{ID: "zone", Geom: orb.MultiPolygon{{{{b.Min[0], b.Min[1]}, {b.Max[0], b.Min[1]}, {b.Max[0], b.Max[1]}, {b.Min[0], b.Max[1]}, {b.Min[0], b.Min[1]}}}}}
	tiny := siting.Area{ID: "tiny", Geom: orb.MultiPolygon{{{{b.Min[0], b.Min[1]}, {b.Min[0] + 1e-5, b.Min[1]}, {b.Min[0] + 1e-5, b.Min[1] + 1e-5}, {b.Min[0], b.Min[1]}}}}}
	got, rep, err = siting.Candidates(ctx, g, siting.CandidateOptions{Areas: []siting.Area{area, tiny}, Res: 8})
	if err != nil {
		t.Fatal(err)
	}
	cells, last := 0, got[len(got)-1]
	for _, s := range got {
		if strings.HasPrefix(s.ID, "zone/") && s.Cell != 0 {
			cells++
		}
	}
	if cells == 0 || cells != len(got)-1 || last.ID != "tiny" || last.Cell != 0 || rep.Considered != len(got)+rep.NoRoad {
		t.Errorf("areas gave %d cells of %d sites (last %+v), report %+v", cells, len(got), last, rep)
	}
	everywhere := orb.MultiPolygon{{{{0, 0}, {30, 0}, {30, 60}, {0, 60}, {0, 0}}}}
	if _, _, err := siting.Candidates(ctx, g, siting.CandidateOptions{Exclude: []orb.MultiPolygon{everywhere}}); !errors.Is(err, siting.ErrNoCandidates) {
		t.Errorf("Candidates with everything excluded = %v, want ErrNoCandidates", err)
	}
}

// TestSolveOnGrid: the whole pipeline on the grid town; the exact optimum
// bounds greedy (the instance is small) and the chosen sites add what the
// curve says.
func TestSolveOnGrid(t *testing.T) {
	g := gridTown(t, 40)
	ctx := context.Background()
	sites, _, err := siting.Candidates(ctx, g, siting.CandidateOptions{Res: 8})
	if err != nil {
		t.Fatal(err)
	}
	m, err := siting.NewMatrix(ctx, g, sites, nodeDemand(t, g, 9), siting.MatrixOptions{HorizonSeconds: 300})
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []siting.Objective{siting.MaxCover, siting.PMedian} {
		sol, err := siting.Solve(ctx, m, siting.Options{Objective: obj, K: 3, TargetSeconds: 120})
		if err != nil {
			t.Fatal(err)
		}
		if math.IsNaN(sol.Bound.Exact) {
			t.Fatalf("%v: no exact optimum on %d candidates", obj, len(sites))
		}
		if sol.Bound.Gap < 0 || (obj == siting.MaxCover && sol.Value > sol.Bound.Exact+1e-9) || (obj == siting.PMedian && sol.Value < sol.Bound.Exact-1e-6) {
			t.Errorf("%v: value %v, exact %v, gap %v", obj, sol.Value, sol.Bound.Exact, sol.Bound.Gap)
		}
		t.Logf("%v: %d candidates, %d cells; value %.1f, greedy %.1f, exact %.1f, online bound %.1f, greedy bound %.1f",
			obj, len(sites), m.NumCells(), sol.Value, sol.GreedyValue, sol.Bound.Exact, sol.Bound.Online, sol.Bound.Greedy)
	}
}

// TestMatrixSameRoadBeyondHorizon: a cell on the site's own road is reached
// by the direct drive along it even when both ends of the road lie beyond
// the horizon (a road longer than the horizon): downstream on a one-way
// road, both ways on a two-way road; upstream on the one-way road it is not.
func TestMatrixSameRoadBeyondHorizon(t *testing.T) {
	for _, twoWay := range []bool{false, true} {
		// A one-way loop of four long roads (about 4.5 km by 1.1 km, 3000 s
		// each), the south road A→B two-way or not.
		var b graph.Builder
		way := b.AddWay(1)
		a, z := orb.Point{14.40, 35.88}, orb.Point{14.45, 35.88}
		for i, p := range []orb.Point{a, z, {14.45, 35.89}, {14.40, 35.89}} {
			b.AddNode(int64(i+1), int32(math.Round(p[0]*1e7)), int32(math.Round(p[1]*1e7)))
			b.AddEdge(uint32(i), uint32((i+1)%4), 3000, way)
		}
		if twoWay {
			b.AddEdge(1, 0, 3000, way)
		}
		g, err := b.Build(graph.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		at := func(f float64) orb.Point { return orb.Point{a[0] + f*(z[0]-a[0]), a[1]} }
		down, _ := geo.CellOf(at(0.35), 10)
		up, _ := geo.CellOf(at(0.05), 10)
		sites := []siting.Site{{ID: "s", Loc: at(0.2)}}
		d := siting.Demand{Cells: []h3.Cell{down, up}, Pop: []float64{1, 1}}
		if down > up {
			d.Cells = []h3.Cell{up, down}
		}
		m, err := siting.NewMatrix(context.Background(), g, sites, d, siting.MatrixOptions{HorizonSeconds: 1800})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range d.Cells {
			tm, ok := m.Time(0, i)
			// The cells' centres lie a fraction 0.15 of the road (450 s of
			// driving, give or take the centre's offset) from the site.
			want := c == down || twoWay
			if ok != want || (ok && (tm < 300 || tm > 600)) {
				t.Errorf("two-way %v, cell %s (downstream %v): time %v, reached %v; want reached %v, about 450 s", twoWay, c, c == down, tm, ok, want)
			}
		}
	}
}
