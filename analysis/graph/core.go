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
	bucket             []uint32
	off                []uint32
	tgt                []NodeID
	w                  []Seconds
	chainInA, chainInB []Seconds
}

func (g *Graph) setCore(a coreArrays) {
	g.chainBucket, g.coreOff, g.coreTgt, g.coreW, g.chainInA, g.chainInB = a.bucket, a.off, a.tgt, a.w, a.chainInA, a.chainInB
}

func (g *Graph) coreArrays() coreArrays {
	return coreArrays{g.chainBucket, g.coreOff, g.coreTgt, g.coreW, g.chainInA, g.chainInB}
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
	case !sameTimes(stored.chainInA, want.chainInA) || !sameTimes(stored.chainInB, want.chainInB):
		return errors.New("stored chain times do not match the edges")
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
// shortcut per chain direction) and the chain in-times from a checked
// chain table (g.chainBucket set).
func (g *Graph) deriveCore() coreArrays {
	n, nc := uint32(g.NumNodes()), g.nCore
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
	// The chain in-times: what a pass along each chain adds, in chain order.
	a.chainInA = make([]Seconds, n-nc)
	a.chainInB = make([]Seconds, n-nc)
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
			a.chainInA[x-NodeID(nc)] = g.edgeTime(prev, x)
			a.chainInB[x-NodeID(nc)] = g.edgeTime(next, x)
		}
	}
	return a
}

// edgeTime is EdgeWeight's time, or +Inf when there is no edge.
func (g *Graph) edgeTime(u, v NodeID) Seconds {
	if w, ok := g.EdgeWeight(u, v); ok {
		return w
	}
	return Seconds(math.Inf(1))
}

// ChainTimes returns the chain in-times by interior index v−NumCore(): the
// time of the edge into chain node v from its neighbour on the A side
// (inA) and on the B side (inB), +Inf where the chain cannot be driven
// that way. A pass along a chain reads them in order. They belong to the
// graph.
func (g *Graph) ChainTimes() (inA, inB []Seconds) { return g.chainInA, g.chainInB }

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
