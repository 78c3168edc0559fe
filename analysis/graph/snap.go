package graph

import (
	"errors"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/geo"
)

// Snapping defaults.
const (
	// DefaultSnapDistanceM is how far from a road a point may lie and still
	// be placed on it; farther points are reported, never silently moved.
	DefaultSnapDistanceM = 500.0
	// DefaultMinComponent is the smallest strongly connected component a
	// point may snap into. The largest component always qualifies. Smaller
	// ones are one-way traps (Malta's Floriana station snaps, by nearest
	// vertex, into an 8-node parking loop with no exit) or fragments; OSRM
	// uses the same idea with its "small component" size of 1000. A real
	// island network (Gozo, about 9,000 nodes) stays snappable.
	DefaultMinComponent = 1000
)

// SnapOptions tune Snap. The zero value means the defaults above.
type SnapOptions struct {
	MaxDistanceM float64 // <= 0 means DefaultSnapDistanceM
	MinComponent int     // <= 0 means DefaultMinComponent
}

// A Snap places a point on the road graph: on the segment of edge Edge (from
// Tail to Head) at Fraction of its length from Tail.
type Snap struct {
	Edge      EdgeID    // a directed edge along the segment
	Tail      NodeID    // the node Edge leaves
	Twin      EdgeID    // the edge Head -> Tail along the same segment, or NoEdge on a one-way road
	Fraction  float64   // 0 at Tail, 1 at Head
	Point     orb.Point // the snapped position, [lon, lat]
	DistanceM float64   // straight-line distance from the input point to Point, metres
}

// ErrNoRoad is wrapped by the errors Snap returns when no usable road lies
// within the snap distance.
var ErrNoRoad = errors.New("graph: no road within snap distance")

// SnapError says why a point could not be snapped.
type SnapError struct {
	Point        orb.Point
	MaxDistanceM float64
	// TrapDistanceM and TrapSize describe the nearest road that was refused
	// because it lies in a small cut-off component (0 when there was none).
	TrapDistanceM float64
	TrapSize      int
}

func (e *SnapError) Error() string {
	if e.TrapSize > 0 {
		return fmt.Sprintf("point %.7f,%.7f: the only road within %.0f m (%.1f m away) is in a %d-node part of the network that is cut off from the rest (a one-way trap or a fragment)",
			e.Point[0], e.Point[1], e.MaxDistanceM, e.TrapDistanceM, e.TrapSize)
	}
	return fmt.Sprintf("point %.7f,%.7f: no road within %.0f m", e.Point[0], e.Point[1], e.MaxDistanceM)
}

func (e *SnapError) Unwrap() error { return ErrNoRoad }

type snapIndex struct {
	ix     *geo.SegmentIndex
	edge   []EdgeID
	tail   []NodeID
	places map[place][]NodeID // nodes at the places of copies (snap_copies.go)
}

func (g *Graph) snapper() *snapIndex {
	g.snapOnce.Do(func() {
		s := &snapIndex{places: g.copyPlaces()}
		// Every road segment once: two passes, to allocate exactly.
		each := func(f func(e EdgeID, u NodeID)) {
			for u := 0; u < g.NumNodes(); u++ {
				for e := g.offsets[u]; e < g.offsets[u+1]; e++ {
					v := g.targets[e]
					if v == NodeID(u) {
						continue
					}
					if e > g.offsets[u] && g.targets[e-1] == v {
						continue // a dearer parallel edge: the row is sorted by head, then time
					}
					if NodeID(u) > v {
						if _, twin := g.Edge(v, NodeID(u)); twin {
							continue // indexed from the other side
						}
					}
					if s.places != nil {
						if g.private(NodeID(u)) {
							continue // a private copy of a road (via-way restriction): the public one is indexed
						}
						if g.junctionEdge(NodeID(u), v) {
							continue // inside a split junction: zero length, the roads out of it are indexed
						}
						if _, twin := g.Edge(v, NodeID(u)); !twin {
							if tw, ok := g.twinByPlace(s.places, EdgeID(e), NodeID(u)); ok && tw < EdgeID(e) {
								continue // indexed from the other side, whose ends are copies
							}
						}
					}
					f(EdgeID(e), NodeID(u))
				}
			}
		}
		k := 0
		each(func(EdgeID, NodeID) { k++ })
		s.edge, s.tail = make([]EdgeID, 0, k), make([]NodeID, 0, k)
		each(func(e EdgeID, u NodeID) {
			s.edge = append(s.edge, e)
			s.tail = append(s.tail, u)
		})
		// The segments are read from the graph's coordinates (8 bytes a
		// segment here, not a copy of its 32 bytes of end points).
		s.ix = geo.NewSegmentIndexFunc(len(s.edge), func(i int) geo.Segment {
			return geo.Segment{A: g.Point(s.tail[i]), B: g.Point(g.targets[s.edge[i]])}
		}, 0)
		g.snap = s
	})
	return g.snap
}

// Snap places p ([lon, lat]) on the nearest point of the nearest road whose
// both ends lie in a large strongly connected component (see
// DefaultMinComponent), so that a snapped point can both reach and be reached
// from the rest of the network. It returns a *SnapError wrapping ErrNoRoad
// when there is no such road within the snap distance. Safe for concurrent use.
func (g *Graph) Snap(p orb.Point, opt SnapOptions) (Snap, error) {
	maxM := opt.MaxDistanceM
	if maxM <= 0 {
		maxM = DefaultSnapDistanceM
	}
	minComp := opt.MinComponent
	if minComp <= 0 {
		minComp = DefaultMinComponent
	}
	minComp = min(minComp, g.LargestComponentSize())
	s := g.snapper()
	major := func(i int) bool {
		u, v := s.tail[i], g.targets[s.edge[i]]
		return g.comp[u] == g.comp[v] && int(g.cSize[g.comp[u]]) >= minComp
	}
	hit, ok := s.ix.Nearest(p, maxM, major)
	if !ok {
		se := &SnapError{Point: p, MaxDistanceM: maxM}
		if trap, ok := s.ix.Nearest(p, maxM, nil); ok {
			u := s.tail[trap.Seg]
			se.TrapDistanceM, se.TrapSize = trap.DistanceM, int(g.cSize[g.comp[u]])
		}
		return Snap{}, se
	}
	e := s.edge[hit.Seg]
	u := s.tail[hit.Seg]
	twin, ok := g.Edge(g.targets[e], u)
	if !ok || (s.places != nil && g.private(g.targets[e])) {
		if twin, ok = g.twinByPlace(s.places, e, u); !ok {
			twin = NoEdge
		}
	}
	return Snap{Edge: e, Tail: u, Twin: twin, Fraction: hit.Fraction, Point: hit.Point, DistanceM: hit.DistanceM}, nil
}
