package graph

// Copies of a node: the road graph may hold several nodes at one place, all
// but one with a negative OSM id. A closed barrier ends each road segment
// touching it at a node of its own; a turn restriction splits its via node
// into one copy per set of allowed turns, and starts each road leaving it at
// a stub node reached by an edge of zero time. So a two-way road segment
// next to a split via node has its two directed edges between different
// nodes: the edge into the junction ends at a copy, the edge out of it
// starts at a stub. Snapping pairs them by place instead of by node, and
// leaves the zero-length edges inside a junction out (a point near the
// junction snaps onto a road leaving it, which every copy reaches).

// PrivateCopyID is the highest id of a private copy: the nodes of a path
// that only one road enters (a via-way turn restriction copies its via way
// so that traffic from its from way cannot take the forbidden exit). Their
// edges duplicate the public road's, so snapping never places a point on an
// edge leaving one; barrier and junction copies count down from -1.
const PrivateCopyID = -1 << 40

type place struct{ lon, lat int32 }

func (g *Graph) private(v NodeID) bool { return g.osmIDs[v] <= PrivateCopyID }

// copyPlaces lists the nodes at each place that holds a copy (nil when the
// graph has none).
func (g *Graph) copyPlaces() map[place][]NodeID {
	var m map[place][]NodeID
	for v, id := range g.osmIDs {
		if id < 0 {
			if m == nil {
				m = map[place][]NodeID{}
			}
			m[place{g.lonE7[v], g.latE7[v]}] = nil
		}
	}
	if m == nil {
		return nil
	}
	for v := range g.osmIDs {
		p := place{g.lonE7[v], g.latE7[v]}
		if l, ok := m[p]; ok {
			m[p] = append(l, NodeID(v))
		}
	}
	return m
}

func (g *Graph) placeOf(v NodeID) place { return place{g.lonE7[v], g.latE7[v]} }

// junctionEdge tells an edge of zero length between a node and its copy.
func (g *Graph) junctionEdge(u, v NodeID) bool {
	return g.placeOf(u) == g.placeOf(v) && (g.osmIDs[u] < 0 || g.osmIDs[v] < 0)
}

// twinByPlace finds the edge back along the segment of edge e (tail u) when
// either end's place holds copies: an edge from a node at e's head's place to a node at
// u's place, of the same way if there is one, else the fastest.
func (g *Graph) twinByPlace(places map[place][]NodeID, e EdgeID, u NodeID) (EdgeID, bool) {
	h := g.targets[e]
	if places == nil {
		return NoEdge, false
	}
	if _, ok := places[g.placeOf(u)]; !ok {
		if _, ok := places[g.placeOf(h)]; !ok {
			return NoEdge, false // no copy at either end
		}
	}
	// Prefer a public tail, then the same way, then the fastest.
	better := func(f EdgeID, same bool, best EdgeID, bestSame bool) bool {
		if best == NoEdge {
			return true
		}
		if pf, pb := g.private(g.Tail(f)), g.private(g.Tail(best)); pf != pb {
			return !pf
		}
		if same != bestSame {
			return same
		}
		return g.weights[f] < g.weights[best]
	}
	from, want := places[g.placeOf(h)], g.placeOf(u)
	if from == nil {
		from = []NodeID{h}
	}
	best, bestSame := NoEdge, false
	for _, a := range from {
		for f := g.offsets[a]; f < g.offsets[a+1]; f++ {
			b := g.targets[f]
			if g.placeOf(b) != want || g.placeOf(b) == g.placeOf(a) {
				continue
			}
			same := g.edgeWay[f] == g.edgeWay[e]
			if better(EdgeID(f), same, best, bestSame) {
				best, bestSame = EdgeID(f), same
			}
		}
	}
	return best, best != NoEdge
}

// TwinEnds returns the tail and head of a snap's twin edge: the head and
// the tail of its edge, unless the segment ends at copies of a node (see
// above). It must not be called with Twin == NoEdge.
func (g *Graph) TwinEnds(sn Snap) (tail, head NodeID) {
	h := g.targets[sn.Edge]
	if g.targets[sn.Twin] == sn.Tail && g.offsets[h] <= uint32(sn.Twin) && uint32(sn.Twin) < g.offsets[h+1] {
		return h, sn.Tail
	}
	return g.Tail(sn.Twin), g.targets[sn.Twin]
}

// SnapNodes returns the nodes a snapped point's edges touch: the tail and
// head of its edge, then those of its twin that differ (n is 2 to 4).
func (g *Graph) SnapNodes(sn Snap) (nodes [4]NodeID, n int) {
	nodes[0], nodes[1], n = sn.Tail, g.targets[sn.Edge], 2
	if sn.Twin != NoEdge {
		if t, h := g.TwinEnds(sn); t != nodes[1] || h != sn.Tail {
			for _, v := range [2]NodeID{t, h} {
				if v != nodes[0] && v != nodes[1] {
					nodes[n] = v
					n++
				}
			}
		}
	}
	return nodes, n
}
