package graph

import (
	"fmt"
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
	// The lookup buckets of ChainOf: the chain of each bucket's first node.
	g.chainBucket = make([]uint32, (n-nc)>>chainBucketShift+1)
	for c, b := 0, 0; b < len(g.chainBucket); b++ {
		x := nc + uint32(b)<<chainBucketShift
		for c+1 < len(g.chainStart) && g.chainStart[c+1] <= x {
			c++
		}
		g.chainBucket[b] = uint32(min(c, max(k-1, 0)))
	}
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
	// The core rows: direct core-to-core edges, then the shortcuts.
	g.coreOff = make([]uint32, nc+1)
	g.coreTgt = g.coreTgt[:0]
	g.coreW = g.coreW[:0]
	for u := NodeID(0); uint32(u) < nc; u++ {
		for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
			v := g.targets[e]
			if uint32(v) < nc {
				g.coreTgt = append(g.coreTgt, v)
				g.coreW = append(g.coreW, g.weights[e])
				continue
			}
			if e > g.offsets[u] && g.targets[e-1] == v {
				continue // a dearer parallel edge into the chain
			}
			c := g.ChainOf(v)
			first, end, a, b := g.Chain(c)
			if v == first && a == u {
				if to, w, ok := g.drive(c, u, first, end, 1); ok && to != u {
					g.coreTgt = append(g.coreTgt, to)
					g.coreW = append(g.coreW, g.weights[e]+w)
				}
			}
			if v == end-1 && b == u {
				if to, w, ok := g.drive(c, u, end-1, first-1, -1); ok && to != u {
					g.coreTgt = append(g.coreTgt, to)
					g.coreW = append(g.coreW, g.weights[e]+w)
				}
			}
		}
		g.coreOff[u+1] = uint32(len(g.coreTgt))
	}
	return nil
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
