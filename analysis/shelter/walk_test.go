package shelter_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
	"github.com/uber/h3-go/v4"
)

const walkKPH = 4.5

// town is a 24 × 24 street grid about 100 m apart near Porto Alegre's
// centre, walked at 4.5 km/h, with every res-9 cell whose centre lies
// inside it.
type town struct {
	g     *graph.Graph
	cells []h3.Cell
	pop   []float64
}

const (
	lon0, lat0 = -51.23, -30.04
	step       = 0.001 // degrees: about 96 m east-west, 111 m north-south
	side       = 24
)

func newTown(tb testing.TB, oneWay bool) town {
	tb.Helper()
	pt := func(x, y int) orb.Point { return orb.Point{lon0 + float64(x)*step, lat0 + float64(y)*step} }
	g := graphtest.Grid{
		N: side, Origin: orb.Point{lon0, lat0}, StepDeg: step, SpeedMPS: walkKPH / 3.6, Profile: "walk",
		OneWay: func(x, y int) bool { return oneWay && x == 5 && y == 5 },
	}.Build(tb)
	tw := town{g: g}
	seen := map[h3.Cell]bool{}
	for y := 1; y < side-1; y++ {
		for x := 1; x < side-1; x++ {
			c, err := geo.CellOf(pt(x, y), 9)
			if err != nil {
				tb.Fatal(err)
			}
			ctr, _ := geo.CellCenter(c)
			if !seen[c] && g.Bound().Contains(ctr) {
				seen[c] = true
				tw.cells = append(tw.cells, c)
			}
		}
	}
	slices.Sort(tw.cells)
	for i := range tw.cells {
		tw.pop = append(tw.pop, float64(100+37*i%400))
	}
	return tw
}

var townShelters = []orb.Point{
	{lon0 + 3.5*step, lat0 + 4.2*step},
	{lon0 + 12.1*step, lat0 + 11.7*step},
	{lon0 + 19.0*step, lat0 + 6.3*step},
	{},                 // set by the test beside a cell centre: the same edge as that cell
	{lon0 + 0.3, lat0}, // 29 km away: not placed
}

// Walk's matrix holds exactly the pairs within each shelter's cut-off, at
// the times an unbounded search from the shelter gives, and the same times
// as a search the other way, from the cell (the graph is two-way).
func TestWalkMatrix(t *testing.T) {
	t.Parallel()
	tw := newTown(t, false)
	g := tw.g
	cut := []float64{600, 900, 400, 700, 800}
	shelters := slices.Clone(townShelters)
	ctr, _ := geo.CellCenter(tw.cells[len(tw.cells)/2])
	shelters[3] = orb.Point{ctr[0] + 1e-6, ctr[1]}
	w, err := shelter.Walk(context.Background(), shelter.WalkInput{Graph: g, Cells: tw.cells, Shelters: shelters, CutoffSeconds: cut, WalkKPH: walkKPH, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(tw.cells) < 20 {
		t.Fatalf("only %d cells in the town", len(tw.cells))
	}
	if w.ShelterErr[4] == nil || !errors.Is(w.ShelterErr[4], graph.ErrNoRoad) || !math.IsNaN(w.ShelterSnapM[4]) {
		t.Errorf("the far shelter: error %v, snap %v m; want ErrNoRoad and NaN", w.ShelterErr[4], w.ShelterSnapM[4])
	}
	mps := walkKPH / 3.6
	opt := graph.SnapOptions{}
	s := route.NewSearch(g)
	sameEdge := 0
	for j, p := range shelters[:4] {
		sn, err := g.Snap(p, opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Run(context.Background(), route.SnapSeeds(g, sn, 0, graph.Seconds(sn.DistanceM/mps)), route.Options{}); err != nil {
			t.Fatal(err)
		}
		inMatrix := 0
		for i, c := range tw.cells {
			ctr, _ := geo.CellCenter(c)
			cs, err := g.Snap(ctr, opt)
			if err != nil {
				t.Fatal(err)
			}
			pt, _, _ := route.PointTime(s, cs)
			want := float64(pt) + cs.DistanceM/mps
			if cs.Edge == sn.Edge {
				sameEdge++
				want = math.Min(want, sn.DistanceM/mps+math.Abs(cs.Fraction-sn.Fraction)*float64(g.Weight(sn.Edge))+cs.DistanceM/mps)
			}
			sh, sec := w.Matrix.Row(i)
			k := slices.Index(sh, int32(j))
			switch {
			case want <= cut[j] && k < 0:
				t.Errorf("cell %d at %.3f s from shelter %d (cut-off %v) is missing from the matrix", i, want, j, cut[j])
			case want > cut[j] && k >= 0:
				t.Errorf("cell %d at %.3f s from shelter %d is in the matrix beyond the cut-off %v", i, want, j, cut[j])
			case k >= 0:
				inMatrix++
				if math.Abs(sec[k]-want) > 1e-9 {
					t.Errorf("cell %d → shelter %d: matrix %.9f s, unbounded search %.9f s", i, j, sec[k], want)
				}
			}
		}
		if inMatrix == 0 {
			t.Errorf("shelter %d has no cell within %v s", j, cut[j])
		}
	}
	if sameEdge == 0 {
		t.Error("no cell shares an edge with a shelter: the direct walk is untested")
	}
	// The other way: from each cell to shelter 1.
	sn1, _ := g.Snap(townShelters[1], opt)
	for i, c := range tw.cells {
		ctr, _ := geo.CellCenter(c)
		cs, _ := g.Snap(ctr, opt)
		if cs.Edge == sn1.Edge {
			continue // the direct walk along the edge is not a search's
		}
		if err := s.Run(context.Background(), route.SnapSeeds(g, cs, 0, graph.Seconds(cs.DistanceM/mps)), route.Options{}); err != nil {
			t.Fatal(err)
		}
		pt, _, _ := route.PointTime(s, sn1)
		back := float64(pt) + sn1.DistanceM/mps
		sh, sec := w.Matrix.Row(i)
		if k := slices.Index(sh, 1); k >= 0 && math.Abs(sec[k]-back) > 1e-9 {
			t.Errorf("cell %d: shelter 1 at %.9f s from the shelter's search, %.9f s from the cell's", i, sec[k], back)
		}
	}
	// Nearest: never later than any entry of the row; equal to the best.
	for i := range tw.cells {
		_, sec := w.Matrix.Row(i)
		if w.Nearest[i] < 0 {
			t.Errorf("cell %d has no nearest shelter", i)
			continue
		}
		for _, x := range sec {
			if w.NearestSeconds[i] > x+1e-9 {
				t.Errorf("cell %d: nearest %v s, but a shelter within reach at %v s", i, w.NearestSeconds[i], x)
			}
		}
		if w.WithinReach[i] != (len(sec) > 0) {
			t.Errorf("cell %d: within reach %v with %d entries", i, w.WithinReach[i], len(sec))
		}
	}
}

func TestWalkRefusesOneWay(t *testing.T) {
	t.Parallel()
	tw := newTown(t, true)
	_, err := shelter.Walk(context.Background(), shelter.WalkInput{Graph: tw.g, Cells: tw.cells, Shelters: townShelters[:1], CutoffSeconds: []float64{600}, WalkKPH: walkKPH})
	if !errors.Is(err, shelter.ErrOneWay) {
		t.Errorf("Walk on a graph with a one-way edge: error %v, want ErrOneWay", err)
	}
}
