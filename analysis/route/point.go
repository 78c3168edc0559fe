package route

import (
	"context"
	"runtime"
	"sync"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// SnapSeeds returns the seeds that start a search at a snapped point: along
// the snapped edge to its head, and along the twin edge (if the road is
// two-way) to its tail, each with the partial edge time. extra is added to
// both (an off-road connector, a turnout time). The seeds remember the
// snapped point, so that PointTime can credit the direct drive to a point
// on the same edge.
func SnapSeeds(g *graph.Graph, sn graph.Snap, source int32, extra graph.Seconds) []Seed {
	head := g.Head(sn.Edge)
	f := graph.Seconds(sn.Fraction)
	at := &snapSeed{edge: sn.Edge, twin: sn.Twin, fraction: sn.Fraction, time: extra, source: source}
	seeds := []Seed{{Node: head, Time: extra + (1-f)*g.Weight(sn.Edge), Source: source, at: at}}
	switch {
	case sn.Twin != graph.NoEdge:
		_, back := g.TwinEnds(sn) // sn.Tail, or a copy of it at a split junction
		seeds = append(seeds, Seed{Node: back, Time: extra + f*g.Weight(sn.Twin), Source: source, at: at})
	case sn.Fraction == 0:
		seeds = append(seeds, Seed{Node: sn.Tail, Time: extra, Source: source, at: at}) // the point is the tail itself
	}
	return seeds
}

// snapSeed is the snapped point a seed of SnapSeeds starts from: on edge
// (twin: the edge back along the same road, or NoEdge) at fraction of its
// length from its tail, at time from source.
type snapSeed struct {
	edge, twin graph.EdgeID
	fraction   float64
	time       graph.Seconds
	source     int32
}

// along returns the time from the seed's point to a point on the same road
// at fraction f of edge's length (edge is the seed's edge or its twin), and
// false when the road is not shared or is one-way against the drive.
func (p *snapSeed) along(g *graph.Graph, edge graph.EdgeID, f float64) (graph.Seconds, bool) {
	switch {
	case edge == p.edge:
	case p.twin != graph.NoEdge && edge == p.twin:
		f = 1 - f // the same road, measured from the other end
	default:
		return 0, false
	}
	switch {
	case f >= p.fraction:
		return p.time + graph.Seconds(f-p.fraction)*g.Weight(p.edge), true
	case p.twin != graph.NoEdge:
		return p.time + graph.Seconds(p.fraction-f)*g.Weight(p.twin), true
	}
	return 0, false // one-way, and the point lies upstream of the seed
}

// DirectTime returns the best time from the snapped points of seeds (those
// made by SnapSeeds) to sn by driving straight along a road they share,
// without passing a node, and that seed's source; false when no seed lies
// on sn's road or every such drive would be against a one-way road. Ties go
// to the lower source.
func DirectTime(g *graph.Graph, seeds []Seed, sn graph.Snap) (graph.Seconds, int32, bool) {
	best, src := Unreached, int32(-1)
	for _, sd := range seeds {
		if sd.at == nil || !(sd.Time >= 0) {
			continue
		}
		if t, ok := sd.at.along(g, sn.Edge, sn.Fraction); ok && (t < best || (t == best && sd.at.source < src)) {
			best, src = t, sd.at.source
		}
	}
	return best, src, best != Unreached
}

// PointTime returns the travel time from the last Run's seeds to a snapped
// point: the best of arriving along the snapped edge from its tail, along
// the twin edge from its head, and (when a seed made by SnapSeeds lies on
// the same road) of driving straight along the road from that seed's point,
// each with its partial edge time. It returns the source of that arrival,
// and false when nothing reached the point. Ties go to the lower source.
//
// The direct drive matters on a one-way road: a base just upstream of the
// point would otherwise be credited only with leaving through the far end
// and coming round the block.
func PointTime(s *Search, sn graph.Snap) (graph.Seconds, int32, bool) {
	g := s.g
	head := g.Head(sn.Edge)
	f := graph.Seconds(sn.Fraction)
	best, src := Unreached, int32(-1)
	if t, ok := s.Time(sn.Tail); ok {
		best, src = t+f*g.Weight(sn.Edge), s.Source(sn.Tail)
	}
	if sn.Twin != graph.NoEdge {
		head, _ = g.TwinEnds(sn) // the twin's tail: head, or a copy of it at a split junction
	}
	if t, ok := s.Time(head); ok {
		var via graph.Seconds
		switch {
		case sn.Twin != graph.NoEdge:
			via = t + (1-f)*g.Weight(sn.Twin)
		case sn.Fraction == 1:
			via = t
		default:
			via = Unreached // one-way: the point cannot be reached backwards from the head
		}
		if hs := s.Source(head); via < best || (via == best && hs < src) {
			best, src = via, hs
		}
	}
	for _, p := range s.onRoad(sn) {
		if t, ok := p.along(g, sn.Edge, sn.Fraction); ok && (t < best || (t == best && p.source < src)) {
			best, src = t, p.source
		}
	}
	return best, src, best != Unreached
}

// ForEach runs one search per seed group (seeds[i] is the i-th search) on
// `workers` goroutines (<= 0 means GOMAXPROCS), each with its own workspace,
// and calls fn with the group index and the finished workspace. fn runs on
// the worker's goroutine: it must copy what it keeps and be safe to call
// concurrently. The first error from a search or from fn stops the rest and
// is returned.
func ForEach(ctx context.Context, g *graph.Graph, seeds [][]Seed, opt Options, workers int, fn func(i int, s *Search) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	fail := func(err error) {
		once.Do(func() { firstErr = err; cancel() })
	}
	// With targets on a graph with a hierarchy, each job is a batch of up
	// to Lanes searches swept together (runBatch).
	step := 1
	tg := opt.Targets
	if tg != nil && tg.g == g && g.Hierarchy() != nil {
		step = Lanes
	}
	workers = min(workers, (len(seeds)+step-1)/step)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := NewSearch(g)
			for i := range jobs {
				if step > 1 {
					hi := min(len(seeds), i+step)
					if err := s.runBatch(ctx, tg, seeds[i:hi], opt, func(l int) error { return fn(i+l, s) }); err != nil {
						fail(err)
					}
					continue
				}
				if err := s.Run(ctx, seeds[i], opt); err != nil {
					fail(err)
					continue
				}
				if err := fn(i, s); err != nil {
					fail(err)
				}
			}
		}()
	}
feed:
	for i := 0; i < len(seeds); i += step {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		// Cancelled by the caller's context, not by a failure here.
		firstErr = ctx.Err()
	}
	return firstErr
}

// SnapIndex lists, for every node of g, the snapped points whose edge
// touches it (points with skip[i] set are left out), in CSR form: the points
// at node v are items[off[v]:off[v+1]], as indices into snaps. After a
// search, walking the settled nodes through it visits only the points near
// what was reached, instead of every point.
func SnapIndex(g *graph.Graph, snaps []graph.Snap, skip []bool) (off []uint32, items []int32) {
	off = make([]uint32, g.NumNodes()+1)
	for i, sn := range snaps {
		if !skip[i] {
			ns, k := g.SnapNodes(sn)
			for _, v := range ns[:k] {
				off[v+1]++
			}
		}
	}
	for v := 0; v < g.NumNodes(); v++ {
		off[v+1] += off[v]
	}
	items = make([]int32, off[g.NumNodes()])
	next := append([]uint32(nil), off[:g.NumNodes()]...)
	for i, sn := range snaps {
		if skip[i] {
			continue
		}
		ns, k := g.SnapNodes(sn)
		for _, v := range ns[:k] {
			items[next[v]] = int32(i)
			next[v]++
		}
	}
	return off, items
}
