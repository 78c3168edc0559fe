package graph

import (
	"fmt"
	"math"
)

// Modified returns a new graph for a what-if scenario: g's edges less those
// for which drop returns true, with the others' times multiplied by
// factor(e) (nil: unchanged). Nodes, their ids and order, and the chain
// table are kept, so a NodeID means the same node in both graphs; the core
// graph, the components and the indexes are rebuilt. g is not changed. Cost:
// one pass over the edges, no OSM re-read.
func (g *Graph) Modified(drop func(EdgeID) bool, factor func(EdgeID) float64) (*Graph, error) {
	n := g.NumNodes()
	m := &Graph{
		meta: g.meta, osmIDs: g.osmIDs, latE7: g.latE7, lonE7: g.lonE7, wayIDs: g.wayIDs, bound: g.bound,
		nCore: g.nCore, chainStart: g.chainStart, chainA: g.chainA, chainB: g.chainB,
		offsets: make([]uint32, n+1),
		targets: make([]NodeID, 0, len(g.targets)),
		weights: make([]Seconds, 0, len(g.weights)),
		edgeWay: make([]uint32, 0, len(g.edgeWay)),
	}
	for u := 0; u < n; u++ {
		for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
			if drop != nil && drop(EdgeID(e)) {
				continue
			}
			w := g.weights[e]
			if factor != nil {
				f := factor(EdgeID(e))
				if !(f > 0) || math.IsInf(f, 0) {
					return nil, fmt.Errorf("graph: speed factor %v for edge %d, want a finite number > 0", f, e)
				}
				w = Seconds(float64(w) * f)
			}
			m.targets = append(m.targets, g.targets[e])
			m.weights = append(m.weights, w)
			m.edgeWay = append(m.edgeWay, g.edgeWay[e])
		}
		m.offsets[u+1] = uint32(len(m.targets))
	}
	m.comp, m.cSize = stronglyConnected(m)
	if err := m.buildCore(); err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	return m, nil
}

// Tail returns the node edge e leaves (a binary search over the rows).
func (g *Graph) Tail(e EdgeID) NodeID {
	lo, hi := 0, g.NumNodes()
	for lo < hi {
		mid := (lo + hi) / 2
		if g.offsets[mid+1] <= uint32(e) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return NodeID(lo)
}
