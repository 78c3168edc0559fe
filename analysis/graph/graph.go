package graph

import (
	"math"
	"sort"
	"sync"

	"github.com/paulmach/orb"
)

// NodeID is a dense node number, 0..NumNodes()-1, local to one Graph.
type NodeID uint32

// EdgeID is a dense directed-edge number, 0..NumEdges()-1, local to one Graph.
// The out-edges of node v are the EdgeIDs in [FirstEdge(v), FirstEdge(v+1)).
type EdgeID uint32

// NoNode and NoEdge mark the absence of a node or an edge.
const (
	NoNode = NodeID(math.MaxUint32)
	NoEdge = EdgeID(math.MaxUint32)
)

// Seconds is a travel time in seconds. Edge times are float64 so that a sum
// along a path is bit-identical to other tools that sum the same float64 edge
// times in the same order.
type Seconds float64

// Graph is a directed road graph in compressed sparse rows. See the package
// documentation for its layout and concurrency rules.
type Graph struct {
	meta Meta

	offsets []uint32  // len N+1; out-edges of v are [offsets[v], offsets[v+1])
	targets []NodeID  // len M, edge head
	weights []Seconds // len M, travel time
	edgeWay []uint32  // len M, index into wayIDs

	osmIDs []int64   // len N
	latE7  []int32   // len N, latitude × 1e7
	lonE7  []int32   // len N, longitude × 1e7
	wayIDs []int64   // OSM way ids, indexed by edgeWay
	comp   []uint32  // len N, strongly connected component of each node
	cSize  []uint32  // size of each component, indexed by comp
	bound  orb.Bound // bounding box of all nodes

	// Chains and the core graph (core.go).
	nCore       uint32
	chainStart  []uint32 // len chains+1; chain c's interior is [chainStart[c], chainStart[c+1])
	chainA      []NodeID // core node before each chain's first interior node
	chainB      []NodeID // core node after each chain's last interior node
	chainBucket []uint32 // ChainOf lookup: chain of every 16th interior node
	coreOff     []uint32 // len nCore+1
	coreTgt     []NodeID
	coreW       []Seconds
	chainHint   []uint8 // by interior index i = v−nCore, 2 each: where the edge into v from its A-side neighbour sits in that neighbour's row, and from its B-side neighbour (255: look it up)

	ch *Hierarchy // contraction hierarchy over the core graph (ch.go), or nil

	byOSMOnce sync.Once
	byOSM     []NodeID // node ids sorted by OSM id, built on first use by Node

	reverseOnce sync.Once
	reverse     *Graph
	snapOnce    sync.Once
	snap        *snapIndex
	sweepOnce   sync.Once
	sweep       *SweepTable // built on first use by SweepTable (sweep.go)
	largestOnce sync.Once
	largest     int // size of the largest component, computed on first use

	unmap func() error // releases the file mapping of a graph from Open
}

// NumNodes returns the number of nodes.
func (g *Graph) NumNodes() int { return len(g.osmIDs) }

// NumEdges returns the number of directed edges.
func (g *Graph) NumEdges() int { return len(g.targets) }

// NumWays returns the number of distinct OSM ways the edges come from.
func (g *Graph) NumWays() int { return len(g.wayIDs) }

// Meta returns the graph's metadata: profile, speed table, build information.
func (g *Graph) Meta() Meta { return g.meta }

// Bound returns the bounding box of all nodes, [lon, lat].
func (g *Graph) Bound() orb.Bound { return g.bound }

// FirstEdge returns the first out-edge of v; the out-edges of v are
// [FirstEdge(v), FirstEdge(v+1)). FirstEdge(NodeID(NumNodes())) is NumEdges().
func (g *Graph) FirstEdge(v NodeID) EdgeID { return EdgeID(g.offsets[v]) }

// Head returns the node edge e leads to.
func (g *Graph) Head(e EdgeID) NodeID { return g.targets[e] }

// Weight returns the travel time along edge e.
func (g *Graph) Weight(e EdgeID) Seconds { return g.weights[e] }

// WayID returns the OSM way edge e was built from.
func (g *Graph) WayID(e EdgeID) int64 { return g.wayIDs[g.edgeWay[e]] }

// CSR returns the raw adjacency arrays for hot loops: the out-edges of v are
// targets[offsets[v]:offsets[v+1]] with the same range of weights. The slices
// belong to the graph and must not be modified.
func (g *Graph) CSR() (offsets []uint32, targets []NodeID, weights []Seconds) {
	return g.offsets, g.targets, g.weights
}

// OSMID returns the OSM node id of v.
func (g *Graph) OSMID(v NodeID) int64 { return g.osmIDs[v] }

// Point returns the location of v as [lon, lat] degrees, exactly the OSM
// fixed-point coordinate divided by 1e7.
func (g *Graph) Point(v NodeID) orb.Point {
	return orb.Point{float64(g.lonE7[v]) / 1e7, float64(g.latE7[v]) / 1e7}
}

// Node returns the node with OSM id osmID, if the graph has it.
//
// The first call sorts an index of the OSM ids (4 bytes a node, a few
// milliseconds); later calls are binary searches.
func (g *Graph) Node(osmID int64) (NodeID, bool) {
	g.byOSMOnce.Do(func() {
		idx := make([]NodeID, g.NumNodes())
		for i := range idx {
			idx[i] = NodeID(i)
		}
		sort.Slice(idx, func(i, j int) bool { return g.osmIDs[idx[i]] < g.osmIDs[idx[j]] })
		g.byOSM = idx
	})
	i := sort.Search(len(g.byOSM), func(i int) bool { return g.osmIDs[g.byOSM[i]] >= osmID })
	if i < len(g.byOSM) && g.osmIDs[g.byOSM[i]] == osmID {
		return g.byOSM[i], true
	}
	return NoNode, false
}

// Edge returns the cheapest directed edge from u to v, if any.
func (g *Graph) Edge(u, v NodeID) (EdgeID, bool) {
	best := NoEdge
	for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
		if g.targets[e] == v && (best == NoEdge || g.weights[e] < g.weights[best]) {
			best = EdgeID(e)
		}
	}
	return best, best != NoEdge
}

// Component returns the strongly connected component of v and its size in
// nodes. Within a component every node can reach every other.
func (g *Graph) Component(v NodeID) (id uint32, size int) {
	c := g.comp[v]
	return c, int(g.cSize[c])
}

// NumComponents returns the number of strongly connected components.
func (g *Graph) NumComponents() int { return len(g.cSize) }

// LargestComponentSize returns the number of nodes in the largest strongly
// connected component (of the parent graph, for a subgraph). The first call scans the component sizes (345,593 of
// them on a 46 M-node network); later calls return the cached answer, so a
// per-point caller such as Snap costs O(1) here.
func (g *Graph) LargestComponentSize() int {
	g.largestOnce.Do(func() {
		m := uint32(0)
		for _, s := range g.cSize {
			m = max(m, s)
		}
		g.largest = int(m)
		if p := g.meta.Parent; p != nil {
			g.largest = max(g.largest, p.LargestComponent)
		}
	})
	return g.largest
}

// Reverse returns the graph with every edge turned around (same NodeIDs,
// new EdgeIDs): a search on it gives times *to* its seeds. It is built on the
// first call and shared afterwards; it has no snapping index of its own.
func (g *Graph) Reverse() *Graph {
	g.reverseOnce.Do(func() {
		n := g.NumNodes()
		r := &Graph{
			meta: g.meta, osmIDs: g.osmIDs, latE7: g.latE7, lonE7: g.lonE7,
			wayIDs: g.wayIDs, comp: g.comp, cSize: g.cSize, bound: g.bound,
			nCore: g.nCore, chainStart: g.chainStart, chainA: g.chainA, chainB: g.chainB,
			offsets: make([]uint32, n+1),
			targets: make([]NodeID, len(g.targets)),
			weights: make([]Seconds, len(g.weights)),
			edgeWay: make([]uint32, len(g.edgeWay)),
		}
		for _, t := range g.targets {
			r.offsets[t+1]++
		}
		for v := 0; v < n; v++ {
			r.offsets[v+1] += r.offsets[v]
		}
		next := append([]uint32(nil), r.offsets[:n]...)
		for u := 0; u < n; u++ {
			for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
				t := g.targets[e]
				k := next[t]
				next[t]++
				r.targets[k] = NodeID(u)
				r.weights[k] = g.weights[e]
				r.edgeWay[k] = g.edgeWay[e]
			}
		}
		if err := r.buildCore(); err != nil {
			panic("graph: reverse of a valid graph has an invalid chain table: " + err.Error())
		}
		r.reverseOnce.Do(func() { r.reverse = g })
		g.reverse = r
	})
	return g.reverse
}

// MemoryBytes returns the bytes held by the graph's arrays: the full graph,
// the core graph and the chain table. It does not count the contraction
// hierarchy (Hierarchy.MemoryBytes) nor the indexes built on demand: the OSM
// id index (4 bytes a node), the reverse graph and the snapping index.
func (g *Graph) MemoryBytes() int {
	n, m := g.NumNodes(), g.NumEdges()
	return 4*(n+1) + m*(4+8+4) + n*(8+4+4+4) + 8*len(g.wayIDs) + 4*len(g.cSize) +
		4*len(g.chainStart) + 8*len(g.chainA) + 4*len(g.chainBucket) + 4*len(g.coreOff) + 12*len(g.coreTgt) + len(g.chainHint)
}
