package coverage

import (
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
)

// TestNodeCellsWithinLimit checks that nodeCells looks up the cells of
// the nodes reached within the limit, and only those, and that nodeCell
// gives every node its H3 cell, looked up or not.
func TestNodeCellsWithinLimit(t *testing.T) {
	t.Parallel()
	grid := graphtest.Grid{N: 12, Origin: orb.Point{14.4, 35.88}, StepDeg: 0.002, SpeedMPS: 10}
	g := grid.Build(t)
	s := route.NewSearch(g)
	if err := s.Run(context.Background(), []route.Seed{{Node: 0, Source: 0}}, route.Options{}); err != nil {
		t.Fatal(err)
	}
	const limit = 150 // seconds: part of the grid
	nc, err := nodeCells(context.Background(), g, s, limit, 9, 2)
	if err != nil {
		t.Fatal(err)
	}
	in, out := 0, 0
	for v := range graph.NodeID(g.NumNodes()) {
		want, err := geo.CellOf(g.Point(v), 9)
		if err != nil {
			t.Fatal(err)
		}
		tv, _ := s.Time(v)
		switch {
		case float64(tv) <= limit:
			in++
			if nc[v] != want {
				t.Fatalf("node %d, %v s: cell %v, want %v", v, tv, nc[v], want)
			}
		default:
			out++
			if nc[v] != h3.Cell(0) {
				t.Fatalf("node %d beyond the limit (%v s) looked up", v, tv)
			}
		}
		if got, err := nodeCell(g, nc, v, 9); err != nil || got != want {
			t.Fatalf("nodeCell(%d) = %v, %v; want %v", v, got, err, want)
		}
	}
	if in == 0 || out == 0 {
		t.Fatalf("%d nodes within the limit, %d beyond: the test needs both", in, out)
	}
}
