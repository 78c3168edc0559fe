package graph

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/geo"
)

// Meta describes how a graph was made. It is stored in the graph file and
// printed by `rescuegrid network info`.
type Meta struct {
	// Profile is the travel profile's name: "drive", "walk" or "emergency".
	Profile string `json:"profile"`
	// ProfileSpec is the full profile (speed table, access and one-way rules)
	// as JSON, so a graph always carries the rules it was built by.
	ProfileSpec json.RawMessage `json:"profile_spec,omitempty"`
	// BuiltAt is when the graph was built (UTC).
	BuiltAt time.Time `json:"built_at"`
	// Generator names the program and version that built the graph.
	Generator string `json:"generator,omitempty"`
	// Source is the base name of the OSM file, with its size and SHA-256.
	Source       string `json:"source,omitempty"`
	SourceBytes  int64  `json:"source_bytes,omitempty"`
	SourceSHA256 string `json:"source_sha256,omitempty"`
	// Stats holds ingest counters: ways read, included, skipped for access, …
	Stats map[string]int64 `json:"stats,omitempty"`
	// Parent is set on a graph cut from a larger one by Subgraph.
	Parent *Parent `json:"parent,omitempty"`
}

// Parent describes the graph a subgraph was cut from. A subgraph keeps its
// parent's strongly connected components (ids renumbered, sizes as in the
// parent), so that a point snaps to the same road in both.
type Parent struct {
	Nodes            int `json:"nodes"`
	Edges            int `json:"edges"`
	Components       int `json:"components"`
	LargestComponent int `json:"largest_component"`
}

// Builder collects nodes and directed edges and turns them into a Graph.
// Nodes are numbered in the order they are added (builder indices); Build
// renumbers them. A Builder is not safe for concurrent use.
type Builder struct {
	// Hierarchy makes Build contract the core graph into a contraction
	// hierarchy (ch.go) for PHAST searches. A road graph of a country
	// contracts in seconds; a random graph (no road-like structure) may
	// take far longer, so tests opt in.
	Hierarchy bool
	// Contracting, when set, is called while the hierarchy is built with
	// the core nodes contracted so far and their number, every few
	// thousand nodes and once at the end, from the goroutine running Build.
	Contracting func(done, total int)

	osmIDs       []int64
	latE7, lonE7 []int32
	from, to     []uint32
	w            []Seconds
	way          []uint32
	wayIDs       []int64
}

// Grow makes room for n more nodes and m more edges, so that adding them
// does not reallocate (a growing slice holds its old and new arrays at
// once: 2.25 times the final size at the last step).
func (b *Builder) Grow(n, m int) {
	b.osmIDs = slices.Grow(b.osmIDs, n)
	b.lonE7 = slices.Grow(b.lonE7, n)
	b.latE7 = slices.Grow(b.latE7, n)
	b.from = slices.Grow(b.from, m)
	b.to = slices.Grow(b.to, m)
	b.w = slices.Grow(b.w, m)
	b.way = slices.Grow(b.way, m)
}

// AddNode adds an OSM node at the fixed-point coordinate (lonE7, latE7) =
// degrees × 1e7 and returns its builder index.
func (b *Builder) AddNode(osmID int64, lonE7, latE7 int32) uint32 {
	b.osmIDs = append(b.osmIDs, osmID)
	b.lonE7 = append(b.lonE7, lonE7)
	b.latE7 = append(b.latE7, latE7)
	return uint32(len(b.osmIDs) - 1)
}

// AddWay registers an OSM way and returns the index AddEdge takes.
func (b *Builder) AddWay(osmWayID int64) uint32 {
	b.wayIDs = append(b.wayIDs, osmWayID)
	return uint32(len(b.wayIDs) - 1)
}

// AddEdge adds the directed edge from -> to (builder indices) of travel time
// t, built from the way with index way (from AddWay). Parallel edges are kept:
// shortest paths are the same, and each keeps its own OSM way so that closing
// one way leaves the other open.
func (b *Builder) AddEdge(from, to uint32, t Seconds, way uint32) {
	b.from = append(b.from, from)
	b.to = append(b.to, to)
	b.w = append(b.w, t)
	b.way = append(b.way, way)
}

// NumNodes returns the number of nodes added so far.
func (b *Builder) NumNodes() int { return len(b.osmIDs) }

// NumEdges returns the number of edges added so far.
func (b *Builder) NumEdges() int { return len(b.from) }

// ErrEmpty is returned by Build when there is no node.
var ErrEmpty = errors.New("graph: no nodes")

// Build checks the input, renumbers the nodes along a Hilbert curve, and
// returns the graph. It empties the Builder (its inputs are released as soon
// as the graph holds them, to keep the peak of a national build down).
func (b *Builder) Build(meta Meta) (*Graph, error) {
	return b.BuildContext(context.Background(), meta)
}

// BuildContext is Build that stops when ctx is done, with an error wrapping
// ctx.Err(): the contraction, the long step, looks at ctx every 256 nodes,
// the layout between its steps (on Porto's 0.27 M nodes 0.45 s of layout,
// its longest step the sort along the Hilbert curve, 0.15 s, against 6.5 s
// of contraction; some 25 s for that sort at 46 M nodes).
func (b *Builder) BuildContext(ctx context.Context, meta Meta) (*Graph, error) {
	stopped := func() error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("graph: layout stopped: %w", err)
		}
		return nil
	}
	n, m := len(b.osmIDs), len(b.from)
	if n == 0 {
		return nil, ErrEmpty
	}
	if n >= math.MaxUint32 || m >= math.MaxUint32 {
		return nil, fmt.Errorf("graph: %d nodes and %d edges exceed the 32-bit ids", n, m)
	}
	for i := 0; i < m; i++ {
		if int(b.from[i]) >= n || int(b.to[i]) >= n || int(b.way[i]) >= len(b.wayIDs) {
			return nil, fmt.Errorf("graph: edge %d refers to a node or way that was not added", i)
		}
		if w := float64(b.w[i]); !(w >= 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("graph: edge %d has travel time %v, want a finite time >= 0", i, w)
		}
	}

	// Renumber along a Hilbert curve over the bounding box; ties by OSM id.
	bound := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	minLon, minLat, maxLon, maxLat := int32(math.MaxInt32), int32(math.MaxInt32), int32(math.MinInt32), int32(math.MinInt32)
	for i := 0; i < n; i++ {
		minLon, maxLon = min(minLon, b.lonE7[i]), max(maxLon, b.lonE7[i])
		minLat, maxLat = min(minLat, b.latE7[i]), max(maxLat, b.latE7[i])
	}
	bound.Min = orb.Point{float64(minLon) / 1e7, float64(minLat) / 1e7}
	bound.Max = orb.Point{float64(maxLon) / 1e7, float64(maxLat) / 1e7}
	keys := make([]uint64, n)
	spanLon := float64(maxLon-minLon) + 1
	spanLat := float64(maxLat-minLat) + 1
	for i := 0; i < n; i++ {
		x := uint32(float64(b.lonE7[i]-minLon) / spanLon * hilbertSide)
		y := uint32(float64(b.latE7[i]-minLat) / spanLat * hilbertSide)
		keys[i] = hilbertIndex(x, y)
	}
	hil := make([]uint32, n) // builder indices in Hilbert order
	for i := range hil {
		hil[i] = uint32(i)
	}
	slices.SortFunc(hil, func(a, c uint32) int {
		if keys[a] != keys[c] {
			return cmp.Compare(keys[a], keys[c])
		}
		return cmp.Compare(b.osmIDs[a], b.osmIDs[c])
	})
	if err := stopped(); err != nil {
		return nil, err
	}
	order, nCore, chains := b.chainOrder(hil)
	newID := make([]NodeID, n)
	for nid, old := range order {
		newID[old] = NodeID(nid)
	}

	g := &Graph{
		meta:    meta,
		osmIDs:  make([]int64, n),
		latE7:   make([]int32, n),
		lonE7:   make([]int32, n),
		offsets: make([]uint32, n+1),
		targets: make([]NodeID, m),
		weights: make([]Seconds, m),
		edgeWay: make([]uint32, m),
		wayIDs:  b.wayIDs,
		bound:   bound,
	}
	for nid, old := range order {
		g.osmIDs[nid] = b.osmIDs[old]
		g.latE7[nid] = b.latE7[old]
		g.lonE7[nid] = b.lonE7[old]
	}
	// A sorted copy finds a repeated id in 8 bytes a node (a map took about
	// 40: 2 GB at 46 M nodes, the builder's peak).
	ids := slices.Clone(g.osmIDs)
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return nil, fmt.Errorf("graph: OSM node %d added twice", ids[i])
		}
	}

	if err := stopped(); err != nil {
		return nil, err
	}
	// CSR by counting sort on the tail, then each row sorted by (head, time, way).
	for i := 0; i < m; i++ {
		g.offsets[newID[b.from[i]]+1]++
	}
	for v := 0; v < n; v++ {
		g.offsets[v+1] += g.offsets[v]
	}
	next := append([]uint32(nil), g.offsets[:n]...)
	for i := 0; i < m; i++ {
		u := newID[b.from[i]]
		k := next[u]
		next[u]++
		g.targets[k] = newID[b.to[i]]
		g.weights[k] = b.w[i]
		g.edgeWay[k] = b.way[i]
	}
	// The inputs are laid out: release them before the components and the
	// hierarchy take their memory (20 bytes an edge, 16 a node).
	b.from, b.to, b.w, b.way = nil, nil, nil, nil
	b.osmIDs, b.latE7, b.lonE7, b.wayIDs = nil, nil, nil, nil
	for v := 0; v < n; v++ {
		sortRow(g, g.offsets[v], g.offsets[v+1])
	}
	g.nCore = uint32(nCore)
	g.chainStart = make([]uint32, len(chains)+1)
	g.chainA = make([]NodeID, len(chains))
	g.chainB = make([]NodeID, len(chains))
	next2 := uint32(nCore)
	for i, c := range chains {
		g.chainStart[i] = next2
		next2 += uint32(c.len)
		g.chainA[i], g.chainB[i] = newID[c.a], newID[c.b]
	}
	g.chainStart[len(chains)] = next2
	if err := stopped(); err != nil {
		return nil, err
	}
	g.finish()
	if err := stopped(); err != nil {
		return nil, err
	}
	if err := g.buildCore(); err != nil {
		return nil, fmt.Errorf("graph: %w", err) // a bug in chainOrder, not bad input
	}
	if b.Hierarchy {
		if err := g.buildHierarchy(ctx, b.Contracting); err != nil {
			return nil, err
		}
	}
	return g, nil
}

type chainSpec struct {
	a, b uint32 // builder indices of the core nodes at either end
	len  int    // interior nodes
}

// chainOrder numbers the nodes: first the core nodes (every node that does
// not have exactly two distinct neighbours) in Hilbert order, then the
// interior nodes of each chain of two-neighbour nodes, chain by chain, from
// the chain's a end to its b end. It returns the builder indices in new id
// order, the number of core nodes and the chains in order.
func (b *Builder) chainOrder(hil []uint32) ([]uint32, int, []chainSpec) {
	n := len(b.osmIDs)
	// Up to two distinct neighbours per node (either direction); count 3 means more.
	nb := make([][2]uint32, n)
	cnt := make([]uint8, n)
	add := func(u, v uint32) {
		if u == v || cnt[u] == 3 {
			return
		}
		for k := uint8(0); k < cnt[u]; k++ {
			if nb[u][k] == v {
				return
			}
		}
		if cnt[u] == 2 {
			cnt[u] = 3
			return
		}
		nb[u][cnt[u]] = v
		cnt[u]++
	}
	for i := range b.from {
		add(b.from[i], b.to[i])
		add(b.to[i], b.from[i])
	}
	core := make([]bool, n)
	for v := range core {
		core[v] = cnt[v] != 2
	}
	// Every distinct neighbour of the core nodes, to start chains from.
	var starts [][2]uint32 // (core node, neighbour)
	for i := range b.from {
		u, v := b.from[i], b.to[i]
		if u != v && core[u] && !core[v] {
			starts = append(starts, [2]uint32{u, v})
		}
		if u != v && core[v] && !core[u] {
			starts = append(starts, [2]uint32{v, u})
		}
	}
	const none = ^uint32(0)
	chainOf := make([]uint32, n)
	for i := range chainOf {
		chainOf[i] = none
	}
	var chains []chainSpec
	var seq []uint32 // interior nodes in chain order
	// walk follows a chain from core node a through its neighbour first.
	walk := func(a, first uint32) {
		c := uint32(len(chains))
		prev, cur, l := a, first, 0
		for !core[cur] && chainOf[cur] == none {
			chainOf[cur] = c
			seq = append(seq, cur)
			l++
			nxt := nb[cur][0]
			if nxt == prev {
				nxt = nb[cur][1]
			}
			prev, cur = cur, nxt
		}
		chains = append(chains, chainSpec{a: a, b: cur, len: l})
	}
	// First pass: find the interior nodes no core node leads to. They lie
	// on isolated cycles of two-neighbour nodes; promote the first node of
	// each (in Hilbert order) to core, which opens the cycle into a chain
	// from that node back to itself.
	for _, st := range starts {
		if chainOf[st[1]] == none {
			walk(st[0], st[1])
		}
	}
	for _, v := range hil {
		if core[v] || chainOf[v] != none {
			continue
		}
		core[v] = true
		for k := 0; k < 2; k++ {
			if !core[nb[v][k]] {
				starts = append(starts, [2]uint32{v, nb[v][k]})
			}
		}
		for prev, cur := v, nb[v][0]; !core[cur] && chainOf[cur] == none; {
			chainOf[cur] = 0 // seen; renumbered below
			nxt := nb[cur][0]
			if nxt == prev {
				nxt = nb[cur][1]
			}
			prev, cur = cur, nxt
		}
	}
	// Second pass, for real: chains in the Hilbert order of their core node.
	order := make([]uint32, 0, n)
	rank := make([]uint32, n)
	for _, v := range hil {
		if core[v] {
			rank[v] = uint32(len(order))
			order = append(order, v)
		}
	}
	nCore := len(order)
	sort.Slice(starts, func(i, j int) bool {
		if starts[i][0] != starts[j][0] {
			return rank[starts[i][0]] < rank[starts[j][0]]
		}
		return starts[i][1] < starts[j][1]
	})
	for i := range chainOf {
		chainOf[i] = none
	}
	chains, seq = chains[:0], seq[:0]
	for _, st := range starts {
		if chainOf[st[1]] == none && !core[st[1]] {
			walk(st[0], st[1])
		}
	}
	return append(order, seq...), nCore, chains
}

// sortRow orders the edges [lo, hi) by head, then time, then way.
func sortRow(g *Graph, lo, hi uint32) {
	// Rows are short (a road node has a handful of out-edges): insertion sort.
	less := func(a, b uint32) bool {
		if g.targets[a] != g.targets[b] {
			return g.targets[a] < g.targets[b]
		}
		if g.weights[a] != g.weights[b] {
			return g.weights[a] < g.weights[b]
		}
		return g.wayIDs[g.edgeWay[a]] < g.wayIDs[g.edgeWay[b]]
	}
	for i := lo + 1; i < hi; i++ {
		for j := i; j > lo && less(j, j-1); j-- {
			g.targets[j], g.targets[j-1] = g.targets[j-1], g.targets[j]
			g.weights[j], g.weights[j-1] = g.weights[j-1], g.weights[j]
			g.edgeWay[j], g.edgeWay[j-1] = g.edgeWay[j-1], g.edgeWay[j]
		}
	}
}

// finish derives the strongly connected components.
func (g *Graph) finish() {
	g.comp, g.cSize = stronglyConnected(g)
}

// hilbertSide is the side of the Hilbert grid: 2^16 cells per axis.
const hilbertSide = 1 << 16

// hilbertIndex returns the distance of cell (x, y) along the Hilbert curve
// filling a hilbertSide × hilbertSide grid (geo.HilbertIndex of order 16).
func hilbertIndex(x, y uint32) uint64 { return geo.HilbertIndex(16, uint64(x), uint64(y)) }
