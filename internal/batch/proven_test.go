package batch

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestProvenCountsNearBases: a time above the plan's limit is proven when
// no path entering through a cut node could beat it, and not when a base
// the shard does not hold lies near enough to snap onto the shard's roads
// and drive to the cell sooner (its path enters through no cut node).
func TestProvenCountsNearBases(t *testing.T) {
	ctr := orb.Point{-8.6, 41.15}
	// One degree of longitude at 41.15° N is about 83.8 km.
	at := func(km float64) orb.Point { return orb.Point{ctr[0] + km/83.8, ctr[1]} }
	si := &shardInput{FastestMPS: 30, SnapM: 500, Cut: []orb.Point{at(50)}}
	const walk = 4.5 / 3.6
	// 600 s in all: 200 m off-road (160 s) and 440 s of driving; the cut
	// node is 50 km away, at least 1,660 s of driving.
	if !proven(si, ctr, 600, 200, walk) {
		t.Fatalf("a 440-second drive with the only cut node 50 km away is not proven")
	}
	// A base 10 km away, not held, snapped onto the shard's roads: it may
	// drive in (10,000 − 500 − 200) / 30 = 310 s < 440 s.
	si.Near = []orb.Point{at(10)}
	if proven(si, ctr, 600, 200, walk) {
		t.Errorf("proven though a base the shard does not hold lies 10 km away")
	}
	// 20 km away it needs at least 643 s: the time stands.
	si.Near = []orb.Point{at(20)}
	if !proven(si, ctr, 600, 200, walk) {
		t.Errorf("not proven though the only base not held lies 20 km away")
	}
}
