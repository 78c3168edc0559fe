package osm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// TestBuildStopsDuringContraction cancels Malta's build half way through
// the contraction hierarchy: Build returns the cancellation, saying how far
// the contraction got, and no graph, and leaves nothing in its temporary
// folder. The same build uncancelled contracts as many core nodes as the
// stopped one reported.
func TestBuildStopsDuringContraction(t *testing.T) {
	path := shared.Path(t, "data", "malta", "malta-latest.osm.pbf")
	p, err := osm.BuiltinProfile("drive")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reports, last, total int
	g, err := osm.Build(ctx, path, p, osm.Options{TempDir: tmp, Contracting: func(done, n int) {
		reports++
		last, total = done, n
		if done >= n/2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Build with the context cancelled mid-contraction = %v, want context.Canceled", err)
	}
	if g != nil {
		t.Errorf("Build returned a graph (%d nodes) with its error", g.NumNodes())
	}
	if want := fmt.Sprintf("contraction stopped after %d of %d core nodes", last, total); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if last == 0 || last >= total || reports < 3 {
		t.Errorf("stopped at %d of %d core nodes after %d reports, want a stop in the middle", last, total, reports)
	}
	if names, err := os.ReadDir(tmp); err != nil || len(names) > 0 {
		t.Errorf("temporary folder after the stop: %v (%v), want it empty", names, err)
	}

	full, err := osm.Build(context.Background(), path, p, osm.Options{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if full.NumCore() != total {
		t.Errorf("the stopped build reported %d core nodes, the full build has %d", total, full.NumCore())
	}
	if full.Hierarchy() == nil {
		t.Error("the full build has no hierarchy")
	}
}
