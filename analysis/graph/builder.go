package graph

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"
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
}

// Builder collects nodes and directed edges and turns them into a Graph.
// Nodes are numbered in the order they are added (builder indices); Build
// renumbers them. A Builder is not safe for concurrent use.
type Builder struct {
	osmIDs       []int64
	latE7, lonE7 []int32
	from, to     []uint32
	w            []Seconds
	way          []uint32
	wayIDs       []int64
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
// returns the graph. The Builder can be discarded afterwards.
func (b *Builder) Build(meta Meta) (*Graph, error) {
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
	order := make([]uint32, n) // order[newID] = builder index
	for i := range order {
		order[i] = uint32(i)
	}
	sort.Slice(order, func(i, j int) bool {
		a, c := order[i], order[j]
		if keys[a] != keys[c] {
			return keys[a] < keys[c]
		}
		return b.osmIDs[a] < b.osmIDs[c]
	})
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
	seen := make(map[int64]struct{}, n)
	for _, id := range g.osmIDs {
		if _, dup := seen[id]; dup {
			return nil, fmt.Errorf("graph: OSM node %d added twice", id)
		}
		seen[id] = struct{}{}
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
	for v := 0; v < n; v++ {
		sortRow(g, g.offsets[v], g.offsets[v+1])
	}
	g.finish()
	return g, nil
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

// finish derives the OSM-id index and the strongly connected components.
func (g *Graph) finish() {
	n := g.NumNodes()
	g.byOSM = make([]NodeID, n)
	for i := range g.byOSM {
		g.byOSM[i] = NodeID(i)
	}
	sort.Slice(g.byOSM, func(i, j int) bool { return g.osmIDs[g.byOSM[i]] < g.osmIDs[g.byOSM[j]] })
	g.comp, g.cSize = stronglyConnected(g)
}

// hilbertSide is the side of the Hilbert grid: 2^16 cells per axis.
const hilbertSide = 1 << 16

// hilbertIndex returns the distance of cell (x, y) along the Hilbert curve
// filling a hilbertSide × hilbertSide grid (the classic rotate-and-flip walk).
func hilbertIndex(x, y uint32) uint64 {
	var d uint64
	for s := uint32(hilbertSide / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		if ry == 0 {
			if rx == 1 {
				// Flipping every bit flips the low ones, the only ones
				// the remaining iterations read.
				x = hilbertSide - 1 - x
				y = hilbertSide - 1 - y
			}
			x, y = y, x
		}
	}
	return d
}
