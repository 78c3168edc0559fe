package population_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// BenchmarkFromRaster_Wuhan: the Wuhan WorldPop raster (1,662 × 1,668
// pixels, 494,676 with people) onto res-9 cells, whole and for a central
// study window of 168 × 144 pixels.
func BenchmarkFromRaster_Wuhan(b *testing.B) {
	path := shared.Path(b, "data", "china-wuhan", "wuhan_worldpop_age20plus_100m.tif")
	for _, bc := range []struct {
		name string
		area orb.Bound
	}{
		{"whole", orb.Bound{}},
		{"central", orb.Bound{Min: orb.Point{114.22, 30.52}, Max: orb.Point{114.36, 30.64}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := population.FromRaster(context.Background(), path, 9, population.RasterOptions{Area: bc.area}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
