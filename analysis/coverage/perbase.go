package coverage

import (
	"context"
	"math"
	"slices"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"github.com/uber/h3-go/v4"
)

// perBaseResult gathers what the one-search-per-base pass finds.
type perBaseResult struct {
	time2    []float64 // per cell: second-best base time within the horizon
	base2    []int32
	count    []int32   // per cell: bases within the rescue circle
	only     []int32   // per cell: the base, when exactly one covers it
	own      []bool    // per cell: a base of its own unit covers it
	allBusy  []float64 // per cell: Π busy fraction over the bases within the circle (nil without busy fractions)
	covered  []float64
	iso      [][]Band // per base, per isochrone band
	nodeCell []h3.Cell
}

// nodeCells returns the study-resolution cell of every graph node.
func nodeCells(ctx context.Context, g *graph.Graph, res, workers int) ([]h3.Cell, error) {
	out := make([]h3.Cell, g.NumNodes())
	err := par.For(ctx, g.NumNodes(), workers, func(i int) error {
		c, err := geo.CellOf(g.Point(graph.NodeID(i)), res)
		out[i] = c
		return err
	})
	return out, err
}

func perBaseSearches(ctx context.Context, in Input, seeds [][]route.Seed, snaps []graph.Snap, connector []float64, noRoad []bool, horizon, target float64, busy []float64) (*perBaseResult, error) {
	g := in.Graph
	n := len(in.Cells)
	off, idx := route.SnapIndex(g, snaps, noRoad)
	nc, err := nodeCells(ctx, g, in.Res, in.Workers)
	if err != nil {
		return nil, err
	}
	bands := in.Standard.IsochroneMinutes
	type acc struct {
		t1, t2 []float64
		b1, b2 []int32
		count  []int32
		last   []int32
		own    []bool
		stamp  []int32
		busy   []float64 // Π busy fraction of the bases within the circle
	}
	newAcc := func() *acc {
		a := &acc{t1: make([]float64, n), t2: make([]float64, n), b1: make([]int32, n), b2: make([]int32, n),
			count: make([]int32, n), last: make([]int32, n), own: make([]bool, n), stamp: make([]int32, n)}
		for i := range a.t1 {
			a.t1[i], a.t2[i], a.b1[i], a.b2[i] = math.Inf(1), math.Inf(1), -1, -1
		}
		if busy != nil {
			a.busy = make([]float64, n)
			for i := range a.busy {
				a.busy[i] = 1
			}
		}
		return a
	}
	accs := make(chan *acc, in.Workers)
	var used []*acc
	for w := 0; w < in.Workers; w++ {
		a := newAcc()
		used = append(used, a)
		accs <- a
	}
	r := &perBaseResult{covered: make([]float64, len(in.Bases)), iso: make([][]Band, len(in.Bases)), nodeCell: nc}
	var groups [][]route.Seed
	var which []int
	for b, sd := range seeds {
		if len(sd) > 0 {
			groups = append(groups, sd)
			which = append(which, b)
		}
	}
	err = route.ForEach(ctx, g, groups, route.Options{Limit: graph.Seconds(horizon)}, in.Workers, func(k int, s *route.Search) error {
		b := which[k]
		a := <-accs
		defer func() { accs <- a }()
		stamp := int32(b + 1)
		bandSet := make([]map[h3.Cell]struct{}, len(bands))
		for j := range bandSet {
			bandSet[j] = map[h3.Cell]struct{}{}
		}
		// The cells this base reaches within the horizon and their times,
		// summed below in cell order: the sums then depend on the cells
		// alone, not on the order the search settles nodes, which differs
		// between graphs numbered differently (a shard's and the whole).
		type hit struct {
			i int32
			t float64
		}
		var hits []hit
		for _, v := range s.Settled() {
			tv, _ := s.Time(v)
			for j, m := range bands {
				if float64(tv) <= m*60 {
					bandSet[j][nc[v]] = struct{}{}
				}
			}
			for _, ci := range idx[off[v]:off[v+1]] {
				i := int(ci)
				if a.stamp[i] == stamp {
					continue
				}
				a.stamp[i] = stamp
				t32, _, ok := route.PointTime(s, snaps[i])
				if !ok {
					continue
				}
				t := float64(t32) + connector[i]
				if t > horizon {
					continue
				}
				switch {
				case t < a.t1[i] || (t == a.t1[i] && int32(b) < a.b1[i]):
					a.t2[i], a.b2[i] = a.t1[i], a.b1[i]
					a.t1[i], a.b1[i] = t, int32(b)
				case t < a.t2[i] || (t == a.t2[i] && int32(b) < a.b2[i]):
					a.t2[i], a.b2[i] = t, int32(b)
				}
				if t <= target {
					a.count[i]++
					a.last[i] = int32(b)
					if a.busy != nil {
						a.busy[i] *= busy[b]
					}
					if u := in.BaseUnit[b]; u >= 0 && u == in.CellUnit[i] {
						a.own[i] = true
					}
				}
				hits = append(hits, hit{int32(i), t})
			}
		}
		slices.SortFunc(hits, func(x, y hit) int { return int(x.i - y.i) })
		var covered float64
		bandRes := make([]float64, len(bands))
		for _, h := range hits {
			if h.t <= target {
				covered += in.Pop[h.i]
			}
			for j, m := range bands {
				if h.t <= m*60 {
					bandSet[j][in.Cells[h.i]] = struct{}{}
					bandRes[j] += in.Pop[h.i]
				}
			}
		}
		r.covered[b] = covered
		r.iso[b] = make([]Band, len(bands))
		for j := range bands {
			cells := make([]h3.Cell, 0, len(bandSet[j]))
			for c := range bandSet[j] {
				cells = append(cells, c)
			}
			slices.Sort(cells)
			r.iso[b][j] = Band{Cells: cells, Residents: bandRes[j]}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Merge the workers' accumulators.
	r.time2, r.base2 = make([]float64, n), make([]int32, n)
	r.count, r.only, r.own = make([]int32, n), make([]int32, n), make([]bool, n)
	if busy != nil {
		r.allBusy = make([]float64, n)
		for i := range r.allBusy {
			r.allBusy[i] = 1
			for _, a := range used {
				r.allBusy[i] *= a.busy[i]
			}
		}
	}
	for i := 0; i < n; i++ {
		t1, t2, b1, b2 := math.Inf(1), math.Inf(1), int32(-1), int32(-1)
		r.only[i] = -1
		for _, a := range used {
			for _, c := range [2]struct {
				t float64
				b int32
			}{{a.t1[i], a.b1[i]}, {a.t2[i], a.b2[i]}} {
				if c.b < 0 {
					continue
				}
				switch {
				case c.t < t1 || (c.t == t1 && c.b < b1):
					t2, b2 = t1, b1
					t1, b1 = c.t, c.b
				case c.t < t2 || (c.t == t2 && c.b < b2):
					t2, b2 = c.t, c.b
				}
			}
			r.count[i] += a.count[i]
			if a.count[i] == 1 {
				r.only[i] = a.last[i]
			}
			r.own[i] = r.own[i] || a.own[i]
		}
		if r.count[i] != 1 {
			r.only[i] = -1
		}
		r.time2[i], r.base2[i] = t2, b2
	}
	return r, nil
}
