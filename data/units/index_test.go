package units_test

import (
	"context"
	"flag"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

var seed = flag.Uint64("units_seed", 20240501, "seed of the random points of the index tests")

// bruteForce returns the units containing p by orb's planar test.
func bruteForce(us []units.Unit, p orb.Point) []int {
	var in []int
	for i, u := range us {
		if planar.MultiPolygonContains(u.Geom, p) {
			in = append(in, i)
		}
	}
	return in
}

// TestIndexAndorraCells locates the centre of every resolution-9 cell in
// Andorra's bounding box: a centre inside a parish is in exactly one, and
// Locate finds that one; the parishes tile the country.
func TestIndexAndorraCells(t *testing.T) {
	parishes := andorraParishes(t)
	country, _, err := units.FromOSM(context.Background(), shared.Path(t, "data", "andorra", "andorra.osm.pbf"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(country) != 1 || country[0].Name != "Andorra" {
		t.Fatalf("admin_level=2 units = %v, want Andorra alone", country)
	}
	ix := units.NewIndex(parishes)
	b := country[0].Geom.Bound()
	cells, err := geo.PolygonCells(b.ToPolygon(), 9)
	if err != nil {
		t.Fatal(err)
	}
	var located, inCountry int
	for _, c := range cells {
		p, err := geo.CellCenter(c)
		if err != nil {
			t.Fatal(err)
		}
		in := bruteForce(parishes, p)
		if len(in) > 1 {
			t.Errorf("cell %s centre %v is in parishes %v, want one at most", c, p, in)
			continue
		}
		want := -1
		if len(in) == 1 {
			want = in[0]
			located++
		}
		if got := ix.Locate(p); got != want {
			t.Errorf("Locate(%v) = %d, want %d", p, got, want)
		}
		if planar.MultiPolygonContains(country[0].Geom, p) {
			inCountry++
			if want < 0 {
				t.Errorf("cell %s centre %v is in Andorra but in no parish", c, p)
			}
		}
	}
	// 468 km² / 0.105 km² per cell ≈ 4,450 cells.
	if located < 4000 || located != inCountry {
		t.Errorf("%d cell centres in a parish, %d in Andorra; want the same, about 4,450", located, inCountry)
	}
	t.Logf("%d of %d cells in the bbox located; %d in Andorra", located, len(cells), inCountry)
}

// TestIndexRandomPoints compares Locate with a loop over all units.
func TestIndexRandomPoints(t *testing.T) {
	for _, tt := range []struct {
		name  string
		units func(testing.TB) []units.Unit
	}{
		{"andorra parishes", andorraParishes},
		{"malta councils", func(tb testing.TB) []units.Unit {
			us, _, err := units.FromOSM(context.Background(), shared.Path(tb, "data", "malta", "malta-latest.osm.pbf"), 8)
			if err != nil {
				tb.Fatal(err)
			}
			return us
		}},
		{"shaoxing counties", func(tb testing.TB) []units.Unit {
			us, err := units.ReadGeoJSON(shared.Path(tb, "data", "china", "counties_zhe4_jiang1_shao4_xing1.geojson"), units.GeoJSONOptions{Repair: true})
			if err != nil {
				tb.Fatal(err)
			}
			return us
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			us := tt.units(t)
			ix := units.NewIndex(us)
			var all orb.Bound
			for i, u := range us {
				if i == 0 {
					all = u.Geom.Bound()
				}
				all = all.Union(u.Geom.Bound())
			}
			all = all.Pad(0.01)
			rng := rand.New(rand.NewPCG(*seed, 1))
			var hits int
			for range 5000 {
				p := orb.Point{all.Min[0] + rng.Float64()*(all.Max[0]-all.Min[0]), all.Min[1] + rng.Float64()*(all.Max[1]-all.Min[1])}
				want := -1
				if in := bruteForce(us, p); len(in) > 0 {
					want = in[0]
					hits++
				}
				if got := ix.Locate(p); got != want {
					t.Errorf("Locate(%v) = %d, want %d (seed %d)", p, got, want, *seed)
				}
			}
			if hits < 1000 {
				t.Errorf("only %d of 5000 points in a unit", hits)
			}
		})
	}
}

func square(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

func TestIndexBorders(t *testing.T) {
	ring := func(x0, y0, x1, y1 float64) orb.Ring { return square(x0, y0, x1, y1)[0][0] }
	us := []units.Unit{
		{ID: "west", Geom: square(0, 0, 1, 1)},
		{ID: "east", Geom: square(1, 0, 2, 1)},
		{ID: "north", Geom: square(0, 1, 2, 2)},
		// a ring with a hole, and an island unit in the hole
		{ID: "ring", Geom: orb.MultiPolygon{{ring(3, 0, 6, 3), ring(4, 1, 5, 2)}}},
		{ID: "island", Geom: square(4, 1, 5, 2)},
		// overlaps "west": the lower index wins
		{ID: "overlap", Geom: square(0.5, 0.5, 1.5, 0.9)},
	}
	ix := units.NewIndex(us)
	for _, tt := range []struct {
		p    orb.Point
		want int
	}{
		{orb.Point{0.5, 0.5}, 0},
		{orb.Point{1.5, 0.5}, 1},
		{orb.Point{1, 0.5}, 1},   // on the west/east border: the east one
		{orb.Point{0.5, 1}, 2},   // on the west/north border: the north one
		{orb.Point{1, 1}, 2},     // the corner of three
		{orb.Point{0.7, 0.7}, 0}, // west and overlap: the lower index
		{orb.Point{1.2, 0.7}, 1},
		{orb.Point{3.5, 0.5}, 3},
		{orb.Point{4.5, 1.5}, 4}, // in the hole, on the island
		{orb.Point{2.5, 0.5}, -1},
		{orb.Point{-1, -1}, -1},
		{orb.Point{7, 7}, -1},
	} {
		if got := ix.Locate(tt.p); got != tt.want {
			t.Errorf("Locate(%v) = %d, want %d", tt.p, got, tt.want)
		}
	}
	if got := units.NewIndex(nil).Locate(orb.Point{0, 0}); got != -1 {
		t.Errorf("empty index: Locate = %d, want -1", got)
	}
}

// TestIndexConcurrent runs Locate from all cores (run it with -race).
func TestIndexConcurrent(t *testing.T) {
	us := andorraParishes(t)
	ix := units.NewIndex(us)
	want := make([]int, 2000)
	pts := make([]orb.Point, len(want))
	rng := rand.New(rand.NewPCG(*seed, 2))
	for i := range pts {
		pts[i] = orb.Point{1.40 + rng.Float64()*0.4, 42.42 + rng.Float64()*0.24}
		want[i] = ix.Locate(pts[i])
	}
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i, p := range pts {
				if got := ix.Locate(p); got != want[i] {
					t.Errorf("Locate(%v) = %d concurrently, %d alone", p, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkLocate_AndorraParishes(b *testing.B) {
	ix := units.NewIndex(andorraParishes(b))
	rng := rand.New(rand.NewPCG(1, 1))
	pts := make([]orb.Point, 4096)
	for i := range pts {
		pts[i] = orb.Point{1.40 + rng.Float64()*0.4, 42.42 + rng.Float64()*0.24}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.Locate(pts[i&4095])
		i++
	}
}

func BenchmarkNewIndex_MaltaCouncils(b *testing.B) {
	us, _, err := units.FromOSM(context.Background(), shared.Path(b, "data", "malta", "malta-latest.osm.pbf"), 8)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		units.NewIndex(us)
	}
}
