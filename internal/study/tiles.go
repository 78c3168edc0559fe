package study

import (
	"context"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/tiles"
)

// TileInput is what the tile layers of a study draw: its coverage input and
// result res, its units' outlines and, when not nil, its shelter result
// sres. The slices are shared with in, not copied.
func TileInput(in *Inputs, res *coverage.Result, sres *shelter.Result) tiles.Input {
	geoms := make([]orb.MultiPolygon, len(in.Units))
	for u, unit := range in.Units {
		geoms[u] = unit.Geom
	}
	t := tiles.Input{Coverage: &in.Coverage, Result: res, UnitGeoms: geoms, Shelters: sres}
	if in.Study != nil {
		t.Name = in.Study.Name
	}
	return t
}

// Basemap builds the study's base map: from its OSM extract when it names
// one (network.pbf), else from its road graph.
func Basemap(ctx context.Context, in *Inputs) (*tiles.Basemap, error) {
	return tiles.BasemapFrom(in.osmContext(ctx), in.Study.Network.PBF, in.Graph)
}
