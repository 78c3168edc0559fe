package coverage

import (
	"context"
	"math"
	"slices"
	"sync"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"github.com/uber/h3-go/v4"
)

// perBaseResult gathers what the one-search-per-base pass finds.
type perBaseResult struct {
	time2   []float64 // per cell: second-best base time within the horizon
	base2   []int32
	count   []int32   // per cell: bases within the rescue circle
	only    []int32   // per cell: the base, when exactly one covers it
	own     []bool    // per cell: a base of its own unit covers it
	cover   [][]int32 // per cell: the bases within the rescue circle, ascending (nil unless asked)
	covered []float64
	iso     [][]Band // per base, per isochrone band
}

// nodeCells returns the study-resolution cell of the road nodes the
// nearest-base search s reaches within limit seconds, 0 for the others.
// Only those nodes' cells are used (the isochrone bands: a base reaches a
// node no sooner than the nearest base does), and where a study's bases
// leave most of the region out of reach they are a small part of the
// network: H3's cell lookup of every node was a quarter of analyze at
// 9.8 M nodes. nodeCell looks up any other node a search asks for.
func nodeCells(ctx context.Context, g *graph.Graph, s *route.Search, limit float64, res, workers int) ([]h3.Cell, error) {
	out := make([]h3.Cell, g.NumNodes())
	settled := s.Settled()
	err := par.For(ctx, len(settled), workers, func(k int) error {
		v := settled[k]
		if t, _ := s.Time(v); float64(t) > limit {
			return nil
		}
		c, err := geo.CellOf(g.Point(v), res)
		out[v] = c
		return err
	})
	return out, err
}

// nodeCell is node v's cell: nc's, or looked up when nodeCells left it out.
func nodeCell(g *graph.Graph, nc []h3.Cell, v graph.NodeID, res int) (h3.Cell, error) {
	if c := nc[v]; c != 0 {
		return c, nil
	}
	return geo.CellOf(g.Point(v), res)
}

// baseAcc is one worker's running answer over the bases it searched.
type baseAcc struct {
	t1, t2 []float64
	b1, b2 []int32
	count  []int32
	last   []int32
	own    []bool
	stamp  []int32
	cover  [][]int32 // the bases within the circle (nil unless asked)
}

func newBaseAcc(n int, withCover bool) *baseAcc {
	a := &baseAcc{t1: make([]float64, n), t2: make([]float64, n), b1: make([]int32, n), b2: make([]int32, n),
		count: make([]int32, n), last: make([]int32, n), own: make([]bool, n), stamp: make([]int32, n)}
	for i := range a.t1 {
		a.t1[i], a.t2[i], a.b1[i], a.b2[i] = math.Inf(1), math.Inf(1), -1, -1
	}
	if withCover {
		a.cover = make([][]int32, n)
	}
	return a
}

// perBasePass is one search per base, bounded at the horizon.
type perBasePass struct {
	in        Input
	snaps     []graph.Snap
	connector []float64
	off       []uint32
	idx       []int32
	nc        []h3.Cell
	maxBand   float64 // the last isochrone band's seconds
	horizon   float64
	target    float64
	r         *perBaseResult
}

func perBaseSearches(ctx context.Context, in Input, spare *route.Search, nc []h3.Cell, seeds [][]route.Seed, snaps []graph.Snap, connector []float64, noRoad []bool, horizon, target float64, withCover bool) (*perBaseResult, error) {
	g := in.Graph
	n := len(in.Cells)
	off, idx := route.SnapIndex(g, snaps, noRoad)
	accs := make(chan *baseAcc, in.Workers)
	var used []*baseAcc
	for w := 0; w < in.Workers; w++ {
		a := newBaseAcc(n, withCover)
		used = append(used, a)
		accs <- a
	}
	r := &perBaseResult{covered: make([]float64, len(in.Bases)), iso: make([][]Band, len(in.Bases))}
	pass := &perBasePass{in: in, snaps: snaps, connector: connector, off: off, idx: idx, nc: nc,
		maxBand: slices.Max(in.Standard.IsochroneMinutes) * 60, horizon: horizon, target: target, r: r}
	var groups [][]route.Seed
	var which []int
	for b, sd := range seeds {
		if len(sd) > 0 {
			groups = append(groups, sd)
			which = append(which, b)
		}
	}
	// One bounded search per base on in.Workers goroutines; the first
	// reuses the spare workspace (the nearest-base search's: 16 bytes a
	// node, 0.7 GB at 46 M nodes, not allocated twice).
	workers := max(1, min(in.Workers, len(groups)))
	jobs := make(chan int)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := spare
			if w > 0 || s == nil {
				s = route.NewSearch(g)
			} else {
				defer func(fw int) { s.FillWorkers = fw }(s.FillWorkers)
				s.FillWorkers = 1 // as a workspace of its own: one search per core
			}
			for k := range jobs {
				if errs[w] != nil {
					continue
				}
				if errs[w] = s.Run(ctx, groups[k], route.Options{Limit: graph.Seconds(horizon)}); errs[w] != nil {
					continue
				}
				a := <-accs
				pass.search(which[k], s, a)
				accs <- a
			}
		}()
	}
feed:
	for k := range groups {
		select {
		case jobs <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.merge(n, used, withCover)
	return r, nil
}

// cellHit is a cell base reaches within the horizon, at time t.
type cellHit struct {
	i int32
	t float64
}

// search takes base b's search s into a, and the base's covered residents
// and isochrone bands into the result.
func (pass *perBasePass) search(b int, s *route.Search, a *baseAcc) {
	in, nc := pass.in, pass.nc
	bands := in.Standard.IsochroneMinutes
	stamp := int32(b + 1)
	bandSet := make([]map[h3.Cell]struct{}, len(bands))
	for j := range bandSet {
		bandSet[j] = map[h3.Cell]struct{}{}
	}
	// The cells this base reaches within the horizon and their times,
	// summed below in cell order: the sums then depend on the cells
	// alone, not on the order the search settles nodes, which differs
	// between graphs numbered differently (a shard's and the whole).
	var hits []cellHit
	for _, v := range s.Settled() {
		tv, _ := s.Time(v)
		if float64(tv) <= pass.maxBand {
			// (graph nodes' coordinates are checked when the graph is read)
			if cell, err := nodeCell(in.Graph, nc, v, in.Res); err == nil {
				for j, m := range bands {
					if float64(tv) <= m*60 {
						bandSet[j][cell] = struct{}{}
					}
				}
			}
		}
		for _, ci := range pass.idx[pass.off[v]:pass.off[v+1]] {
			i := int(ci)
			if a.stamp[i] == stamp {
				continue
			}
			a.stamp[i] = stamp
			t32, _, ok := route.PointTime(s, pass.snaps[i])
			if !ok {
				continue
			}
			t := float64(t32) + pass.connector[i]
			if t > pass.horizon {
				continue
			}
			pass.record(a, i, b, t)
			hits = append(hits, cellHit{int32(i), t})
		}
	}
	pass.bandsOf(b, hits, bandSet)
}

// record keeps base b's time t to cell i in a: the two best times and
// bases, and, within the rescue circle, the count, the last base, the
// base itself (when the covering bases are asked for) and whether a base
// of the cell's own unit covers it.
func (pass *perBasePass) record(a *baseAcc, i, b int, t float64) {
	switch {
	case t < a.t1[i] || (t == a.t1[i] && int32(b) < a.b1[i]):
		a.t2[i], a.b2[i] = a.t1[i], a.b1[i]
		a.t1[i], a.b1[i] = t, int32(b)
	case t < a.t2[i] || (t == a.t2[i] && int32(b) < a.b2[i]):
		a.t2[i], a.b2[i] = t, int32(b)
	}
	if t <= pass.target {
		a.count[i]++
		a.last[i] = int32(b)
		if a.cover != nil {
			a.cover[i] = append(a.cover[i], int32(b))
		}
		if u := pass.in.BaseUnit[b]; u >= 0 && u == pass.in.CellUnit[i] {
			a.own[i] = true
		}
	}
}

// bandsOf sums base b's covered residents and its isochrone bands (the
// cells of the nodes in bandSet and of the cells hit), in cell order.
func (pass *perBasePass) bandsOf(b int, hits []cellHit, bandSet []map[h3.Cell]struct{}) {
	in, r := pass.in, pass.r
	bands := in.Standard.IsochroneMinutes
	slices.SortFunc(hits, func(x, y cellHit) int { return int(x.i - y.i) })
	var covered float64
	bandRes := make([]float64, len(bands))
	for _, h := range hits {
		if h.t <= pass.target {
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
}

// merge merges the workers' accumulators into r's per-cell answers.
func (r *perBaseResult) merge(n int, used []*baseAcc, withCover bool) {
	r.time2, r.base2 = make([]float64, n), make([]int32, n)
	r.count, r.only, r.own = make([]int32, n), make([]int32, n), make([]bool, n)
	if withCover {
		// In base order, whichever worker searched which base: the busy
		// product over them is then the same on every run and every part.
		r.cover = make([][]int32, n)
		for i := range r.cover {
			var c []int32
			for _, a := range used {
				c = append(c, a.cover[i]...)
			}
			slices.Sort(c)
			r.cover[i] = c
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
}
