package study

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/geo"
)

// gatedBases warns about bases that closed barriers keep off their own
// road: a station behind its own gate. The barrier rules close a gate to
// every vehicle unless its tags open it, so a station's gate without
// emergency=yes cuts the station's road off, and the station is placed on
// the main network farther away (at the gate's outer side, say). Each note
// names the base, the barrier nodes that cut its road off (with their
// distance from the base), how far its road is against how far it is
// placed, and the fix.
func gatedBases(g *graph.Graph, bases []coverage.Base, opt graph.SnapOptions) []*summary.Message {
	if g == nil || g.Meta().Stats["barriers_applied"] == 0 {
		return nil
	}
	minPart := opt.MinComponent
	if minPart <= 0 {
		minPart = graph.DefaultMinComponent
	}
	minPart = min(minPart, g.LargestComponentSize())
	var notes []*summary.Message
	gf := &gateFinder{g: g, minPart: minPart}
	for _, b := range bases {
		if b.OSMNode != 0 {
			continue // pinned to a node, not snapped
		}
		sn, err := g.Snap(b.Loc, opt)
		if err != nil {
			continue // unplaced: reported as such
		}
		road, cuts := gf.gatedRoad(b.Loc, sn.DistanceM+1)
		if len(cuts) == 0 || road >= sn.DistanceM-1 {
			continue
		}
		var at []*summary.Message
		for k, c := range cuts {
			key := "note.gate_at_first"
			if k > 0 {
				key = "note.gate_at_next"
			}
			at = append(at, summary.NewMessage(key, "node", strconv.FormatInt(c.osmID, 10), "m", fmt.Sprintf("%.0f", geo.Haversine(b.Loc, c.p))))
		}
		name := b.ID
		if b.Name != "" && b.Name != b.ID {
			name += " (" + b.Name + ")"
		}
		notes = append(notes, summary.NewMessage("note.gated_base", "base", name, "road", fmt.Sprintf("%.1f", road), "moved", fmt.Sprintf("%.1f", sn.DistanceM)).With("at", at...))
	}
	return notes
}

type barrierCut struct {
	osmID int64
	p     orb.Point
}

// gatedRoad finds the roads near p that closed barriers cut off from the
// network: the parts too small to snap into (below minPart nodes) that meet
// a closed barrier within radius metres of p, and every small part linked
// to them by an edge either way or through another barrier (the lane
// between two gates). A closed barrier splits the road into a node per side
// at one place (the OSM node and copies with negative ids) with no edge
// between them, while a turn restriction's copies and stubs are joined by
// edges of zero length. It returns the distance from p to the nearest road
// of those parts and the barriers they meet, nearest first (no barrier:
// nothing is cut off near p).
func (gf *gateFinder) gatedRoad(p orb.Point, radius float64) (float64, []barrierCut) {
	g, minPart, key := gf.g, gf.minPart, gf.key
	small := func(u graph.NodeID) bool { _, size := g.Component(u); return size < minPart }
	joined := func(a, b graph.NodeID) bool {
		_, ab := g.Edge(a, b)
		_, ba := g.Edge(b, a)
		return ab || ba
	}
	shared := gf.places()
	if len(shared) == 0 {
		return 0, nil
	}
	// isCut: a barrier's place, whose nodes fall apart into groups that no
	// edge at the place joins (a split junction's copies all reach its
	// stubs, so they form one group).
	isCut := func(nodes []graph.NodeID) bool {
		group := make([]int, len(nodes))
		for i := range group {
			group[i] = i
		}
		find := func(i int) int {
			for group[i] != i {
				i = group[i]
			}
			return i
		}
		for i, a := range nodes {
			for j, b := range nodes[:i] {
				if joined(a, b) {
					group[find(i)] = find(j)
				}
			}
		}
		for i := range nodes {
			if find(i) != find(0) {
				return true
			}
		}
		return false
	}
	region := map[graph.NodeID]bool{}
	var queue []graph.NodeID
	visit := func(u graph.NodeID) {
		if !region[u] && small(u) {
			region[u] = true
			queue = append(queue, u)
		}
	}
	degLat := radius/111_000 + 1e-6
	for k, nodes := range shared {
		if lat := float64(k.lat) / 1e7; lat < p[1]-degLat || lat > p[1]+degLat {
			continue // far north or south: skip the distance
		}
		if geo.Haversine(p, g.Point(nodes[0])) <= radius && isCut(nodes) {
			for _, u := range nodes {
				visit(u)
			}
		}
	}
	if len(queue) == 0 {
		return 0, nil
	}
	if gf.rev == nil {
		gf.rev = g.Reverse()
	}
	rev := gf.rev
	cutAt := map[place]bool{}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, h := range []*graph.Graph{g, rev} {
			for e := h.FirstEdge(u); e < h.FirstEdge(u+1); e++ {
				visit(h.Head(e))
			}
		}
		if nodes := shared[key(u)]; len(nodes) > 1 && isCut(nodes) {
			cutAt[key(u)] = true
			for _, w := range nodes {
				visit(w)
			}
		}
	}
	var segs []geo.Segment
	for u := range region {
		for e := g.FirstEdge(u); e < g.FirstEdge(u+1); e++ {
			if v := g.Head(e); region[v] && g.Point(u) != g.Point(v) {
				segs = append(segs, geo.Segment{A: g.Point(u), B: g.Point(v)})
			}
		}
	}
	if len(segs) == 0 {
		return 0, nil
	}
	hit, ok := geo.NewSegmentIndex(segs, 0).Nearest(p, radius, nil)
	if !ok {
		return 0, nil
	}
	var cuts []barrierCut
	for k := range cutAt {
		for _, u := range shared[k] {
			if id := g.OSMID(u); id > 0 {
				cuts = append(cuts, barrierCut{osmID: id, p: g.Point(u)})
			}
		}
	}
	slices.SortFunc(cuts, func(a, b barrierCut) int {
		return cmp.Or(cmp.Compare(geo.Haversine(p, a.p), geo.Haversine(p, b.p)), cmp.Compare(a.osmID, b.osmID))
	})
	return hit.DistanceM, cuts
}

// gateFinder holds what gatedRoad needs of the graph, made once for all
// the bases.
type gateFinder struct {
	g       *graph.Graph
	minPart int
	shared  map[place][]graph.NodeID
	rev     *graph.Graph
}

type place struct{ lon, lat int32 }

func (gf *gateFinder) key(u graph.NodeID) place {
	q := gf.g.Point(u)
	return place{int32(q[0]*1e7 + 0.5*sign(q[0])), int32(q[1]*1e7 + 0.5*sign(q[1]))}
}

// places returns every place holding a copy (a node with a negative id),
// with all its nodes.
func (gf *gateFinder) places() map[place][]graph.NodeID {
	if gf.shared != nil {
		return gf.shared
	}
	gf.shared = map[place][]graph.NodeID{}
	for u := 0; u < gf.g.NumNodes(); u++ {
		if gf.g.OSMID(graph.NodeID(u)) < 0 {
			gf.shared[gf.key(graph.NodeID(u))] = nil
		}
	}
	for u := 0; u < gf.g.NumNodes(); u++ {
		if l, ok := gf.shared[gf.key(graph.NodeID(u))]; ok {
			gf.shared[gf.key(graph.NodeID(u))] = append(l, graph.NodeID(u))
		}
	}
	return gf.shared
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}
