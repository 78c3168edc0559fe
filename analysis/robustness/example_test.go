package robustness_test

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/robustness"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/geo"
)

// A station at the end of a town's main street, a village across a bridge,
// a back street beside the main street and a long way round over the
// hills. Closing the station's own road cuts everyone off; closing the
// bridge takes the village out of the 15-minute circle (the village street
// beyond it carries the same residents: its twin); closing the main street
// only adds half a minute for the village (the back street is the detour,
// and the bound knew it: it counts only the town cell whose centre lies on
// the main street); the side street is on nobody's route.
func ExampleCritical() {
	var b graph.Builder
	const lat = 358_990_000 // 35.899° N, ×1e7
	node := func(id int64, dLon, dLat int32) uint32 { return b.AddNode(id, 144_900_000+dLon, lat+dLat) }
	station, town, bank := node(1, 0, 0), node(2, 60_000, 0), node(3, 120_000, 0)
	far, village := node(4, 180_000, 0), node(5, 240_000, 0)
	hill1, hill2 := node(6, 120_000, 200_000), node(7, 180_000, 200_000)
	side, back := node(8, 120_000, -60_000), node(9, 90_000, -30_000)
	road := func(way int64, t graph.Seconds, ns ...uint32) {
		w := b.AddWay(way)
		for k := 1; k < len(ns); k++ {
			b.AddEdge(ns[k-1], ns[k], t, w)
			b.AddEdge(ns[k], ns[k-1], t, w)
		}
	}
	road(100, 60, station, town)
	road(101, 60, town, bank)               // main street
	road(102, 45, town, back, bank)         // back street
	road(200, 60, bank, far)                // the bridge
	road(300, 60, far, village)             // village street
	road(400, 400, bank, hill1, hill2, far) // over the hills
	road(500, 60, town, side)               // side street
	g, err := b.Build(graph.Meta{})
	if err != nil {
		panic(err)
	}
	at := func(id int64) orb.Point { v, _ := g.Node(id); return g.Point(v) }
	in := robustness.Input{
		Graph:    g,
		Standard: &standard.Standard{Rescue: standard.Rescue{Minutes: 15}, Access: standard.Access{WalkKPH: 4.5, SnapDistanceM: 500}},
		Bases:    []orb.Point{at(1)},
	}
	for _, c := range []struct {
		node      int64
		residents float64
	}{{2, 100}, {5, 300}} {
		cell, _ := geo.CellOf(at(c.node), 9)
		in.Cells, in.Pop = append(in.Cells, cell), append(in.Pop, c.residents)
	}
	r, err := robustness.Critical(context.Background(), in)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.0f of %.0f residents inside the circle; %d of %d segments on their routes\n", r.Within, r.Residents, r.OnPaths, r.Total)
	for _, s := range r.Segments {
		fmt.Printf("way %d (%d twins): routes of %.0f, bound %.0f; closed: %.0f lose coverage, %.0f cut off, %+.0f person-min\n",
			s.WayID, s.Twins, s.PathResidents, s.LossBound, s.Lost, s.CutOff, s.AddedPersonSeconds/60)
	}
	_, segs := robustness.Segments(g)
	for _, s := range segs {
		if s.WayID == 500 {
			fmt.Printf("side street: routes of %.0f\n", r.PathResidents[s.ID])
		}
	}
	// Output:
	// 400 of 400 residents inside the circle; 4 of 7 segments on their routes
	// way 100 (0 twins): routes of 400, bound 400; closed: 400 lose coverage, 400 cut off, +0 person-min
	// way 200 (1 twins): routes of 300, bound 300; closed: 300 lose coverage, 0 cut off, +5700 person-min
	// way 101 (0 twins): routes of 400, bound 100; closed: 0 lose coverage, 0 cut off, +155 person-min
	// side street: routes of 0
}
