package robustness

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/internal/minheap"
	"github.com/rescuegrid/rescuegrid/internal/par"
)

// A use is one segment on one route: the route runs along segment seg from
// junction x to junction y. Uncond marks a use whose detour does not bound
// the new time: the route starts or ends inside the segment (a base or a
// cell centre snapped onto it), or enters it twice.
type use struct {
	seg    int32
	x, y   graph.NodeID
	along  float64 // the route's time from x to y
	uncond bool
}

// uses returns the segment uses of the fastest path (sc.parent) to a
// snapped point, sorted by segment, into buf; baseSeg is the segment the
// route's base stands on (-1 none).
func (sc *scratch) uses(g *graph.Graph, segOf []int32, segs []Segment, sn graph.Snap, time func(graph.NodeID) graph.Seconds, seeds []route.Seed, baseSeg int32, buf []use) []use {
	buf = buf[:0]
	sc.segGen++
	edge, node, direct := arrival(g, time, seeds, sn)
	if direct {
		// Straight along the road from the base: the route starts and ends
		// inside this one segment.
		return append(buf, use{seg: segOf[edge], x: graph.NoNode, y: graph.NoNode, uncond: true})
	}
	cur := -1 // index in buf of the run being extended
	step := func(e graph.EdgeID, inside bool) {
		s := segOf[e]
		if cur >= 0 && buf[cur].seg == s {
			buf[cur].x = g.Tail(e)
			return
		}
		if sc.segStamp[s] == sc.segGen {
			cur = int(sc.segPos[s])
			buf[cur].uncond = true // back on a segment already left
			return
		}
		sc.segStamp[s], sc.segPos[s] = sc.segGen, int32(len(buf))
		buf = append(buf, use{seg: s, x: g.Tail(e), y: g.Head(e), uncond: inside})
		cur = len(buf) - 1
	}
	if edge != graph.NoEdge {
		step(edge, sn.Fraction > 0 && sn.Fraction < 1)
	} else if node != graph.NoNode {
		// The point is a node: a segment ends there, or the point lies
		// inside one (an interior node): the edge it is snapped on says which.
		if s := segOf[sn.Edge]; node != segs[s].From && node != segs[s].To {
			buf = append(buf, use{seg: s, x: node, y: node, uncond: true})
		}
	}
	if node != graph.NoNode {
		v := node
		for ; sc.parent[v] != graph.NoEdge; v = g.Tail(sc.parent[v]) {
			step(sc.parent[v], false)
		}
		// The base stands on a segment: the route starts inside it.
		if s := baseSeg; s >= 0 {
			if sc.segStamp[s] == sc.segGen {
				buf[sc.segPos[s]].uncond = true
			} else {
				sc.segStamp[s], sc.segPos[s] = sc.segGen, int32(len(buf))
				buf = append(buf, use{seg: s, x: v, y: v, uncond: true})
			}
		}
	}
	for k := range buf {
		u := &buf[k]
		ends := func(v graph.NodeID) bool { return v == segs[u.seg].From || v == segs[u.seg].To }
		if !ends(u.x) || !ends(u.y) || u.x == u.y {
			u.uncond = true
			continue
		}
		u.along = float64(time(u.y) - time(u.x))
	}
	slices.SortFunc(buf, func(a, b use) int { return cmp.Compare(a.seg, b.seg) })
	return buf
}

// bounds is lossBounds' answer, per segment.
type bounds struct {
	sole, bound []float64
	fp          []uint64 // fingerprint of the cells counted in bound
}

// cellRoute is one base's in-time route to one cell.
type cellRoute struct {
	cell   int32
	base   int32
	slack  float64 // target − time: how much longer the route may get
	uses   []use
	snapOn int32 // segment the base is snapped onto (-1 none)
}

// lossBounds finds, for every segment, the residents inside the circle all
// of whose in-time routes run along it (sole), and of those the ones no
// route keeps inside the circle once the segment is closed (bound): a
// route entering the segment at junction x and leaving at y gets at most
// δ longer, δ being the fastest way from x to y without the segment less
// the time along it (following the route to x, detouring, and following it
// on from y), so the resident stays covered if δ <= its slack on that
// route. Routes starting or ending inside the segment count as lost.
func lossBounds(ctx context.Context, in Input, base *CellTimes, segs []Segment, segOf []int32, key []uint64, workers int) (*bounds, error) {
	routes, err := inTimeRoutes(ctx, in, base, segs, segOf, workers)
	if err != nil {
		return nil, err
	}
	// Routes by cell.
	byCell := make([][]*cellRoute, len(in.Cells))
	for k := range routes {
		for r := range routes[k] {
			cr := &routes[k][r]
			byCell[cr.cell] = append(byCell[cr.cell], cr)
		}
	}
	sole, need := soleSegments(byCell)
	dt, err := detours(ctx, in.Graph, segs, need, workers)
	if err != nil {
		return nil, err
	}
	out := &bounds{sole: make([]float64, len(segs)), bound: make([]float64, len(segs)), fp: make([]uint64, len(segs))}
	for i, ss := range sole {
		p := in.Pop[i]
		for _, s := range ss {
			out.sole[s] += p
			lost := true
			for _, r := range byCell[i] {
				u := findUse(r.uses, s)
				// Stays covered along r if the detour fits in its slack; the
				// margin keeps rounding on the side of "may be lost".
				if !u.uncond && r.snapOn != s && dt.of(s, u.x) <= r.slack-tol {
					lost = false
					break
				}
			}
			if lost {
				out.bound[s] += p
				out.fp[s] += key[i]
			}
		}
	}
	return out, nil
}

// inTimeRoutes runs one search per base, bounded at the circle, and
// returns per base the routes to the cells with residents it reaches in
// time, each with the segments it uses.
func inTimeRoutes(ctx context.Context, in Input, base *CellTimes, segs []Segment, segOf []int32, workers int) ([][]cellRoute, error) {
	g := in.Graph
	std := in.Standard
	target := std.RescueSeconds()
	walk := std.WalkMPS()
	var groups [][]route.Seed
	var baseOf []int32
	byBase := map[int32]int{}
	for _, sd := range base.Seeds {
		k, ok := byBase[sd.Source]
		if !ok {
			k = len(groups)
			byBase[sd.Source] = k
			groups = append(groups, nil)
			baseOf = append(baseOf, sd.Source)
		}
		groups[k] = append(groups[k], sd)
	}
	snapOn := make([]int32, len(groups))
	for k, b := range baseOf {
		snapOn[k] = -1
		if base.snapped.baseOK[b] {
			snapOn[k] = segOf[base.snapped.bases[b].Edge]
		}
	}
	routes := make([][]cellRoute, len(groups))
	pool := make(chan *scratch, workers)
	for w := 0; w < workers; w++ {
		pool <- newScratch(g, len(in.Cells))
	}
	off, idx := route.SnapIndex(g, base.Snaps, base.NoRoad)
	err := route.ForEach(ctx, g, groups, route.Options{Limit: graph.Seconds(target)}, workers, func(k int, s *route.Search) error {
		sc := <-pool
		defer func() { pool <- sc }()
		timeOf := func(v graph.NodeID) graph.Seconds {
			t, _ := s.Time(v)
			return t
		}
		settled := s.Settled()
		sc.parents(g, settled, timeOf, groups[k])
		defer sc.reset(settled)
		sc.cellGen++
		var buf []use
		for _, v := range settled {
			for _, ci := range idx[off[v]:off[v+1]] {
				if sc.cellStamp[ci] == sc.cellGen || in.Pop[ci] <= 0 {
					continue
				}
				sc.cellStamp[ci] = sc.cellGen
				t, _, ok := route.PointTime(s, base.Snaps[ci])
				tt := float64(t) + base.Snaps[ci].DistanceM/walk
				if !ok || tt > target {
					continue
				}
				buf = sc.uses(g, segOf, segs, base.Snaps[ci], timeOf, groups[k], snapOn[k], buf)
				routes[k] = append(routes[k], cellRoute{cell: ci, base: int32(k), slack: target - tt, uses: slices.Clone(buf), snapOn: snapOn[k]})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return routes, nil
}

// detourKey is a segment entered at junction x.
type detourKey struct {
	seg int32
	x   graph.NodeID
}

// detourNeed is the longest slack a detour must be measured to, and the
// time along the segment.
type detourNeed struct{ slack, along float64 }

func compareDetourKeys(a, b detourKey) int {
	if c := cmp.Compare(a.seg, b.seg); c != 0 {
		return c
	}
	return cmp.Compare(a.x, b.x)
}

// soleSegments returns, per cell, the segments all of its in-time routes
// use, and the detours needed to tell whether closing one loses the cell.
func soleSegments(byCell [][]*cellRoute) ([][]int32, map[detourKey]detourNeed) {
	sole := make([][]int32, len(byCell))
	need := map[detourKey]detourNeed{}
	for i, rs := range byCell {
		if len(rs) == 0 {
			continue
		}
		for _, u := range rs[0].uses {
			sole[i] = append(sole[i], u.seg)
		}
		for _, r := range rs[1:] {
			sole[i] = slices.DeleteFunc(sole[i], func(s int32) bool {
				_, found := slices.BinarySearchFunc(r.uses, s, func(u use, s int32) int { return cmp.Compare(u.seg, s) })
				return !found
			})
		}
		for _, r := range rs {
			for _, s := range sole[i] {
				u := findUse(r.uses, s)
				if !u.uncond && r.snapOn != s {
					k := detourKey{s, u.x}
					need[k] = detourNeed{max(need[k].slack, r.slack), u.along}
				}
			}
		}
	}
	return sole, need
}

// detourTimes holds the detour δ of each needed key (keys sorted).
type detourTimes struct {
	keys  []detourKey
	delta []float64
}

// of is the detour δ around segment s entered at x (a needed key).
func (d *detourTimes) of(s int32, x graph.NodeID) float64 {
	k, _ := slices.BinarySearchFunc(d.keys, detourKey{s, x}, compareDetourKeys)
	return d.delta[k]
}

// detours measures the needed detours, in parallel: +Inf round a bridge.
func detours(ctx context.Context, g *graph.Graph, segs []Segment, need map[detourKey]detourNeed, workers int) (*detourTimes, error) {
	keys := make([]detourKey, 0, len(need))
	for k := range need {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareDetourKeys)
	delta := make([]float64, len(keys))
	bridge := bridges(segs)
	dws := make(chan *detourSearch, workers)
	for w := 0; w < workers; w++ {
		dws <- newDetourSearch(g)
	}
	err := par.For(ctx, len(keys), workers, func(k int) error {
		ds := <-dws
		defer func() { dws <- ds }()
		key := keys[k]
		if bridge[key.seg] {
			delta[k] = math.Inf(1) // no way round at all
			return nil
		}
		sg := &segs[key.seg]
		y := sg.To
		if key.x == sg.To {
			y = sg.From
		}
		delta[k] = ds.detour(g, segs, key.seg, key.x, y, need[key].along, need[key].slack, int32(k+1))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &detourTimes{keys: keys, delta: delta}, nil
}

func findUse(us []use, s int32) use {
	k, _ := slices.BinarySearchFunc(us, s, func(u use, s int32) int { return cmp.Compare(u.seg, s) })
	return us[k]
}

// detourSearch is a bidirectional Dijkstra on the full graph that skips
// one segment's edges: the detour around a closed segment is local, so two
// small balls around its ends beat rebuilding the core graph, and a side
// the segment alone connects runs dry at once.
type detourSearch struct {
	fwd, bwd side
}

// side is one direction of the search: distances stamped by generation.
type side struct {
	dist  []float64
	gen   []int32
	queue minheap.Heap[graph.NodeID]
}

func newDetourSearch(g *graph.Graph) *detourSearch {
	n := g.NumNodes()
	return &detourSearch{
		fwd: side{dist: make([]float64, n), gen: make([]int32, n)},
		bwd: side{dist: make([]float64, n), gen: make([]int32, n)},
	}
}

// inSegment reports whether the edges between u and v belong to segment s
// (every edge between two nodes belongs to the same segment: the chain of
// an interior end, or the pair of junctions).
func inSegment(g *graph.Graph, segs []Segment, s int32, u, v graph.NodeID) bool {
	nc := graph.NodeID(g.NumCore())
	switch {
	case u >= nc:
		return int32(g.ChainOf(u)) == s
	case v >= nc:
		return int32(g.ChainOf(v)) == s
	}
	sg := &segs[s]
	return int(s) >= g.NumChains() && min(u, v) == sg.From && max(u, v) == sg.To
}

// detour returns the fastest time from x to y on g without segment s's
// edges less along (the time from x to y along the segment), or +Inf when
// that exceeds limit. gen must differ from the previous call's.
func (ds *detourSearch) detour(g *graph.Graph, segs []Segment, s int32, x, y graph.NodeID, along, limit float64, gen int32) float64 {
	bound := along + limit + tol
	rg := g.Reverse()
	f, b := &ds.fwd, &ds.bwd
	f.queue, b.queue = f.queue[:0], b.queue[:0]
	f.gen[x], f.dist[x] = gen, 0
	b.gen[y], b.dist[y] = gen, 0
	f.queue.Push(0, x)
	b.queue.Push(0, y)
	best := math.Inf(1)
	for len(f.queue) > 0 && len(b.queue) > 0 {
		tf, tb := f.queue[0].Key, b.queue[0].Key
		if tf+tb >= best || tf+tb > bound {
			break
		}
		// Grow the side with the nearer frontier.
		cur, other, gr, forward := f, b, g, true
		if tb < tf {
			cur, other, gr, forward = b, f, rg, false
		}
		it := cur.queue.Pop()
		if it.Key > cur.dist[it.Val] {
			continue
		}
		for e := gr.FirstEdge(it.Val); e < gr.FirstEdge(it.Val+1); e++ {
			v := gr.Head(e)
			if (forward && inSegment(g, segs, s, it.Val, v)) || (!forward && inSegment(g, segs, s, v, it.Val)) {
				continue
			}
			d := it.Key + float64(gr.Weight(e))
			if d > bound {
				continue
			}
			if cur.gen[v] != gen || d < cur.dist[v] {
				cur.gen[v], cur.dist[v] = gen, d
				cur.queue.Push(d, v)
				if other.gen[v] == gen {
					best = min(best, d+other.dist[v])
				}
			}
		}
	}
	if best > bound {
		return math.Inf(1)
	}
	return best - along
}

// bridges marks the segments whose removal disconnects their two ends in
// the undirected junction graph (one edge per segment): there is no way
// round them in either direction. Tarjan's lowlink, iteratively.
func bridges(segs []Segment) []bool {
	nodes := map[graph.NodeID]int32{}
	id := func(v graph.NodeID) int32 {
		k, ok := nodes[v]
		if !ok {
			k = int32(len(nodes))
			nodes[v] = k
		}
		return k
	}
	type arc struct{ to, seg int32 }
	var adj [][]arc
	for s, sg := range segs {
		a, b := id(sg.From), id(sg.To)
		for int(max(a, b)) >= len(adj) {
			adj = append(adj, nil)
		}
		if a == b {
			continue // a loop is never a bridge
		}
		adj[a] = append(adj[a], arc{b, int32(s)})
		adj[b] = append(adj[b], arc{a, int32(s)})
	}
	n := len(adj)
	disc, low := make([]int32, n), make([]int32, n)
	for i := range disc {
		disc[i] = -1
	}
	out := make([]bool, len(segs))
	type frame struct {
		v, via int32 // node, segment it was entered by (-1 root)
		next   int   // next arc to look at
	}
	var stack []frame
	t := int32(0)
	for r := 0; r < n; r++ {
		if disc[r] >= 0 {
			continue
		}
		disc[r], low[r] = t, t
		t++
		stack = append(stack[:0], frame{int32(r), -1, 0})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.next < len(adj[f.v]) {
				a := adj[f.v][f.next]
				f.next++
				if a.seg == f.via {
					continue
				}
				if disc[a.to] < 0 {
					disc[a.to], low[a.to] = t, t
					t++
					stack = append(stack, frame{a.to, a.seg, 0})
				} else {
					low[f.v] = min(low[f.v], disc[a.to])
				}
				continue
			}
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				p := &stack[len(stack)-1]
				low[p.v] = min(low[p.v], low[f.v])
				if low[f.v] > disc[p.v] {
					out[f.via] = true
				}
			}
		}
	}
	return out
}
