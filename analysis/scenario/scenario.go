// Package scenario changes the world a study runs in: roads closed (by OSM
// way, or every road inside polygons such as a flood extent) and speeds
// scaled inside areas (rain, night, congestion). It applies the changes to
// a built graph (graph.Modified): no OpenStreetMap file is read again.
package scenario

import (
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// A Scenario is a set of changes to the road network.
type Scenario struct {
	Name string
	// CloseWays closes every edge built from these OSM ways.
	CloseWays []int64
	// CloseAreas closes every edge whose midpoint lies inside one of these
	// polygons ([lon, lat]).
	CloseAreas []orb.MultiPolygon
	// Slow multiplies the travel time of the edges whose midpoint lies in
	// Area by Factor (> 1 slower: 1/0.78 for night driving).
	Slow []Slowdown
}

// A Slowdown scales travel times inside an area.
type Slowdown struct {
	Area   orb.MultiPolygon
	Factor float64
}

// Report says what a scenario touched.
type Report struct {
	ClosedEdges, SlowedEdges int
	UnknownWays              []int64 // ways of CloseWays not in the graph, in CloseWays' order
	AreasMissing             []int   // CloseAreas that hold no edge of the graph
}

// ErrNoChange is returned when a scenario changes nothing at all.
var ErrNoChange = errors.New("scenario: changes no road of the graph")

// Apply returns the graph with the scenario's changes, and what changed.
// An area that holds no edge is reported (and the whole scenario refused
// with ErrNoChange when nothing changes), so a polygon drawn in the wrong
// place is not silently ignored.
func Apply(g *graph.Graph, s Scenario) (*graph.Graph, Report, error) {
	var rep Report
	for _, sl := range s.Slow {
		if !(sl.Factor > 0) || math.IsInf(sl.Factor, 0) {
			return nil, rep, fmt.Errorf("scenario %s: slowdown factor %v, want a finite number > 0", s.Name, sl.Factor)
		}
	}
	closedWay := map[int64]bool{}
	for _, w := range s.CloseWays {
		closedWay[w] = false
	}
	mid := func(e graph.EdgeID) orb.Point {
		a, b := g.Point(g.Tail(e)), g.Point(g.Head(e))
		return orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
	}
	areaHit := make([]bool, len(s.CloseAreas))
	drop := make([]bool, g.NumEdges())
	factor := make([]float64, g.NumEdges())
	for e := graph.EdgeID(0); int(e) < g.NumEdges(); e++ {
		factor[e] = 1
		if _, ok := closedWay[g.WayID(e)]; ok {
			closedWay[g.WayID(e)] = true
			drop[e] = true
		}
		if len(s.CloseAreas) == 0 && len(s.Slow) == 0 {
			continue
		}
		p := mid(e)
		for i, a := range s.CloseAreas {
			if a.Bound().Contains(p) && planar.MultiPolygonContains(a, p) {
				areaHit[i] = true
				drop[e] = true
			}
		}
		for _, sl := range s.Slow {
			if sl.Area.Bound().Contains(p) && planar.MultiPolygonContains(sl.Area, p) {
				factor[e] *= sl.Factor
			}
		}
	}
	for _, w := range s.CloseWays { // in the scenario's order (a map's would change run to run)
		if seen, ok := closedWay[w]; ok && !seen {
			rep.UnknownWays = append(rep.UnknownWays, w)
			delete(closedWay, w) // once, however often it is named
		}
	}
	for i, hit := range areaHit {
		if !hit {
			rep.AreasMissing = append(rep.AreasMissing, i)
		}
	}
	for e := range drop {
		if drop[e] {
			rep.ClosedEdges++
		} else if factor[e] != 1 {
			rep.SlowedEdges++
		}
	}
	if rep.ClosedEdges == 0 && rep.SlowedEdges == 0 && (len(s.CloseWays)+len(s.CloseAreas)+len(s.Slow)) > 0 {
		return nil, rep, fmt.Errorf("scenario %s: %w (unknown ways %v, areas without roads %v)", s.Name, ErrNoChange, rep.UnknownWays, rep.AreasMissing)
	}
	m, err := g.Modified(func(e graph.EdgeID) bool { return drop[e] }, func(e graph.EdgeID) float64 { return factor[e] })
	if err != nil {
		return nil, rep, fmt.Errorf("scenario %s: %w", s.Name, err)
	}
	return m, rep, nil
}
