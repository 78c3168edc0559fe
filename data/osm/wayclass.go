package osm

import (
	"context"
	"slices"
	"strings"

	"github.com/paulmach/osm"
)

// WayHighways returns the highway tag of each of the ways ids of the OSM
// file at path ("primary", "residential_link", …); ways without one, or not
// in the file, are absent from the map. One pass over the ways; nodes are
// not decoded. Time-of-day speed profiles give a factor per highway class.
func WayHighways(ctx context.Context, path string, ids []int64, opt Options) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	kind, err := sniff(path)
	if err != nil {
		return nil, err
	}
	err = scanObjects(ctx, path, kind, opt, skip{nodes: true}, func(o osm.Object) {
		w, ok := o.(*osm.Way)
		if !ok {
			return
		}
		if _, found := slices.BinarySearch(want, int64(w.ID)); !found {
			return
		}
		if h := strings.TrimSpace(w.Tags.Find("highway")); h != "" {
			out[int64(w.ID)] = h
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
