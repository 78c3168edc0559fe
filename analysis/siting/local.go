package siting

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

// A siting matrix's restricted sweeps (RPHAST) with the ends of every
// cell's road as targets cost O(network) a site: on a network much wider
// than the horizon that makes the matrix O(N²). localRows gives the sites
// of one place (an H3 cell) only the targets that place can reach:
//
//   - a bounded Dijkstra from all the place's sites at once, to the horizon
//     (and a hair beyond: reachLimit), finds every road end any of them
//     reaches;
//   - the place's sites then sweep the hierarchy restricted to those ends.
//
// The answers are those of the sweep over every target, bit for bit. A
// restricted sweep gives a node of its restricted part the same time
// whatever the other targets: the part holds every node with a downward
// path to a target, so each of its nodes adds the same down edges from the
// same labels in the same order; the target chains are filled from their
// ends alone. Every road end a site reaches within the horizon is a target
// (the Dijkstra's times differ from the sweep's by rounding only, far
// under the margin of reachLimit). Every other road end keeps a time over
// the horizon: unreached, or an upper bound of its time, which is over it.
// So the same road ends are settled with the same times, and each cell
// (read through its road's ends, PointTime) gets the same entry.

// placeRes is the H3 resolution of the places sites are taken by: cells of
// about 36 km², 49 candidate cells at the default resolution 8. A variable
// for the tests.
var placeRes = 6

// wideShare: a place that reaches more than this share of the targets is
// left to the sweep over every target (batched, cheaper per target). A
// variable for the tests (> 1: every place by itself; < 0: none).
var wideShare = 0.5

// placeSpeed is the speed (m/s, 90 km/h) wideNetwork takes a horizon's
// reach at: a guess of how far the horizon goes, never a bound of it (the
// answers do not depend on it, only the work). A variable for the tests.
var placeSpeed = 25.0

// wideNetwork reports whether a network of bounding box b is wide enough
// for the horizon that its places are worth taking one by one: its
// diagonal is over four times the horizon's reach at placeSpeed (twice the
// width of the disc a place reaches). On a narrower
// network (Andorra, Malta, Porto Alegre at 15 to 30 minutes) every place
// reaches most of it, so the bounded search each place would run costs
// more than it saves (about +25 % of the Malta siting matrix, measured)
// and every site goes to the batched sweep over every target.
func wideNetwork(b orb.Bound, horizon float64) bool {
	return geo.Haversine(b.Min, b.Max) > 4*horizon*placeSpeed
}

// reachLimit is the bound of the search that finds a place's targets: the
// horizon with a margin for rounding (a path's time summed in another
// order differs by a relative 1e-12 or so).
func reachLimit(horizon float64) graph.Seconds {
	return graph.Seconds(horizon*(1+1e-9) + 1e-3)
}

// localRows computes, place by place, the rows of the sites whose place
// reaches at most wideShare of the targets (the nodes v with
// off[v] < off[v+1]), calling row(k, s) with site k's finished search, and
// returns the other sites, in order. groups[k] are site k's seeds,
// siteSnaps[k] its road point.
func localRows(ctx context.Context, g *graph.Graph, groups [][]route.Seed, siteSnaps []graph.Snap, off []uint32, horizon float64, workers int, row func(k int, s *route.Search)) ([]int, error) {
	places, err := placesOf(siteSnaps)
	if err != nil {
		return nil, err
	}
	nEnds := 0
	for v := 0; v+1 < len(off); v++ {
		if off[v] < off[v+1] {
			nEnds++
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		rest  []int
		ferr  error
		wg    sync.WaitGroup
		jobs  = make(chan []int)
		limit = graph.Seconds(horizon)
	)
	fail := func(err error) {
		mu.Lock()
		if ferr == nil {
			ferr = err
			cancel()
		}
		mu.Unlock()
	}
	for w := 0; w < max(1, min(workers, len(places))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var (
				s       *route.Search // the place's reach, then each site's sweep
				seeds   []route.Seed
				targets []graph.NodeID
			)
			for place := range jobs {
				if s == nil {
					s = route.NewSearch(g)
				}
				seeds = seeds[:0]
				for _, k := range place {
					seeds = append(seeds, groups[k]...)
				}
				if err := s.Run(ctx, seeds, route.Options{Limit: reachLimit(horizon)}); err != nil {
					fail(err)
					continue
				}
				targets = targets[:0]
				for _, v := range s.Settled() {
					if off[v] < off[v+1] {
						targets = append(targets, v)
					}
				}
				if float64(len(targets)) > wideShare*float64(nEnds) {
					mu.Lock()
					rest = append(rest, place...)
					mu.Unlock()
					continue
				}
				tg := route.NewTargets(g, targets)
				for _, k := range place {
					if err := s.Run(ctx, groups[k], route.Options{Limit: limit, Targets: tg}); err != nil {
						fail(err)
						break
					}
					row(k, s)
				}
			}
		}()
	}
feed:
	for _, p := range places {
		select {
		case jobs <- p:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if ferr == nil {
		ferr = ctx.Err()
	}
	if ferr != nil {
		return nil, ferr
	}
	slices.Sort(rest)
	return rest, nil
}

// placesOf groups the sites (by index into snaps) by the H3 cell at
// placeRes holding their road point: places in cell order, sites in order.
func placesOf(snaps []graph.Snap) ([][]int, error) {
	type keyed struct {
		c h3.Cell
		k int
	}
	ks := make([]keyed, len(snaps))
	for k, sn := range snaps {
		c, err := geo.CellOf(sn.Point, placeRes)
		if err != nil {
			return nil, err
		}
		ks[k] = keyed{c, k}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Or(cmp.Compare(a.c, b.c), cmp.Compare(a.k, b.k)) })
	var places [][]int
	for i := 0; i < len(ks); {
		j := i
		var p []int
		for ; j < len(ks) && ks[j].c == ks[i].c; j++ {
			p = append(p, ks[j].k)
		}
		places = append(places, p)
		i = j
	}
	return places, nil
}
