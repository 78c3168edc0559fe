package robustness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/par"
	"github.com/uber/h3-go/v4"
)

// DefaultTop is how many segments Critical evaluates exactly when Input.Top
// is 0: each costs a copy of the graph and one search (about 0.1 s on
// Malta's 137,000 edges), and twenty cover the roads most paths use in the
// regions of the benchmarks.
const DefaultTop = 20

// Input is what Critical needs. Cells and Pop are parallel.
type Input struct {
	Graph    *graph.Graph
	Standard *standard.Standard
	Cells    []h3.Cell
	Pop      []float64 // residents per cell
	// Bases are the rescue team bases, [lon, lat]; those farther than the
	// snap distance from a usable road are left out, as in coverage.
	Bases []orb.Point
	// Top is how many segments, from the top of the path ranking, are
	// closed and evaluated exactly (0: DefaultTop; it is capped at the
	// segments on some path).
	Top     int
	Workers int // parallel evaluations (<= 0: GOMAXPROCS)
}

// A Segment is a stretch of road between two junctions (see the package
// documentation) and what closing it costs.
type Segment struct {
	ID int // index into the graph's segments, stable for one graph
	// Edges are its directed edges, both directions, sorted.
	Edges []graph.EdgeID
	// From and To are the junctions at its ends.
	From, To graph.NodeID
	// WayID is the OSM way of most of its edges; Ways every way it uses.
	WayID int64
	Ways  []int64
	// Line is its geometry from From to To, [lon, lat]; LengthM its length.
	Line    orb.LineString
	LengthM float64
	// PathResidents is the residents whose fastest path from their nearest
	// base runs along it (its last, partial edge included); PathCells the
	// populated cells of those residents.
	PathResidents float64
	PathCells     int
	// SoleResidents is the residents inside the rescue circle every one of
	// whose in-time routes (the fastest path from each base that reaches
	// them in time) runs along it.
	SoleResidents float64
	// LossBound is those of them the detour around the segment cannot keep
	// inside the circle on any of their routes (see the package
	// documentation): closing the segment takes at most these out of the
	// circle, but for cell centres and bases snapped anew. It ranks the
	// segments for evaluation.
	LossBound float64
	// Twins counts the other segments whose paths carry exactly the same
	// residents and whose bounds count exactly the same residents (the rest
	// of a corridor without branches that carry residents, with no detour
	// that keeps anyone inside the circle); only the first of such a group
	// is evaluated.
	Twins int
	// Evaluated says the segment was closed and the fields below computed.
	Evaluated bool
	// Lost is the residents inside the rescue circle in the baseline and
	// outside it with the segment closed; Gained those the other way round
	// (a cell centre or a base snapped anew can find a faster road). CutOff
	// is the residents reached in the baseline and by no base with it closed.
	Lost, Gained, CutOff float64
	// AddedPersonSeconds is Σ residents × (time closed − time before) over
	// the residents reached both ways (negative when re-snapping gains).
	AddedPersonSeconds float64
	// BasesMoved counts the bases the closure moved to another road (their
	// road closed or cut off from the rest: they are snapped anew, or can
	// no longer be placed); Resnapped is the residents of the cells whose
	// centre moved to another road. The bound holds for the rest: with no
	// base moved, Lost <= LossBound + Resnapped.
	BasesMoved int
	Resnapped  float64
}

// Result is Critical's answer.
type Result struct {
	// Segments are the evaluated segments, most costly first: by Lost,
	// then CutOff, then AddedPersonSeconds, then PathResidents.
	Segments []Segment
	// OnPaths counts the segments on some resident's path, of Total.
	OnPaths, Total int
	// PathResidents, SoleResidents and LossBound are every segment's counts
	// (see Segment), indexed by segment ID: the whole ranking.
	PathResidents, SoleResidents, LossBound []float64
	// UnevaluatedBound is the largest LossBound among the segments not
	// evaluated: no such segment's closure takes more residents out of the
	// circle (but for snapping anew).
	UnevaluatedBound float64
	// Residents and Within are the baseline's residents and those inside
	// the rescue circle (cells without road access count as outside).
	Residents, Within float64
}

// ErrInput is wrapped by the errors about inconsistent input.
var ErrInput = errors.New("robustness: inconsistent input")

// ErrNoBases is returned when no base can be placed on the road network.
var ErrNoBases = errors.New("robustness: no base could be placed on the road network")

// Critical ranks the road segments of in.Graph by a bound on the residents
// their closure takes out of the rescue circle, then by the residents whose
// fastest path runs along them, and evaluates the top in.Top exactly: see
// the package documentation. in.Graph is not modified.
func Critical(ctx context.Context, in Input) (*Result, error) {
	switch {
	case in.Graph == nil || in.Standard == nil:
		return nil, fmt.Errorf("%w: graph and standard are required", ErrInput)
	case len(in.Pop) != len(in.Cells):
		return nil, fmt.Errorf("%w: %d cells but %d populations", ErrInput, len(in.Cells), len(in.Pop))
	case in.Top < 0:
		return nil, fmt.Errorf("%w: top %d", ErrInput, in.Top)
	}
	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g := in.Graph
	target := in.Standard.RescueSeconds()
	base, err := Times(ctx, g, in)
	if err != nil {
		return nil, err
	}
	segOf, segs := Segments(g)
	res := &Result{Total: len(segs)}
	for i, p := range in.Pop {
		res.Residents += p
		if base.Seconds[i] <= target {
			res.Within += p
		}
	}
	// Fingerprints of the residents' cells, to find segments carrying the
	// same residents.
	key := make([]uint64, len(in.Cells))
	for i := range key {
		key[i] = mix(uint64(i) + 1)
	}
	pathFP := countPaths(in, base, segs, segOf, key)
	lb, err := lossBounds(ctx, in, base, segs, segOf, key, workers)
	if err != nil {
		return nil, err
	}
	pick := rankAndPick(in, res, segs, pathFP, lb)

	// Exact evaluation of the picked segments, in parallel.
	out := make([]Segment, len(pick))
	err = par.For(ctx, len(pick), min(workers, max(1, len(pick))), func(k int) error {
		s, err := evaluate(ctx, in, base, segs[pick[k]], target)
		out[k] = s
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Segment) int {
		if c := cmp.Compare(b.Lost, a.Lost); c != 0 {
			return c
		}
		if c := cmp.Compare(b.CutOff, a.CutOff); c != 0 {
			return c
		}
		if c := cmp.Compare(b.AddedPersonSeconds, a.AddedPersonSeconds); c != 0 {
			return c
		}
		return cmp.Compare(b.PathResidents, a.PathResidents)
	})
	res.Segments = out
	return res, nil
}

// countPaths follows each resident's fastest path from the nearest base
// and counts, per segment, the residents and cells whose path runs along
// it; it returns each segment's fingerprint of those cells (a sum of key).
func countPaths(in Input, base *CellTimes, segs []Segment, segOf []int32, key []uint64) []uint64 {
	g := in.Graph
	pathFP := make([]uint64, len(segs))
	sc := newScratch(g, 0)
	sc.parents(g, base.Reached, func(v graph.NodeID) graph.Seconds { return base.Node[v] }, base.Seeds)
	var buf []int32
	for i, p := range in.Pop {
		if p <= 0 || base.NoRoad[i] || math.IsInf(base.Seconds[i], 1) {
			continue
		}
		root := func(v graph.NodeID) int32 { return segOf[base.snapped.bases[base.Source[v]].Edge] }
		buf = sc.path(g, segOf, base.Snaps[i], func(v graph.NodeID) graph.Seconds { return base.Node[v] }, base.Seeds, root, buf[:0])
		for _, s := range buf {
			segs[s].PathResidents += p
			segs[s].PathCells++
			pathFP[s] += key[i]
		}
	}
	return pathFP
}

// rankAndPick fills every segment's counts into res, ranks the segments on
// some resident's path by LossBound then PathResidents, and picks the top
// in.Top (DefaultTop when 0), one per group carrying the same residents.
// It sets each pick's Twins and res.UnevaluatedBound, and returns the
// picked segment IDs in rank order.
func rankAndPick(in Input, res *Result, segs []Segment, pathFP []uint64, lb *bounds) []int {
	boundFP := lb.fp
	res.PathResidents = make([]float64, len(segs))
	res.SoleResidents, res.LossBound = lb.sole, lb.bound
	var ranked []int
	for s := range segs {
		segs[s].SoleResidents, segs[s].LossBound = lb.sole[s], lb.bound[s]
		res.PathResidents[s] = segs[s].PathResidents
		if segs[s].PathResidents > 0 {
			ranked = append(ranked, s)
		}
	}
	res.OnPaths = len(ranked)
	slices.SortFunc(ranked, func(a, b int) int {
		if c := cmp.Compare(segs[b].LossBound, segs[a].LossBound); c != 0 {
			return c
		}
		if c := cmp.Compare(segs[b].PathResidents, segs[a].PathResidents); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	top := in.Top
	if top == 0 {
		top = DefaultTop
	}
	// One segment per group carrying the same residents.
	type fp struct{ path, bound uint64 }
	group := map[fp]int{}
	for _, s := range ranked {
		group[fp{pathFP[s], boundFP[s]}]++
	}
	seen := map[fp]bool{}
	var pick []int
	evaluated := make([]bool, len(segs))
	for _, s := range ranked {
		f := fp{pathFP[s], boundFP[s]}
		if seen[f] || len(pick) == top {
			continue
		}
		seen[f] = true
		segs[s].Twins = group[f] - 1
		pick = append(pick, s)
		evaluated[s] = true
	}
	for s := range segs {
		if !evaluated[s] {
			res.UnevaluatedBound = max(res.UnevaluatedBound, lb.bound[s])
		}
	}
	return pick
}

// evaluate closes segment s exactly: it snaps anew on the closed graph,
// times every cell again and counts the bases and residents moved, the
// residents lost to and gained by the rescue circle (target seconds), cut
// off, and the person-seconds added.
func evaluate(ctx context.Context, in Input, base *CellTimes, s Segment, target float64) (Segment, error) {
	closed, err := Close(in.Graph, s.Edges)
	if err != nil {
		return Segment{}, err
	}
	sub := in
	sub.Workers = 1
	sn, err := base.snapped.onClosed(ctx, closed, s.Edges, sub)
	if err != nil {
		return Segment{}, err
	}
	after, err := timesFrom(ctx, closed, sub, sn)
	if errors.Is(err, ErrNoBases) {
		after = &CellTimes{Seconds: make([]float64, len(in.Cells))}
		for i := range after.Seconds {
			after.Seconds[i] = math.Inf(1)
		}
	} else if err != nil {
		return Segment{}, err
	}
	s.Evaluated = true
	moved := func(ok0, ok1 bool, a, b graph.Snap) bool {
		return ok0 != ok1 || (ok0 && (a.Point != b.Point || a.DistanceM != b.DistanceM))
	}
	for j := range in.Bases {
		if moved(base.snapped.baseOK[j], sn.baseOK[j], base.snapped.bases[j], sn.bases[j]) {
			s.BasesMoved++
		}
	}
	for i, p := range in.Pop {
		if moved(base.snapped.cellOK[i], sn.cellOK[i], base.snapped.cells[i], sn.cells[i]) {
			s.Resnapped += p
		}
		b, a := base.Seconds[i], after.Seconds[i]
		switch {
		case b <= target && !(a <= target):
			s.Lost += p
		case a <= target && !(b <= target):
			s.Gained += p
		}
		switch {
		case !math.IsInf(b, 1) && math.IsInf(a, 1):
			s.CutOff += p
		case !math.IsInf(b, 1) && !math.IsInf(a, 1):
			s.AddedPersonSeconds += p * (a - b)
		}
	}
	return s, nil
}

// mix is splitmix64's finaliser: a well-spread 64-bit key for a cell.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// scratch is one worker's arrays for fastest-path trees, sized to the graph.
type scratch struct {
	parent    []graph.EdgeID
	slack     []graph.Seconds
	rank      []int32
	root      []bool
	segStamp  []int32 // per segment: the path that last counted it
	segPos    []int32 // per segment: its place in that path's uses
	cellStamp []int32 // per cell: the search that last visited it
	segGen    int32
	cellGen   int32
	order     []graph.NodeID
}

// newScratch sizes a scratch for g and cells demand cells (segments are
// numbered below NumEdges: every segment has an edge).
func newScratch(g *graph.Graph, cells int) *scratch {
	n := g.NumNodes()
	sc := &scratch{parent: make([]graph.EdgeID, n), slack: make([]graph.Seconds, n), rank: make([]int32, n), root: make([]bool, n),
		segStamp: make([]int32, g.NumEdges()), segPos: make([]int32, g.NumEdges()), cellStamp: make([]int32, cells)}
	for v := range sc.parent {
		sc.parent[v], sc.rank[v] = graph.NoEdge, -1
	}
	return sc
}

// reset clears the entries of the reached nodes.
func (sc *scratch) reset(reached []graph.NodeID) {
	for _, v := range reached {
		sc.parent[v], sc.rank[v], sc.root[v] = graph.NoEdge, -1, false
	}
}

// tol is how far apart two times may be and still be equal: sums along a
// chain and its shortcut differ in the last bits.
const tol = 1e-6

// parents fills sc.parent for the reached nodes of one search: an edge on a
// fastest path into each (NoEdge for the roots), taken among the edges u→v
// with time(u) + weight = time(v) (to within rounding) from a node u
// reached strictly before v in (time, id) order, so that the parents form a
// tree. Nodes not in reached must have rank -1 (reset does that).
func (sc *scratch) parents(g *graph.Graph, reached []graph.NodeID, time func(graph.NodeID) graph.Seconds, seeds []route.Seed) {
	sc.order = append(sc.order[:0], reached...)
	slices.SortFunc(sc.order, func(a, b graph.NodeID) int {
		if c := cmp.Compare(time(a), time(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	for k, v := range sc.order {
		sc.rank[v], sc.parent[v], sc.slack[v] = int32(k), graph.NoEdge, tol
	}
	for _, sd := range seeds {
		if sc.rank[sd.Node] >= 0 && sd.Time <= time(sd.Node)+tol {
			sc.root[sd.Node] = true
		}
	}
	for _, u := range sc.order {
		tu := time(u)
		for e := g.FirstEdge(u); e < g.FirstEdge(u+1); e++ {
			v := g.Head(e)
			if sc.rank[v] <= sc.rank[u] || sc.root[v] {
				continue
			}
			d := graph.Seconds(math.Abs(float64(tu + g.Weight(e) - time(v))))
			if d < sc.slack[v] || (d == sc.slack[v] && sc.parent[v] == graph.NoEdge) {
				sc.parent[v], sc.slack[v] = e, d
			}
		}
	}
}

// path appends to buf the segments of the fastest path to a snapped point,
// each once: the edge the arrival runs along, the tree up to a root, and
// rootSeg(root), the segment the base of that root stands on (its seeds
// carry the partial edge from the base to the root). A point reached
// straight along the road its base stands on has that road's segment only.
func (sc *scratch) path(g *graph.Graph, segOf []int32, sn graph.Snap, time func(graph.NodeID) graph.Seconds, seeds []route.Seed, rootSeg func(graph.NodeID) int32, buf []int32) []int32 {
	sc.segGen++
	mark := func(s int32) {
		if sc.segStamp[s] != sc.segGen {
			sc.segStamp[s] = sc.segGen
			buf = append(buf, s)
		}
	}
	edge, node, _ := arrival(g, time, seeds, sn)
	if edge != graph.NoEdge {
		mark(segOf[edge])
	}
	if node == graph.NoNode {
		return buf
	}
	v := node
	for ; sc.parent[v] != graph.NoEdge; v = g.Tail(sc.parent[v]) {
		mark(segOf[sc.parent[v]])
	}
	mark(rootSeg(v))
	return buf
}

// arrival returns the edge along which the fastest arrival reaches a
// snapped point (NoEdge when it arrives at a node itself) and the node that
// arrival leaves, as route.PointTime chooses them (NoNode: unreached).
// direct reports an arrival straight along the road from a seed's point on
// the same road (route.DirectTime): it passes no node, node is NoNode.
func arrival(g *graph.Graph, time func(graph.NodeID) graph.Seconds, seeds []route.Seed, sn graph.Snap) (edge graph.EdgeID, node graph.NodeID, direct bool) {
	head := g.Head(sn.Edge)
	f := graph.Seconds(sn.Fraction)
	best, edge, node := route.Unreached, graph.NoEdge, graph.NoNode
	if t := time(sn.Tail); t != route.Unreached {
		best, edge, node = t+f*g.Weight(sn.Edge), sn.Edge, sn.Tail
	}
	if sn.Twin != graph.NoEdge {
		head, _ = g.TwinEnds(sn) // the twin's tail: head, or a copy of it at a split junction
	}
	if t := time(head); t != route.Unreached {
		switch {
		case sn.Twin != graph.NoEdge:
			if via := t + (1-f)*g.Weight(sn.Twin); via < best {
				best, edge, node = via, sn.Twin, head
			}
		case sn.Fraction == 1:
			if t < best {
				best, edge, node = t, graph.NoEdge, head
			}
		}
	}
	if sn.Fraction == 0 && edge == sn.Edge {
		edge = graph.NoEdge // the point is the tail itself
	}
	if t, _, ok := route.DirectTime(g, seeds, sn); ok && t < best {
		return sn.Edge, graph.NoNode, true
	}
	return edge, node, false
}

// Segments returns the segment of every edge of g (segOf[e] indexes segs)
// and the segments, without path counts or evaluation.
func Segments(g *graph.Graph) (segOf []int32, segs []Segment) {
	nc := graph.NodeID(g.NumCore())
	segOf = make([]int32, g.NumEdges())
	chains := g.NumChains()
	segs = make([]Segment, chains)
	for c := range chains {
		first, end, a, b := g.Chain(c)
		s := &segs[c]
		s.From, s.To = a, b
		s.Line = append(s.Line, g.Point(a))
		for v := first; v < end; v++ {
			s.Line = append(s.Line, g.Point(v))
		}
		s.Line = append(s.Line, g.Point(b))
	}
	pair := map[[2]graph.NodeID]int32{}
	// A road next to a junction split by a turn restriction has its two
	// edges between different nodes (into a copy of the junction, out of a
	// stub): they are paired by place. The zero-length edges inside the
	// junction join the road they lead into.
	byPlace := map[[2]orb.Point]int32{}
	var inJunction []graph.EdgeID
	copies := map[orb.Point]bool{} // places holding a node with a negative id
	for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
		if g.OSMID(v) < 0 {
			copies[g.Point(v)] = true
		}
	}
	for u := graph.NodeID(0); int(u) < g.NumNodes(); u++ {
		for e := g.FirstEdge(u); e < g.FirstEdge(u+1); e++ {
			v := g.Head(e)
			copyEnd := u < nc && v < nc && len(copies) > 0 && (copies[g.Point(u)] || copies[g.Point(v)])
			switch {
			case u >= nc:
				segOf[e] = int32(g.ChainOf(u))
			case v >= nc:
				segOf[e] = int32(g.ChainOf(v))
			case copyEnd && g.Point(u) == g.Point(v):
				inJunction = append(inJunction, e)
				continue
			case copyEnd && !hasEdge(g, v, u):
				a, b := g.Point(u), g.Point(v)
				if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
					a, b = b, a
				}
				id, ok := byPlace[[2]orb.Point{a, b}]
				if !ok {
					id = int32(len(segs))
					byPlace[[2]orb.Point{a, b}] = id
					segs = append(segs, Segment{From: min(u, v), To: max(u, v), Line: orb.LineString{g.Point(min(u, v)), g.Point(max(u, v))}})
				}
				segOf[e] = id
			default:
				key := [2]graph.NodeID{min(u, v), max(u, v)}
				id, ok := pair[key]
				if !ok {
					id = int32(len(segs))
					pair[key] = id
					segs = append(segs, Segment{From: key[0], To: key[1], Line: orb.LineString{g.Point(key[0]), g.Point(key[1])}})
				}
				segOf[e] = id
			}
			segs[segOf[e]].Edges = append(segs[segOf[e]].Edges, e)
		}
	}
	for _, e := range inJunction {
		v := g.Head(e)
		id := int32(-1)
		for f := g.FirstEdge(v); f < g.FirstEdge(v+1); f++ {
			if g.WayID(f) == g.WayID(e) && g.Point(g.Head(f)) != g.Point(v) {
				id = segOf[f]
				break
			}
		}
		if id < 0 { // not a stub: a segment of its own
			id = int32(len(segs))
			u := g.Tail(e)
			segs = append(segs, Segment{From: min(u, v), To: max(u, v), Line: orb.LineString{g.Point(u), g.Point(v)}})
		}
		segOf[e] = id
		segs[id].Edges = append(segs[id].Edges, e)
		slices.Sort(segs[id].Edges)
	}
	for s := range segs {
		sg := &segs[s]
		sg.ID = s
		for k := 1; k < len(sg.Line); k++ {
			sg.LengthM += geo.Haversine(sg.Line[k-1], sg.Line[k])
		}
		count := map[int64]int{}
		for _, e := range sg.Edges {
			w := g.WayID(e)
			if count[w] == 0 {
				sg.Ways = append(sg.Ways, w)
			}
			count[w]++
		}
		slices.Sort(sg.Ways)
		for _, w := range sg.Ways {
			if count[w] > count[sg.WayID] {
				sg.WayID = w
			}
		}
	}
	return segOf, segs
}

func hasEdge(g *graph.Graph, u, v graph.NodeID) bool {
	_, ok := g.Edge(u, v)
	return ok
}
