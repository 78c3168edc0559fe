package bench_test

import (
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
)

// BenchmarkSnap_PortoAlegre snaps every cell centre of Porto Alegre's
// population grid (one op = one point). Snap once called
// LargestComponentSize on every point, a scan of every strongly connected
// component; it is now a cached value, so the cost per point is the grid
// lookup alone and does not grow with the number of components.
func BenchmarkSnap_PortoAlegre(b *testing.B) {
	in := poaInput(b)
	g := in.Graph
	opt := graph.SnapOptions{MaxDistanceM: in.Standard.Access.SnapDistanceM}
	pts := make([]graph.Snap, 0, len(in.Cells))
	_, _ = g.Snap(g.Point(0), opt) // builds the index outside the timed loop
	centres := make([][2]float64, len(in.Cells))
	for i, c := range in.Cells {
		ll, err := c.LatLng()
		if err != nil {
			b.Fatal(err)
		}
		centres[i] = [2]float64{ll.Lng, ll.Lat}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := centres[i%len(centres)]
		if sn, err := g.Snap(p, opt); err == nil {
			pts = append(pts[:0], sn)
		}
		i++
	}
}
