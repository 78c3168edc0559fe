package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// TestBuildContextCancelled: a build whose context is done returns the
// cancellation and no graph, before its layout; the same builder's input
// uncancelled builds (the check is no validation error in disguise).
func TestBuildContextCancelled(t *testing.T) {
	fill := func() *graph.Builder {
		b := &graph.Builder{Hierarchy: true}
		w := b.AddWay(1)
		var prev uint32
		for i := 0; i < 50; i++ {
			v := b.AddNode(int64(i+1), int32(15_000_000+i*1000), int32(425_000_000+(i%7)*1000))
			if i > 0 {
				b.AddEdge(prev, v, 10, w)
				b.AddEdge(v, prev, 10, w)
			}
			prev = v
		}
		return b
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g, err := fill().BuildContext(ctx, graph.Meta{Profile: "test"})
	if !errors.Is(err, context.Canceled) || g != nil || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("BuildContext with a cancelled context = %v, %v; want no graph and an error saying it stopped, wrapping context.Canceled", g, err)
	}
	g, err = fill().BuildContext(context.Background(), graph.Meta{Profile: "test"})
	if err != nil || g.NumNodes() != 50 || g.Hierarchy() == nil {
		t.Fatalf("BuildContext = %v, %v; want the 50-node graph with its hierarchy", g, err)
	}
}
