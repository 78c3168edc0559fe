package graph

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// The core graph. Road networks are mostly chains of nodes with exactly two
// neighbours (shape points along a street): 59 % of Porto Alegre's nodes,
// 66 % of Malta's, 90 % of Andorra's. NodeIDs are assigned so that the core
// nodes (all others) come first, 0..NumCore()-1, and each chain's interior
// nodes follow as one contiguous range, from its A end to its B end. The
// core graph joins core nodes by their direct edges and by one shortcut per
// chain direction that can be driven end to end, weighted with the sum of
// its edges. A search settles the core graph only, then gives every chain
// node its exact time in one linear pass along the chain (package route).

// NumCore returns the number of core nodes: NodeIDs below it are core, the
// rest are chain interiors.
func (g *Graph) NumCore() int { return int(g.nCore) }

// NumChains returns the number of chains of two-neighbour nodes.
func (g *Graph) NumChains() int { return len(g.chainA) }

// Chain returns chain c: its interior nodes are [first, end), in order from
// core node a to core node b (a == b for a loop).
func (g *Graph) Chain(c int) (first, end, a, b NodeID) {
	return NodeID(g.chainStart[c]), NodeID(g.chainStart[c+1]), g.chainA[c], g.chainB[c]
}

// ChainTable returns the chain table: chain c's interior nodes are
// [starts[c], starts[c+1]), from core node a[c] to core node b[c]. The
// slices belong to the graph.
func (g *Graph) ChainTable() (starts []uint32, a, b []NodeID) {
	return g.chainStart, g.chainA, g.chainB
}

// chainBucketShift sets the span of the ChainOf lookup buckets: 2^4 = 16
// interior nodes, about five chains on OSM road graphs.
const chainBucketShift = 4

// ChainOf returns the chain an interior node v (v >= NumCore()) belongs to.
func (g *Graph) ChainOf(v NodeID) int {
	c := int(g.chainBucket[(uint32(v)-g.nCore)>>chainBucketShift])
	for g.chainStart[c+1] <= uint32(v) {
		c++
	}
	return c
}

// CoreCSR returns the core graph's arrays, like CSR: the out-edges of core
// node u are targets[offsets[u]:offsets[u+1]]. They belong to the graph.
func (g *Graph) CoreCSR() (offsets []uint32, targets []NodeID, weights []Seconds) {
	return g.coreOff, g.coreTgt, g.coreW
}

// EdgeWeight returns the time of the cheapest edge u -> v, if there is one.
// It scans u's out-edges (a handful on a road graph), sorted by head.
func (g *Graph) EdgeWeight(u, v NodeID) (Seconds, bool) {
	for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
		if g.targets[e] == v {
			return g.weights[e], true // rows are sorted by head, then time
		}
	}
	return 0, false
}

// chainNeighbours returns the nodes before and after interior node v on its chain.
func (g *Graph) chainNeighbours(c int, v NodeID) (prev, next NodeID) {
	first, end, a, b := g.Chain(c)
	prev, next = v-1, v+1
	if v == first {
		prev = a
	}
	if v == end-1 {
		next = b
	}
	return prev, next
}

// buildCore checks the chain table against the edges and derives the core
// graph. It fails when the table does not describe the graph (a corrupt file).
func (g *Graph) buildCore() error {
	if err := g.checkChains(); err != nil {
		return err
	}
	g.setCore(g.deriveCore())
	return nil
}

// coreArrays are the arrays derived from the edges and the chain table:
// what a graph file of version 3 stores so that Open derives nothing.
type coreArrays struct {
	bucket []uint32
	off    []uint32
	tgt    []NodeID
	w      []Seconds
	hint   []uint8
}

func (g *Graph) setCore(a coreArrays) {
	g.chainBucket, g.coreOff, g.coreTgt, g.coreW, g.chainHint = a.bucket, a.off, a.tgt, a.w, a.hint
}

func (g *Graph) coreArrays() coreArrays {
	return coreArrays{g.chainBucket, g.coreOff, g.coreTgt, g.coreW, g.chainHint}
}

// checkStoredCore checks the core arrays read from a file against the ones
// the edges and the chain table imply (bit for bit).
func (g *Graph) checkStoredCore() error {
	stored := g.coreArrays()
	if err := g.checkChains(); err != nil { // sets the derived lookup buckets
		return err
	}
	want := g.deriveCore()
	switch {
	case !slices.Equal(stored.bucket, want.bucket):
		return errors.New("stored chain lookup does not match the chain table")
	case !slices.Equal(stored.off, want.off) || !slices.Equal(stored.tgt, want.tgt) || !sameTimes(stored.w, want.w):
		return errors.New("stored core graph does not match the edges")
	case !slices.Equal(stored.hint, want.hint):
		return errors.New("stored chain hints do not match the edges")
	}
	g.setCore(stored)
	return nil
}

// sameTimes reports whether a and b hold the same times bit for bit.
func sameTimes(a, b []Seconds) bool {
	return slices.EqualFunc(a, b, func(x, y Seconds) bool { return math.Float64bits(float64(x)) == math.Float64bits(float64(y)) })
}

// checkChains checks the chain table against the edges: every chain
// interior node is joined to its two chain neighbours only.
func (g *Graph) checkChains() error {
	n, nc := uint32(g.NumNodes()), g.nCore
	k := len(g.chainA)
	if nc > n || nc == 0 || len(g.chainStart) != k+1 || len(g.chainB) != k {
		return fmt.Errorf("chain table of %d chains does not fit %d core of %d nodes", k, nc, n)
	}
	if g.chainStart[0] != nc || g.chainStart[k] != n {
		return fmt.Errorf("chains cover nodes %d..%d, want %d..%d", g.chainStart[0], g.chainStart[k], nc, n)
	}
	for c := 0; c < k; c++ {
		if g.chainStart[c] >= g.chainStart[c+1] {
			return fmt.Errorf("chain %d is empty or out of order", c)
		}
		if uint32(g.chainA[c]) >= nc || uint32(g.chainB[c]) >= nc {
			return fmt.Errorf("chain %d ends at a node that is not core", c)
		}
	}
	g.chainBucket = chainBuckets(g.chainStart, nc, n)
	// Every edge that touches an interior node joins it to its chain neighbours.
	for u := uint32(0); u < n; u++ {
		for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
			v := uint32(g.targets[e])
			if u == v {
				return fmt.Errorf("self-loop at node %d", u)
			}
			for _, x := range [2][2]uint32{{u, v}, {v, u}} {
				if x[0] < nc {
					continue
				}
				c := g.ChainOf(NodeID(x[0]))
				prev, next := g.chainNeighbours(c, NodeID(x[0]))
				if NodeID(x[1]) != prev && NodeID(x[1]) != next {
					return fmt.Errorf("edge %d->%d leaves chain %d", u, v, c)
				}
			}
		}
	}
	return nil
}

// chainBuckets returns the lookup buckets of ChainOf: the chain of each
// bucket's first node.
func chainBuckets(chainStart []uint32, nc, n uint32) []uint32 {
	k := len(chainStart) - 1
	bucket := make([]uint32, (n-nc)>>chainBucketShift+1)
	for c, b := 0, 0; b < len(bucket); b++ {
		x := nc + uint32(b)<<chainBucketShift
		for c+1 < len(chainStart) && chainStart[c+1] <= x {
			c++
		}
		bucket[b] = uint32(min(c, max(k-1, 0)))
	}
	return bucket
}

// deriveCore derives the core rows (direct core-to-core edges, then one
// shortcut per chain direction) from a checked chain table (g.chainBucket
// set).
func (g *Graph) deriveCore() coreArrays {
	nc := g.nCore
	a := coreArrays{bucket: g.chainBucket, off: make([]uint32, nc+1)}
	for u := NodeID(0); uint32(u) < nc; u++ {
		for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
			v := g.targets[e]
			if uint32(v) < nc {
				a.tgt = append(a.tgt, v)
				a.w = append(a.w, g.weights[e])
				continue
			}
			if e > g.offsets[u] && g.targets[e-1] == v {
				continue // a dearer parallel edge into the chain
			}
			c := g.ChainOf(v)
			first, end, ca, cb := g.Chain(c)
			if v == first && ca == u {
				if to, w, ok := g.drive(c, u, first, end, 1); ok && to != u {
					a.tgt = append(a.tgt, to)
					a.w = append(a.w, g.weights[e]+w)
				}
			}
			if v == end-1 && cb == u {
				if to, w, ok := g.drive(c, u, end-1, first-1, -1); ok && to != u {
					a.tgt = append(a.tgt, to)
					a.w = append(a.w, g.weights[e]+w)
				}
			}
		}
		a.off[u+1] = uint32(len(a.tgt))
	}
	if a.tgt == nil {
		a.tgt, a.w = []NodeID{}, []Seconds{}
	}
	nc32 := NodeID(nc)
	a.hint = make([]uint8, 2*(uint32(g.NumNodes())-nc))
	for c := range g.chainA {
		first, end, ca, cb := g.Chain(c)
		for x := first; x < end; x++ {
			prev, next := x-1, x+1
			if x == first {
				prev = ca
			}
			if x == end-1 {
				next = cb
			}
			i := 2 * int(x-nc32)
			a.hint[i], a.hint[i+1] = g.rowPos(prev, x), g.rowPos(next, x)
		}
	}
	return a
}

// NoHint is a chain hint that says: look the edge up (EdgeWeight).
const NoHint = 255

// rowPos returns where the edge EdgeWeight(u, v) takes sits in u's row, or
// NoHint (no edge, or too far into the row for a byte).
func (g *Graph) rowPos(u, v NodeID) uint8 {
	if e := g.edgeTo(u, v); e != NoEdge && uint32(e)-g.offsets[u] < NoHint {
		return uint8(uint32(e) - g.offsets[u])
	}
	return NoHint
}

// edgeTo returns the edge EdgeWeight(u, v) takes, or NoEdge.
func (g *Graph) edgeTo(u, v NodeID) EdgeID {
	for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
		if g.targets[e] == v {
			return EdgeID(e)
		}
	}
	return NoEdge
}

// edgeTime is EdgeWeight's time, or +Inf when there is no edge.
func (g *Graph) edgeTime(u, v NodeID) Seconds {
	if w, ok := g.EdgeWeight(u, v); ok {
		return w
	}
	return Seconds(math.Inf(1))
}

// ChainInTimes returns the in-times of chain c's interior nodes, in chain
// order, in inA and inB (reused when long enough): inA[i] is the time of
// the edge into the i-th node from its neighbour on the A side, inB[i] from
// its neighbour on the B side, +Inf where the chain cannot be driven that
// way; EdgeWeight's times (the cheapest of parallel edges), found through
// ChainHints without scanning a row.
func (g *Graph) ChainInTimes(c int, inA, inB []Seconds) ([]Seconds, []Seconds) {
	first, end, a, b := g.Chain(c)
	n := int(end - first)
	if cap(inA) < n {
		inA, inB = make([]Seconds, n, 2*n), make([]Seconds, n, 2*n)
	}
	inA, inB = inA[:n], inB[:n]
	hint := g.chainHint[2*int(first-NodeID(g.nCore)) : 2*int(end-NodeID(g.nCore))]
	for i := 0; i < n; i++ {
		x := first + NodeID(i)
		prev, next := x-1, x+1
		if i == 0 {
			prev = a
		}
		if i == n-1 {
			next = b
		}
		inA[i] = g.hinted(prev, x, hint[2*i])
		inB[i] = g.hinted(next, x, hint[2*i+1])
	}
	return inA, inB
}

// ChainHints returns the chain hints by interior index i = v−NumCore(), two
// a node: at 2i where the edge into v from its neighbour on the A side (v−1,
// or the chain's A end) sits in that neighbour's row, at 2i+1 where the
// edge from its neighbour on the B side sits in that one's row; NoHint where
// there is no such edge or it must be looked up (EdgeWeight). The slice
// belongs to the graph.
func (g *Graph) ChainHints() []uint8 { return g.chainHint }

// hinted returns the time of the edge u→v at position h of u's row.
func (g *Graph) hinted(u, v NodeID, h uint8) Seconds {
	if h != NoHint {
		return g.weights[g.offsets[u]+uint32(h)]
	}
	return g.edgeTime(u, v)
}

// drive follows chain c from interior node from (entered from core node
// entry) in direction step (+1 towards b, -1 towards a) to the core node at
// the far end. It returns that node and the time from `from` to it, if every
// edge on the way exists.
func (g *Graph) drive(c int, entry, from, stop NodeID, step int) (NodeID, Seconds, bool) {
	_, _, a, b := g.Chain(c)
	far := b
	if step < 0 {
		far = a
	}
	var sum Seconds
	prev := from
	for v := NodeID(int(from) + step); v != stop; v = NodeID(int(v) + step) {
		w, ok := g.EdgeWeight(prev, v)
		if !ok {
			return 0, 0, false
		}
		sum += w
		prev = v
	}
	w, ok := g.EdgeWeight(prev, far)
	if !ok {
		return 0, 0, false
	}
	_ = entry
	return far, sum + w, true
}

// ChainExit follows the chain of interior node v to its B end (toB) or its
// A end, and returns that core node and the travel time from v to it, when
// every edge on the way exists in that direction.
func (g *Graph) ChainExit(v NodeID, toB bool) (NodeID, Seconds, bool) {
	c := g.ChainOf(v)
	first, end, _, _ := g.Chain(c)
	if toB {
		return g.drive(c, v, v, end, 1)
	}
	return g.drive(c, v, v, first-1, -1)
}
