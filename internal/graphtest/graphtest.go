// Package graphtest builds the small synthetic road graphs the tests of
// analysis/ share: a street grid with known distances (Grid), a random
// graph with one-way streets, parallel edges, zero and tied times
// (Random), and a graph of junctions joined by chains of shape points, as
// OSM road graphs are (Chains). Real road networks are tested in bench/.
//
// The builders take a testing.TB and fail the test on a build error; the
// random ones take the caller's seeded generator, so that a failure can be
// replayed with the same seed. Graphs are immutable once built.
package graphtest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/geo"
)

// A Grid is a street grid of N × N junctions, StepDeg degrees apart east
// and north of Origin ([lon, lat], the south-west junction). Every street
// is two-way unless OneWay says otherwise; times are the Haversine length
// between the junctions as the graph stores them (1e-7° fixed point, as
// ingest computes them) at SpeedMPS.
type Grid struct {
	N        int
	Origin   orb.Point // [lon, lat] of junction (0, 0)
	StepDeg  float64
	SpeedMPS float64
	// OneWay, when set, makes the street east from junction (x, y) one-way
	// (eastward only) where it returns true.
	OneWay func(x, y int) bool
	// Profile is the graph's profile name ("" : "test").
	Profile string
}

// OSMID returns the OSM id of junction (x, y): 1 + x + y·N. The graph
// renumbers its nodes (graph.Builder orders them along a space-filling
// curve): find a junction's node with Graph.Node(OSMID(x, y)).
func (o Grid) OSMID(x, y int) int64 { return int64(y*o.N+x) + 1 }

// index is junction (x, y)'s index in the builder (insertion order).
func (o Grid) index(x, y int) uint32 { return uint32(y*o.N + x) }

// Point returns junction (x, y) as the graph stores it, [lon, lat].
func (o Grid) Point(x, y int) orb.Point {
	return orb.Point{
		math.Round((o.Origin[0]+float64(x)*o.StepDeg)*1e7) / 1e7,
		math.Round((o.Origin[1]+float64(y)*o.StepDeg)*1e7) / 1e7,
	}
}

// Build builds the grid: nodes row by row from the south-west, then each
// junction's streets east and north.
func (o Grid) Build(tb testing.TB) *graph.Graph {
	tb.Helper()
	var b graph.Builder
	for y := 0; y < o.N; y++ {
		for x := 0; x < o.N; x++ {
			p := o.Point(x, y)
			b.AddNode(o.OSMID(x, y), int32(math.Round(p[0]*1e7)), int32(math.Round(p[1]*1e7)))
		}
	}
	way := b.AddWay(1)
	street := func(x, y, x2, y2 int, both bool) {
		w := graph.Seconds(geo.Haversine(o.Point(x, y), o.Point(x2, y2)) / o.SpeedMPS)
		b.AddEdge(o.index(x, y), o.index(x2, y2), w, way)
		if both {
			b.AddEdge(o.index(x2, y2), o.index(x, y), w, way)
		}
	}
	for y := 0; y < o.N; y++ {
		for x := 0; x < o.N; x++ {
			if x+1 < o.N {
				street(x, y, x+1, y, o.OneWay == nil || !o.OneWay(x, y))
			}
			if y+1 < o.N {
				street(x, y, x, y+1, true)
			}
		}
	}
	profile := o.Profile
	if profile == "" {
		profile = "test"
	}
	g, err := b.Build(graph.Meta{Profile: profile})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// Random builds a random road-like graph: n nodes within about 20 km of
// 14.0° E, 35.8° N, each joined to a few near neighbours (by index), a
// quarter of the edges one-way, some parallel, one in ten of zero time and
// one in ten of a whole number of seconds (ties). With hierarchy true the
// graph also gets its contraction hierarchy (graph.Builder.Hierarchy).
func Random(tb testing.TB, rng *rand.Rand, n int, hierarchy ...bool) *graph.Graph {
	tb.Helper()
	b := graph.Builder{Hierarchy: len(hierarchy) > 0 && hierarchy[0]}
	for i := 0; i < n; i++ {
		b.AddNode(int64(1000+i*7), int32(140000000+rng.IntN(200000)), int32(358000000+rng.IntN(200000)))
	}
	way := b.AddWay(1)
	for i := 0; i < n; i++ {
		for k := 0; k < 2; k++ {
			j := (i + 1 + rng.IntN(8)) % n
			w := graph.Seconds(rng.Float64() * 60)
			switch rng.IntN(10) {
			case 0:
				w = 0
			case 1:
				w = graph.Seconds(rng.IntN(5)) // integer times make ties
			}
			b.AddEdge(uint32(i), uint32(j), w, way)
			if rng.IntN(4) != 0 {
				b.AddEdge(uint32(j), uint32(i), w, way)
			}
		}
	}
	g, err := b.Build(graph.Meta{Profile: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// Chains builds a graph that is mostly chains of two-neighbour nodes, as
// OSM road graphs are: junctions joined by chains of 0-6 shape points, some
// chains one-way, some with one edge missing in one direction (two one-way
// streets meeting), some looping back to their junction, and three
// isolated rings with no junction at all. With hierarchy true the graph also
// gets its contraction hierarchy.
func Chains(tb testing.TB, rng *rand.Rand, junctions int, hierarchy ...bool) *graph.Graph {
	tb.Helper()
	b := graph.Builder{Hierarchy: len(hierarchy) > 0 && hierarchy[0]}
	way := b.AddWay(7)
	id := int64(1)
	node := func() uint32 {
		id++
		return b.AddNode(id, int32(140000000+rng.IntN(200000)), int32(358000000+rng.IntN(200000)))
	}
	edge := func(u, v uint32, fwd, bwd bool) {
		w := graph.Seconds(rng.Float64() * 30)
		if rng.IntN(15) == 0 {
			w = 0
		}
		if fwd {
			b.AddEdge(u, v, w, way)
		}
		if bwd {
			b.AddEdge(v, u, w, way)
		}
	}
	js := make([]uint32, junctions)
	for i := range js {
		js[i] = node()
	}
	for i := 0; i < junctions*2; i++ {
		a := js[rng.IntN(junctions)]
		z := js[rng.IntN(junctions)]
		oneway := rng.IntN(3) == 0
		prev := a
		l := rng.IntN(7)
		for k := 0; k < l; k++ {
			x := node()
			fwd, bwd := true, !oneway
			if rng.IntN(12) == 0 {
				fwd, bwd = !oneway && rng.IntN(2) == 0, true
			}
			edge(prev, x, fwd, bwd)
			prev = x
		}
		if prev != z || l > 0 {
			edge(prev, z, true, !oneway)
		}
	}
	for r := 0; r < 3; r++ { // an isolated ring
		first := node()
		prev := first
		for k := 0; k < 2+rng.IntN(5); k++ {
			x := node()
			edge(prev, x, true, rng.IntN(2) == 0)
			prev = x
		}
		edge(prev, first, true, rng.IntN(2) == 0)
	}
	g, err := b.Build(graph.Meta{Profile: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}
