package robustness

import (
	"context"
	"math"
	"runtime"
	"slices"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/par"
)

// Close returns g without the edges (a segment's, or any), as a scenario
// closing them would.
func Close(g *graph.Graph, edges []graph.EdgeID) (*graph.Graph, error) {
	drop := make(map[graph.EdgeID]bool, len(edges))
	for _, e := range edges {
		drop[e] = true
	}
	return g.Modified(func(e graph.EdgeID) bool { return drop[e] }, nil)
}

// CellTimes is every cell's time from the nearest base, computed as
// package coverage computes it: turnout, the drive from the base's road
// point to the cell centre's road point, and the off-road walk to the
// centre. Seconds is +Inf where no base reaches the cell or the centre has
// no road within the snap distance (NoRoad).
type CellTimes struct {
	Seconds []float64
	NoRoad  []bool
	Snaps   []graph.Snap
	// Node is the time of every graph node from the nearest base, Source
	// that base, Reached the nodes reached, and Seeds the search's starting
	// points (Source is the index into Input.Bases).
	Node    []graph.Seconds
	Source  []int32 // the base reaching each node first (-1)
	Reached []graph.NodeID
	Seeds   []route.Seed

	snapped *snapped
}

// Times computes the cells' times on g from in.Bases (in.Graph is ignored:
// g may be a modified copy). It returns ErrNoBases when no base can be
// placed.
func Times(ctx context.Context, g *graph.Graph, in Input) (*CellTimes, error) {
	sn, err := snapAll(ctx, g, in)
	if err != nil {
		return nil, err
	}
	return timesFrom(ctx, g, in, sn)
}

// snapped is where the cell centres and the bases lie on a graph.
type snapped struct {
	cells, bases   []graph.Snap
	cellOK, baseOK []bool
	minComp        int
}

func workersOf(in Input) int {
	if in.Workers <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return in.Workers
}

// snapAll snaps every cell centre and base onto g.
func snapAll(ctx context.Context, g *graph.Graph, in Input) (*snapped, error) {
	opt := graph.SnapOptions{MaxDistanceM: in.Standard.Access.SnapDistanceM}
	n := len(in.Cells)
	sn := &snapped{cells: make([]graph.Snap, n), cellOK: make([]bool, n), bases: make([]graph.Snap, len(in.Bases)), baseOK: make([]bool, len(in.Bases)),
		minComp: min(graph.DefaultMinComponent, g.LargestComponentSize())}
	err := par.For(ctx, n, workersOf(in), func(i int) error {
		ctr, err := geo.CellCenter(in.Cells[i])
		if err != nil {
			return err
		}
		if s, err := g.Snap(ctr, opt); err == nil {
			sn.cells[i], sn.cellOK[i] = s, true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for b, p := range in.Bases {
		if s, err := g.Snap(p, opt); err == nil {
			sn.bases[b], sn.baseOK[b] = s, true
		}
	}
	return sn, nil
}

// onClosed returns the snaps on closed, which is g less the edges dropped
// (sorted): a point keeps its snap, renumbered, when its edge survives and
// still joins two nodes of a large component, since dropping edges only
// takes candidates away (ties go to the lower index, and the survivors keep
// their order); the others are snapped anew. The answer is what snapAll on
// closed would give, at a fraction of the cost.
func (sn *snapped) onClosed(ctx context.Context, closed *graph.Graph, dropped []graph.EdgeID, in Input) (*snapped, error) {
	minComp := min(graph.DefaultMinComponent, closed.LargestComponentSize())
	if minComp != sn.minComp {
		return snapAll(ctx, closed, in) // the threshold moved: everything may change
	}
	remap := func(e graph.EdgeID) (graph.EdgeID, bool) {
		if e == graph.NoEdge {
			return e, true
		}
		k, found := slices.BinarySearch(dropped, e)
		return e - graph.EdgeID(k), !found
	}
	keep := func(s graph.Snap) (graph.Snap, bool) {
		e, ok1 := remap(s.Edge)
		tw, ok2 := remap(s.Twin)
		if !ok1 || !ok2 {
			return s, false
		}
		u, size := closed.Component(s.Tail)
		w, _ := closed.Component(closed.Head(e))
		if u != w || size < minComp {
			return s, false
		}
		s.Edge, s.Twin = e, tw
		return s, true
	}
	opt := graph.SnapOptions{MaxDistanceM: in.Standard.Access.SnapDistanceM}
	out := &snapped{cells: slices.Clone(sn.cells), cellOK: slices.Clone(sn.cellOK), bases: slices.Clone(sn.bases), baseOK: slices.Clone(sn.baseOK), minComp: minComp}
	for i := range out.cells {
		if !out.cellOK[i] {
			continue // no road then, none now
		}
		if s, ok := keep(out.cells[i]); ok {
			out.cells[i] = s
			continue
		}
		ctr, err := geo.CellCenter(in.Cells[i])
		if err != nil {
			return nil, err
		}
		s, err := closed.Snap(ctr, opt)
		out.cells[i], out.cellOK[i] = s, err == nil
	}
	for b := range out.bases {
		if !out.baseOK[b] {
			continue
		}
		if s, ok := keep(out.bases[b]); ok {
			out.bases[b] = s
			continue
		}
		s, err := closed.Snap(in.Bases[b], opt)
		out.bases[b], out.baseOK[b] = s, err == nil
	}
	return out, nil
}

// timesFrom runs the search from the snapped bases and times the snapped
// cells, as package coverage does.
func timesFrom(ctx context.Context, g *graph.Graph, in Input, sn *snapped) (*CellTimes, error) {
	std := in.Standard
	n := len(in.Cells)
	walk := std.WalkMPS()
	ct := &CellTimes{Seconds: make([]float64, n), NoRoad: make([]bool, n), Snaps: sn.cells, snapped: sn}
	turnout := graph.Seconds(std.Rescue.TurnoutSeconds)
	for b := range in.Bases {
		if sn.baseOK[b] {
			ct.Seeds = append(ct.Seeds, route.SnapSeeds(g, sn.bases[b], int32(b), turnout)...)
		}
	}
	if len(ct.Seeds) == 0 {
		return nil, ErrNoBases
	}
	s := route.NewSearch(g)
	s.FillWorkers = workersOf(in)
	if err := s.Run(ctx, ct.Seeds, route.Options{}); err != nil {
		return nil, err
	}
	for i := range ct.Seconds {
		ct.Seconds[i] = math.Inf(1)
		if !sn.cellOK[i] {
			ct.NoRoad[i] = true
			continue
		}
		if t, _, ok := route.PointTime(s, sn.cells[i]); ok {
			ct.Seconds[i] = float64(t) + sn.cells[i].DistanceM/walk
		}
	}
	tr := s.Tree()
	ct.Node, ct.Source = tr.Time, tr.Source
	ct.Reached = slices.Clone(s.Settled())
	return ct, nil
}
