package siting_test

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/siting"
	"github.com/rescuegrid/rescuegrid/geo"
)

// A village of five cells, an existing base reaching two of them, and three
// candidate sites: where do two new stations cover the most residents
// within 15 minutes, and how sure is that?
func ExampleSolve() {
	sites := []siting.Site{
		{ID: "base", Existing: true, Members: 30},
		{ID: "north", Members: 20},
		{ID: "east", Members: 20},
		{ID: "south", Members: 20},
	}
	pop := []float64{100, 50, 80, 60, 40} // residents of cells 0..4
	rows := [][]siting.Entry{
		{{Cell: 0, Seconds: 300}, {Cell: 1, Seconds: 700}},                           // base
		{{Cell: 1, Seconds: 200}, {Cell: 2, Seconds: 600}},                           // north
		{{Cell: 2, Seconds: 400}, {Cell: 3, Seconds: 800}, {Cell: 4, Seconds: 1500}}, // east
		{{Cell: 3, Seconds: 500}, {Cell: 4, Seconds: 850}},                           // south
	}
	m, err := siting.MatrixFromRows(sites, pop, rows, 1800)
	if err != nil {
		panic(err)
	}
	sol, err := siting.Solve(context.Background(), m, siting.Options{Objective: siting.MaxCover, K: 2, TargetSeconds: 900})
	if err != nil {
		panic(err)
	}
	fmt.Printf("existing bases cover %.0f of %.0f residents\n", sol.Baseline, sol.Residents)
	for _, st := range sol.Curve {
		fmt.Printf("site %d: %-5s +%.0f residents, %.0f covered, %d members needed\n", st.K, m.Sites[st.Site].ID, st.Gain, st.Covered, st.Members)
	}
	fmt.Printf("optimum %.0f, gap %.0f %%\n", sol.Bound.Exact, 100*sol.Bound.Gap)
	// Output:
	// existing bases cover 150 of 330 residents
	// site 1: east  +140 residents, 290 covered, 20 members needed
	// site 2: south +40 residents, 330 covered, 40 members needed
	// optimum 330, gap 0 %
}

// A road of three 60-second links, residents in the res-9 cell of each
// junction: the matrix holds, for each site, the cells it reaches within the
// horizon, sorted by time. A time is the drive to the road point nearest the
// cell's centre plus the walk from there to the centre at 4.5 km/h.
func ExampleNewMatrix() {
	var b graph.Builder
	way := b.AddWay(1)
	const lat = 358_990_000 // 35.899° N, ×1e7
	for i := int64(0); i < 4; i++ {
		b.AddNode(i+1, int32(144_900_000+i*60_000), lat) // every 0.006° (about 540 m)
	}
	for i := uint32(0); i < 3; i++ {
		b.AddEdge(i, i+1, 60, way)
		b.AddEdge(i+1, i, 60, way)
	}
	g, err := b.Build(graph.Meta{})
	if err != nil {
		panic(err)
	}
	at := func(osmID int64) orb.Point { v, _ := g.Node(osmID); return g.Point(v) }
	var d siting.Demand
	for id := int64(1); id <= 4; id++ { // junctions west to east
		c, _ := geo.CellOf(at(id), 9)
		d.Cells, d.Pop = append(d.Cells, c), append(d.Pop, 100)
	}
	sites := []siting.Site{{ID: "west", Loc: at(1), Existing: true}, {ID: "east", Loc: at(4)}}
	m, err := siting.NewMatrix(context.Background(), g, sites, d, siting.MatrixOptions{HorizonSeconds: 300})
	if err != nil {
		panic(err)
	}
	for j, s := range m.Sites {
		fmt.Printf("%s:", s.ID)
		for _, e := range m.Row(j) {
			fmt.Printf(" cell %d in %.0f s", e.Cell, e.Seconds)
		}
		fmt.Println()
	}
	fmt.Printf("%d entries, %d bytes\n", m.NumEntries(), m.MemoryBytes())
	// Output:
	// west: cell 0 in 137 s cell 1 in 139 s cell 2 in 195 s
	// east: cell 3 in 136 s cell 2 in 163 s cell 1 in 189 s
	// 6 entries, 72 bytes
}
