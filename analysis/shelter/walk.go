package shelter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"github.com/uber/h3-go/v4"
	"runtime"
)

// Matrix is a sparse cell × shelter table of walking times in compressed
// rows: the entries of cell i are k in [Off[i], Off[i+1]), shelter
// Shelter[k] reached in Seconds[k], sorted by shelter. Only pairs within the
// shelter's cut-off are entries. A Matrix is not modified by the functions
// of this package and is safe to share once built.
type Matrix struct {
	Cells, Shelters int
	Off             []int32   // len Cells+1
	Shelter         []int32   // len Len()
	Seconds         []float64 // len Len(), walking seconds cell → shelter
}

// Len returns the number of entries.
func (m *Matrix) Len() int { return len(m.Shelter) }

// Row returns the shelters within reach of cell i and their times; the
// slices belong to the matrix.
func (m *Matrix) Row(i int) (shelters []int32, seconds []float64) {
	lo, hi := m.Off[i], m.Off[i+1]
	return m.Shelter[lo:hi], m.Seconds[lo:hi]
}

// rows returns the cell of every entry.
func (m *Matrix) rows() []int32 {
	r := make([]int32, m.Len())
	for i := 0; i < m.Cells; i++ {
		for k := m.Off[i]; k < m.Off[i+1]; k++ {
			r[k] = int32(i)
		}
	}
	return r
}

// check returns an error unless the matrix is well formed.
func (m *Matrix) check() error {
	if len(m.Off) != m.Cells+1 || m.Off[0] != 0 || int(m.Off[m.Cells]) != len(m.Shelter) || len(m.Seconds) != len(m.Shelter) {
		return fmt.Errorf("%w: matrix of %d cells has %d offsets, %d entries, %d times", ErrInput, m.Cells, len(m.Off), len(m.Shelter), len(m.Seconds))
	}
	for i := 0; i < m.Cells; i++ {
		if m.Off[i] > m.Off[i+1] {
			return fmt.Errorf("%w: matrix offsets decrease at cell %d", ErrInput, i)
		}
	}
	for k, j := range m.Shelter {
		if j < 0 || int(j) >= m.Shelters {
			return fmt.Errorf("%w: matrix entry %d names shelter %d of %d", ErrInput, k, j, m.Shelters)
		}
		if t := m.Seconds[k]; !(t >= 0) || math.IsInf(t, 0) {
			return fmt.Errorf("%w: matrix entry %d has time %v", ErrInput, k, t)
		}
	}
	return nil
}

// WalkInput is what Walk needs. Shelters and CutoffSeconds are parallel.
type WalkInput struct {
	// Graph is the pedestrian graph (profile walk), two-way, its edge times
	// at the walking speed.
	Graph *graph.Graph
	// Cells are the residents' cells; each enters at its centre.
	Cells []h3.Cell
	// Shelters are the shelters' locations, [lon, lat].
	Shelters []orb.Point
	// Closed marks shelters that are not placed (nil: none): their
	// ShelterErr is ErrClosed and no cell reaches them.
	Closed []bool
	// CutoffSeconds is each shelter's reach in walking seconds: a cell is
	// within reach when its walking time is <= the cut-off.
	CutoffSeconds []float64
	// WalkKPH is the speed of the off-road walk from a cell centre or a
	// shelter to its snapped point on the graph, km/h.
	WalkKPH float64
	// Snap limits snapping (the standard's snap distance).
	Snap graph.SnapOptions
	// Workers is the number of parallel searches (<= 0: GOMAXPROCS).
	Workers int
}

// Walking is Walk's answer. Per-cell slices are parallel to WalkInput.Cells,
// per-shelter ones to WalkInput.Shelters.
type Walking struct {
	Matrix Matrix
	Center []orb.Point // cell centres
	SnapM  []float64   // centre to its snapped point, metres; NaN with no road access
	NoRoad []bool      // no usable road within the snap distance
	// Nearest is each cell's nearest shelter on foot whatever its reach
	// (-1 when none is reached), at NearestSeconds (+Inf).
	Nearest        []int32
	NearestSeconds []float64
	// WithinReach says some shelter has the cell within its cut-off (the
	// cell's matrix row is not empty).
	WithinReach []bool
	// ShelterSnapM is each shelter's distance to its snapped point, NaN when
	// it could not be placed; ShelterErr then says why (a *graph.SnapError).
	ShelterSnapM []float64
	ShelterErr   []error
}

// Errors callers may branch on.
var (
	ErrInput  = errors.New("shelter: inconsistent input")
	ErrOneWay = errors.New("shelter: the walk graph has one-way edges")
	ErrClosed = errors.New("shelter: closed")
)

// Walk computes walking times from cells to shelters on a two-way
// pedestrian graph: one bounded search per shelter (cut off at the
// shelter's own reach; shelters with equal cut-offs share one ForEach run)
// and one multi-source search for every cell's nearest shelter. A time is
// the off-road walk from the cell centre to its road at WalkKPH, the walk
// along the graph, and the off-road walk from the shelter's road to the
// shelter. Because the graph is two-way (checked: ErrOneWay), the search
// from a shelter gives the times from the cells to it. A cell and a
// shelter snapped onto the same edge also get the direct walk along it.
//
// Cells with no road within the snap distance, and shelters that cannot be
// placed, have no entries; they are reported, never dropped.
func Walk(ctx context.Context, in WalkInput) (*Walking, error) {
	g := in.Graph
	n, m := len(in.Cells), len(in.Shelters)
	switch {
	case g == nil:
		return nil, fmt.Errorf("%w: no walk graph", ErrInput)
	case len(in.CutoffSeconds) != m:
		return nil, fmt.Errorf("%w: %d shelters but %d cut-offs", ErrInput, m, len(in.CutoffSeconds))
	case in.Closed != nil && len(in.Closed) != m:
		return nil, fmt.Errorf("%w: %d shelters but %d closed flags", ErrInput, m, len(in.Closed))
	case !(in.WalkKPH > 0) || math.IsInf(in.WalkKPH, 0):
		return nil, fmt.Errorf("%w: walking speed %v km/h", ErrInput, in.WalkKPH)
	}
	for j, c := range in.CutoffSeconds {
		if !(c >= 0) || math.IsInf(c, 0) {
			return nil, fmt.Errorf("%w: shelter %d has cut-off %v s", ErrInput, j, c)
		}
	}
	if err := checkTwoWay(g); err != nil {
		return nil, err
	}
	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	mps := in.WalkKPH / 3.6

	w := &Walking{
		Center: make([]orb.Point, n), SnapM: make([]float64, n), NoRoad: make([]bool, n),
		Nearest: make([]int32, n), NearestSeconds: make([]float64, n), WithinReach: make([]bool, n),
		ShelterSnapM: make([]float64, m), ShelterErr: make([]error, m),
	}
	snaps := make([]graph.Snap, n)
	connector := make([]float64, n)
	err := par.For(ctx, n, workers, func(i int) error {
		ctr, err := geo.CellCenter(in.Cells[i])
		if err != nil {
			return err
		}
		w.Center[i] = ctr
		sn, err := g.Snap(ctr, in.Snap)
		if err != nil {
			w.NoRoad[i], w.SnapM[i] = true, math.NaN()
			return nil
		}
		snaps[i], w.SnapM[i], connector[i] = sn, sn.DistanceM, sn.DistanceM/mps
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Shelters onto the graph.
	sSnap := make([]graph.Snap, m)
	seeds := make([][]route.Seed, m)
	var all []route.Seed
	for j, p := range in.Shelters {
		if in.Closed != nil && in.Closed[j] {
			w.ShelterSnapM[j], w.ShelterErr[j] = math.NaN(), ErrClosed
			continue
		}
		sn, err := g.Snap(p, in.Snap)
		if err != nil {
			w.ShelterSnapM[j], w.ShelterErr[j] = math.NaN(), err
			continue
		}
		sSnap[j], w.ShelterSnapM[j] = sn, sn.DistanceM
		seeds[j] = route.SnapSeeds(g, sn, int32(j), graph.Seconds(sn.DistanceM/mps))
		all = append(all, seeds[j]...)
	}

	// Nearest shelter of every cell: one search, no limit.
	for i := range w.Nearest {
		w.Nearest[i], w.NearestSeconds[i] = -1, math.Inf(1)
	}
	if len(all) > 0 {
		s := route.NewSearch(g)
		s.FillWorkers = workers
		if err := s.Run(ctx, all, route.Options{}); err != nil {
			return nil, err
		}
		for i := range w.Nearest {
			if w.NoRoad[i] {
				continue
			}
			if t, src, ok := route.PointTime(s, snaps[i]); ok {
				w.Nearest[i], w.NearestSeconds[i] = src, float64(t)+connector[i]
			}
		}
	}

	// One bounded search per shelter.
	per, err := perShelter(ctx, g, in, snaps, connector, w.NoRoad, sSnap, seeds, mps, workers)
	if err != nil {
		return nil, err
	}
	w.Matrix = buildMatrix(n, m, per)
	for i := 0; i < n; i++ {
		sh, sec := w.Matrix.Row(i)
		w.WithinReach[i] = len(sh) > 0
		for k, t := range sec {
			// A direct walk along a shared edge can beat the way through the
			// edge's ends, which is all the multi-source search sees.
			if t < w.NearestSeconds[i] || (t == w.NearestSeconds[i] && sh[k] < w.Nearest[i]) {
				w.Nearest[i], w.NearestSeconds[i] = sh[k], t
			}
		}
	}
	return w, nil
}

type hit struct {
	cell int32
	t    float64
}

// perShelter runs the bounded searches and returns each shelter's cells
// within its cut-off.
func perShelter(ctx context.Context, g *graph.Graph, in WalkInput, snaps []graph.Snap, connector []float64, noRoad []bool,
	sSnap []graph.Snap, seeds [][]route.Seed, mps float64, workers int) ([][]hit, error) {
	n, m := len(in.Cells), len(in.Shelters)
	off, idx := route.SnapIndex(g, snaps, noRoad)
	// Cells snapped onto each edge, for the direct walk along a shared edge.
	onEdge := map[graph.EdgeID][]int32{}
	for i, sn := range snaps {
		if !noRoad[i] {
			onEdge[sn.Edge] = append(onEdge[sn.Edge], int32(i))
		}
	}
	// Group the placed shelters by cut-off: one ForEach per distinct limit.
	byCut := map[float64][]int{}
	var cuts []float64
	for j := 0; j < m; j++ {
		if seeds[j] == nil {
			continue
		}
		c := in.CutoffSeconds[j]
		if _, ok := byCut[c]; !ok {
			cuts = append(cuts, c)
		}
		byCut[c] = append(byCut[c], j)
	}
	sort.Float64s(cuts)
	stamps := make(chan []int32, workers)
	for k := 0; k < workers; k++ {
		st := make([]int32, n)
		for i := range st {
			st[i] = -1
		}
		stamps <- st
	}
	out := make([][]hit, m)
	for _, cut := range cuts {
		which := byCut[cut]
		groups := make([][]route.Seed, len(which))
		for k, j := range which {
			groups[k] = seeds[j]
		}
		err := route.ForEach(ctx, g, groups, route.Options{Limit: graph.Seconds(cut)}, workers, func(k int, s *route.Search) error {
			j := which[k]
			st := <-stamps
			defer func() { stamps <- st }()
			ss := sSnap[j]
			sConn := ss.DistanceM / mps
			var hits []hit
			visit := func(i int32) {
				if st[i] == int32(j) {
					return
				}
				st[i] = int32(j)
				sn := snaps[i]
				t := math.Inf(1)
				if pt, _, ok := route.PointTime(s, sn); ok {
					t = float64(pt)
				}
				if sn.Edge == ss.Edge {
					direct := sConn + math.Abs(sn.Fraction-ss.Fraction)*float64(g.Weight(ss.Edge))
					t = math.Min(t, direct)
				}
				t += connector[i]
				if t <= cut {
					hits = append(hits, hit{i, t})
				}
			}
			for _, i := range onEdge[ss.Edge] {
				visit(i)
			}
			for _, v := range s.Settled() {
				for _, i := range idx[off[v]:off[v+1]] {
					visit(i)
				}
			}
			out[j] = hits
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// buildMatrix gathers the per-shelter hits into rows by cell, sorted by
// shelter (shelters are added in order).
func buildMatrix(n, m int, per [][]hit) Matrix {
	mx := Matrix{Cells: n, Shelters: m, Off: make([]int32, n+1)}
	for _, hs := range per {
		for _, h := range hs {
			mx.Off[h.cell+1]++
		}
	}
	for i := 0; i < n; i++ {
		mx.Off[i+1] += mx.Off[i]
	}
	total := int(mx.Off[n])
	mx.Shelter, mx.Seconds = make([]int32, total), make([]float64, total)
	next := slices.Clone(mx.Off[:n])
	for j, hs := range per {
		for _, h := range hs {
			k := next[h.cell]
			next[h.cell]++
			mx.Shelter[k], mx.Seconds[k] = int32(j), h.t
		}
	}
	return mx
}

// checkTwoWay returns an error wrapping ErrOneWay unless every edge u→v
// has a twin v→u of the same (least) time.
func checkTwoWay(g *graph.Graph) error {
	for u := graph.NodeID(0); int(u) < g.NumNodes(); u++ {
		for e := g.FirstEdge(u); e < g.FirstEdge(u+1); e++ {
			v := g.Head(e)
			if v == u {
				continue
			}
			fwd, _ := g.Edge(u, v)
			if fwd != e {
				continue // a dearer parallel edge
			}
			back, ok := g.Edge(v, u)
			wf, wb := float64(g.Weight(fwd)), 0.0
			if ok {
				wb = float64(g.Weight(back))
			}
			if !ok || math.Abs(wf-wb) > 1e-9*math.Max(1, wf) {
				return fmt.Errorf("%w: OSM way %d goes from node %d to node %d in %.3f s but not back in the same time (build it with the walk profile)",
					ErrOneWay, g.WayID(e), g.OSMID(u), g.OSMID(v), wf)
			}
		}
	}
	return nil
}
