package osm

import (
	"context"

	"github.com/paulmach/osm"
)

// WayHighways returns the highway tag of each of the ways ids of the OSM
// file at path ("primary", "residential_link", …); ways without one, or not
// in the file, are absent from the map. One pass over the ways; nodes are
// not decoded. Time-of-day speed profiles give a factor per highway class.
func WayHighways(ctx context.Context, path string, ids []int64, opt Options) (map[int64]string, error) {
	if out, err, ok := prefetchedLabels(ctx, path, ids, func(t wayTags) string { return t.highway }); ok {
		return out, err
	}
	return wayLabels(ctx, path, ids, opt, func(w *osm.Way) string { return roadTagsOf(w).highway })
}
