package population_test

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/data/raster"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// The Wuhan WorldPop raster (9,491,334 people aged 20+) onto res-9 cells:
// the cells hold exactly the raster's people, for the whole raster and for
// a study area read by window.
func TestFromRasterWuhanTotals(t *testing.T) {
	t.Parallel()
	path := shared.Path(t, "data", "china-wuhan", "wuhan_worldpop_age20plus_100m.tif")
	whole, st, err := population.FromRaster(context.Background(), path, 9, population.RasterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := whole.Total(); math.Abs(got-st.Total) > 1e-6*st.Total || math.Round(got) != 9491334 {
		t.Errorf("whole raster: cells hold %.3f, the raster %.3f; want both 9,491,334", got, st.Total)
	}
	t.Logf("whole raster: %d people pixels, %d split between cells, %d cells, %.1f people", st.PeoplePixels, st.SplitPixels, len(whole.Cells), whole.Total())

	// A study area (central Wuchang and Hankou): the cells hold what the
	// raster holds in the pixels overlapping it, summed independently here.
	area := orb.Bound{Min: orb.Point{114.22, 30.52}, Max: orb.Point{114.36, 30.64}}
	tab, st, err := population.FromRaster(context.Background(), path, 9, population.RasterOptions{Area: area})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	im, err := raster.Open(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	w := im.WindowOf(area)
	vals, err := im.Read(w)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for _, v := range vals {
		if v > 0 {
			want += v
		}
	}
	if got := tab.Total(); math.Abs(got-want) > 1e-9*want || st.Window != w {
		t.Errorf("study area: cells hold %.6f, the raster's window %+v holds %.6f (FromRaster read %+v)", got, w, want, st.Window)
	}
	if st.BytesRead >= st.FileBytes/2 {
		t.Errorf("study area read %d of %d bytes; want only its strips", st.BytesRead, st.FileBytes)
	}
	t.Logf("study area: %d pixels, %.0f people on %d cells, %d of %d bytes read", st.Pixels, tab.Total(), len(tab.Cells), st.BytesRead, st.FileBytes)
}

// The split by area agrees with a brute-force one: each pixel cut into
// 20 × 20 sub-pixels, each sent to the cell of its centre.
func TestFromRasterSplitByArea(t *testing.T) {
	t.Parallel()
	path := shared.Path(t, "data", "china-wuhan", "wuhan_worldpop_age20plus_100m.tif")
	area := orb.Bound{Min: orb.Point{114.28, 30.57}, Max: orb.Point{114.31, 30.60}}
	for _, res := range []int{8, 9, 10} {
		tab, _, err := population.FromRaster(context.Background(), path, res, population.RasterOptions{Area: area})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := f.Stat()
		im, err := raster.Open(f, fi.Size())
		if err != nil {
			t.Fatal(err)
		}
		w := im.WindowOf(area)
		vals, err := im.Read(w)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		const n = 20
		brute := map[h3.Cell]float64{}
		for y := w.Y0; y < w.Y1; y++ {
			for x := w.X0; x < w.X1; x++ {
				v := vals[(y-w.Y0)*(w.X1-w.X0)+x-w.X0]
				if !(v > 0) {
					continue
				}
				b := im.PixelBound(x, y)
				for i := range n {
					for j := range n {
						p := orb.Point{b.Min[0] + (float64(i)+0.5)/n*(b.Max[0]-b.Min[0]), b.Min[1] + (float64(j)+0.5)/n*(b.Max[1]-b.Min[1])}
						c, err := geo.CellOf(p, res)
						if err != nil {
							t.Fatal(err)
						}
						brute[c] += v / (n * n)
					}
				}
			}
		}
		diff, total := 0.0, 0.0
		for c, v := range brute {
			diff += math.Abs(tab.Lookup(c) - v)
			total += v
		}
		for _, c := range tab.Cells {
			if _, ok := brute[c]; !ok {
				diff += tab.Lookup(c)
			}
		}
		// Sub-pixel sampling at 1/20 of a pixel misplaces at most about
		// 1/20 of each boundary pixel; the exact split must sit within that.
		if rel := diff / total; rel > 0.01 {
			t.Errorf("res %d: cells differ from the sub-pixel split by %.2f %% of %.0f people, want < 1 %%", res, 100*rel, total)
		} else {
			t.Logf("res %d: %d cells, %.3f %% of people placed differently from the 20×20 sub-pixel split", res, len(tab.Cells), 100*rel)
		}
	}
}
