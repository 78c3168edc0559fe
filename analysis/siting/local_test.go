package siting

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/graphtest"
	"github.com/uber/h3-go/v4"
)

// TestMatrixByPlaceSameBits: the matrix swept place by place, each place
// with only the targets it reaches (localRows), is the matrix of the sweep
// over every target bit for bit, on random chain graphs (zero and tied
// times, one-way chains, sites inside chains), whether every place, none or
// some are swept by themselves. Places are small (res 9 on a network 2 km wide) so that a graph
// holds many.
func TestMatrixByPlaceSameBits(t *testing.T) {
	defer func(r int, w, v float64) { placeRes, wideShare, placeSpeed = r, w, v }(placeRes, wideShare, placeSpeed)
	placeRes, placeSpeed = 9, 0 // every network wide enough for places
	ctx := context.Background()
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		g := graphtest.Chains(t, rng, 800, true)
		if g.Hierarchy() == nil {
			t.Fatal("no hierarchy")
		}
		b := g.Bound()
		var sites []Site
		for j := 0; j < 120; j++ {
			p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			sites = append(sites, Site{ID: "s", Loc: p})
		}
		seen := map[h3.Cell]bool{}
		var d Demand
		for v := 0; v < g.NumNodes(); v++ {
			c, err := geo.CellOf(g.Point(graph.NodeID(v)), 10)
			if err != nil {
				t.Fatal(err)
			}
			if !seen[c] {
				seen[c] = true
				d.Cells = append(d.Cells, c)
				d.Pop = append(d.Pop, float64(1+rng.IntN(3)))
			}
		}
		opt := MatrixOptions{HorizonSeconds: 100 + 60*float64(seed), TurnoutSeconds: 3, SnapDistanceM: 500, Workers: 2}
		matrix := func(share float64) *Matrix {
			wideShare = share
			m, err := NewMatrix(ctx, g, sites, d, opt)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		all := matrix(-1) // every site sweeps every target
		if all.NumEntries() == 0 {
			t.Fatalf("seed %d: empty matrix", seed)
		}
		for _, share := range []float64{2, 0.5, 0.05} {
			m := matrix(share)
			for j := range sites {
				a, r := all.Row(j), m.Row(j)
				if len(a) != len(r) {
					t.Fatalf("seed %d share %v: site %d: %d entries by place, %d with every target", seed, share, j, len(r), len(a))
				}
				for i := range a {
					if a[i].Cell != r[i].Cell || math.Float32bits(float32(a[i].Seconds)) != math.Float32bits(float32(r[i].Seconds)) {
						t.Fatalf("seed %d share %v: site %d entry %d: %+v by place, %+v with every target", seed, share, j, i, r[i], a[i])
					}
				}
			}
		}
		t.Logf("seed %d: %d sites, %d entries", seed, len(sites), all.NumEntries())
	}
}

// wideNetwork takes the regions that fit within a few horizons to the
// batched sweep, and a network many horizons wide place by place.
func TestWideNetwork(t *testing.T) {
	malta := orb.Bound{Min: orb.Point{14.18, 35.80}, Max: orb.Point{14.58, 36.09}} // about 49 km corner to corner
	for _, h := range []float64{900, 1800} {
		if wideNetwork(malta, h) {
			t.Errorf("Malta at %v s: taken place by place", h)
		}
	}
	tiled := orb.Bound{Min: orb.Point{-9.2, 40.5}, Max: orb.Point{-6.2, 42.9}} // about 370 km
	if !wideNetwork(tiled, 900) {
		t.Error("a network 370 km wide at 900 s: not taken place by place")
	}
}
