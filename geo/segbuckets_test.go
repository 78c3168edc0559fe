package geo

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// TestCountBucketsIsSort checks that counting builds the very buckets
// sorting does (keys, starts, segments), on networks on either side of
// the meridian and the equator and across both, with segments spanning
// many grid cells, and that it declines a sparse extent.
func TestCountBucketsIsSort(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range []orb.Point{{-8.61, 41.15}, {0.001, 0.001}, {-0.002, -0.001}, {114.06, 22.55}, {-51.2, -30.05}} {
		segs := make([]Segment, 5000)
		for i := range segs {
			a := orb.Point{c[0] + (rng.Float64()-0.5)*0.2, c[1] + (rng.Float64()-0.5)*0.2}
			d := 0.0005
			if i%50 == 0 {
				d = 0.05 // a long road
			}
			segs[i] = Segment{a, orb.Point{a[0] + (rng.Float64()-0.5)*d, a[1] + (rng.Float64()-0.5)*d}}
		}
		counted := NewSegmentIndex(segs, 0)
		sorted := *counted
		sorted.keys, sorted.start, sorted.items = nil, nil, nil
		sorted.sortBuckets()
		again := sorted
		if !again.countBuckets(bound(segs)) {
			t.Fatalf("%v: counting declined a dense network", c)
		}
		if !slices.Equal(again.keys, sorted.keys) || !slices.Equal(again.start, sorted.start) || !slices.Equal(again.items, sorted.items) {
			t.Fatalf("%v: counted buckets differ from sorted ones (%d/%d keys, %d/%d items)", c, len(again.keys), len(sorted.keys), len(again.items), len(sorted.items))
		}
		if len(sorted.items) <= len(segs) {
			t.Fatalf("%v: no segment spans two cells", c)
		}
	}
	// two towns across the meridian and the equator: the grid between
	// them is empty in cellKey's order, counted; two on one side are not
	far := []Segment{{orb.Point{-8.6, 41.1}, orb.Point{-8.6001, 41.1}}, {orb.Point{114, -22.5}, orb.Point{114.0001, -22.5}}}
	ix := NewSegmentIndex(far, 0)
	sorted := *ix
	sorted.sortBuckets()
	if !slices.Equal(ix.keys, sorted.keys) || !slices.Equal(ix.items, sorted.items) {
		t.Fatal("counted buckets of two far towns differ from sorted ones")
	}
	sparse := []Segment{{orb.Point{10, 60}, orb.Point{10.0001, 60}}, {orb.Point{114, 22.5}, orb.Point{114.0001, 22.5}}}
	if ix = NewSegmentIndex(sparse, 0); ix.countBuckets(bound(sparse)) {
		t.Fatal("counting took an extent of a few cells over a hemisphere")
	}
}

// bound is the bounding box of the segments' ends.
func bound(segs []Segment) orb.Bound {
	b := orb.Bound{Min: segs[0].A, Max: segs[0].A}
	for _, s := range segs {
		b = b.Extend(s.A).Extend(s.B)
	}
	return b
}
