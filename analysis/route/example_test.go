package route_test

import (
	"context"
	"fmt"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
)

// A three-street town: a two-way street A–B–C and a one-way lane C→D.
// Two bases, at A and at D; the time from the nearest base to every node.
func Example() {
	var b graph.Builder
	a := b.AddNode(1, 0, 0)
	bb := b.AddNode(2, 10000, 0)
	c := b.AddNode(3, 20000, 0)
	d := b.AddNode(4, 30000, 0)
	street := b.AddWay(100)
	lane := b.AddWay(200)
	for _, e := range [][2]uint32{{a, bb}, {bb, a}, {bb, c}, {c, bb}} {
		b.AddEdge(e[0], e[1], 60, street) // one minute per block
	}
	b.AddEdge(c, d, 30, lane)
	g, err := b.Build(graph.Meta{Profile: "example"})
	if err != nil {
		panic(err)
	}
	node := func(osmID int64) graph.NodeID { v, _ := g.Node(osmID); return v }

	s := route.NewSearch(g)
	seeds := []route.Seed{{Node: node(1), Source: 0}, {Node: node(4), Source: 1}}
	if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
		panic(err)
	}
	for id := int64(1); id <= 4; id++ {
		t, _ := s.Time(node(id))
		fmt.Printf("node %d: %3.0f s from base %d\n", id, t, s.Source(node(id)))
	}
	// Output:
	// node 1:   0 s from base 0
	// node 2:  60 s from base 0
	// node 3: 120 s from base 0
	// node 4:   0 s from base 1
}

// A bounded search stops at the limit: nodes farther away are unreached.
func ExampleSearch_Run_limit() {
	var b graph.Builder
	w := b.AddWay(1)
	prev := b.AddNode(1, 0, 0)
	for i := int64(2); i <= 5; i++ {
		n := b.AddNode(i, int32(i)*1000, 0)
		b.AddEdge(prev, n, 100, w)
		prev = n
	}
	g, _ := b.Build(graph.Meta{})
	start, _ := g.Node(1)
	s := route.NewSearch(g)
	_ = s.Run(context.Background(), []route.Seed{{Node: start}}, route.Options{Limit: 250})
	fmt.Println(len(s.Settled()), "nodes within 250 s")
	// Output: 3 nodes within 250 s
}
