package graph

import (
	"fmt"
	"math"
)

// Reweighted returns g with every edge's time multiplied by factor(e), a
// finite number > 0: the time of day's speeds on the same roads. Unlike
// Modified it drops no edge, so everything but the times is shared with g
// (read-only): nodes, edges, ways, components, chains and the snap index;
// only the edge times and the core graph's chain sums are new. Cost: one
// pass over the edges and one over the core, no OSM read, no component or
// index rebuild. g is not changed; both are safe for concurrent use.
func (g *Graph) Reweighted(factor func(EdgeID) float64) (*Graph, error) {
	m := &Graph{
		meta: g.meta, offsets: g.offsets, targets: g.targets, edgeWay: g.edgeWay,
		osmIDs: g.osmIDs, latE7: g.latE7, lonE7: g.lonE7, wayIDs: g.wayIDs, comp: g.comp, cSize: g.cSize, bound: g.bound,
		nCore: g.nCore, chainStart: g.chainStart, chainA: g.chainA, chainB: g.chainB,
		weights: make([]Seconds, len(g.weights)),
	}
	for e, w := range g.weights {
		f := factor(EdgeID(e))
		if !(f > 0) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("graph: time factor %v for edge %d, want a finite number > 0", f, e)
		}
		m.weights[e] = Seconds(float64(w) * f)
	}
	if err := m.buildCore(); err != nil {
		return nil, fmt.Errorf("graph: %w", err)
	}
	// The snap index, the component sizes and the OSM id lookup depend on
	// the geometry and the topology only: share g's.
	m.snapOnce.Do(func() { m.snap = g.snapper() })
	m.largestOnce.Do(func() { m.largest = g.LargestComponentSize() })
	return m, nil
}
