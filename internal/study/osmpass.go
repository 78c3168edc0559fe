package study

import (
	"context"
	"strconv"

	"github.com/rescuegrid/rescuegrid/data/osm"
)

// prefetchOSM reads, in one pass over network.pbf, everything the study's
// stages will take from it: the road graph, the walk graph of shelters, the
// buildings of a population estimate or of built-up zones, the boundaries
// of the units, the zones' areas and the bases tagged in OSM (each stage
// used to read the file again). It returns ctx carrying the results for
// those stages' calls (osm.WithPrefetch); with one extraction or none, or
// when the pass fails (each stage then reads the file and reports the
// problem as it always did), ctx unchanged.
func (in *Inputs) prefetchOSM(ctx context.Context, opt Options) (context.Context, error) {
	st := in.Study
	if st.Network.PBF == "" {
		return ctx, nil
	}
	f := osm.NewPrefetch(st.Network.PBF, osm.Options{Procs: opt.Workers})
	n := 0
	if st.Network.Graph == "" {
		p, err := st.driveProfile()
		if err != nil {
			return ctx, nil // readGraph reports it
		}
		f.Graph(p, opt.Generator)
		n++
	}
	for _, src := range st.Bases {
		if len(src.OSMTags) == 0 {
			continue
		}
		var tags []osm.TagMatch
		for _, t := range src.OSMTags {
			m, err := osm.ParseTagMatch(t)
			if err != nil {
				return ctx, nil // readBases reports it
			}
			tags = append(tags, m)
		}
		f.Features(tags)
		n++
	}
	buildings := []osm.TagMatch{{Key: "building", Value: "*"}}
	if p := st.Population; p.H3 == "" && p.Polygons == "" && p.Raster == "" && p.Buildings != nil {
		f.Areas(buildings)
		n++
	}
	if st.Units.File == "" && st.Units.AdminLevel != 0 {
		f.Areas([]osm.TagMatch{{Key: "admin_level", Value: strconv.Itoa(st.Units.AdminLevel)}})
		n++
	}
	for _, z := range st.OSMZones {
		f.Areas(z.filters())
		n++
		if z.Builtup != nil {
			f.Areas(buildings)
			n++
		}
	}
	if len(st.Shelters) > 0 && st.Network.WalkGraph == "" {
		if p, err := osm.BuiltinProfile("walk"); err == nil {
			p.SetUniformSpeed(st.Standard.Shelters.WalkKPH)
			f.Graph(p, opt.Generator)
			n++
		}
	}
	if opt.Basemap {
		f.Basemap()
		n++
	}
	if st.Robustness.CriticalSegments > 0 {
		f.RoadLabels() // the critical segments' road names
		n++
	}
	if st.Times != nil && st.Times.Profile != nil && st.Times.Profile.needsClasses() {
		f.RoadLabels() // the roads' classes for the speed profile
		n++
	}
	if n < 2 {
		return ctx, nil
	}
	if err := f.Run(ctx); err != nil && ctx.Err() != nil {
		return ctx, ctx.Err()
	}
	in.prefetch = f
	return osm.WithPrefetch(ctx, f), nil
}

// osmContext is ctx carrying what the study's pass over network.pbf read
// for the stages after Read (base map, road names and classes).
func (in *Inputs) osmContext(ctx context.Context) context.Context {
	if in.prefetch == nil {
		return ctx
	}
	return osm.WithPrefetch(ctx, in.prefetch)
}

// driveProfile is the study's road profile: network.profile with its
// speed factor and barrier rules.
func (st *Study) driveProfile() (*osm.Profile, error) {
	p, err := osm.BuiltinProfile(st.Network.Profile)
	if err != nil {
		return nil, err
	}
	if st.Network.SpeedFactor > 0 {
		p.SpeedFactor = st.Network.SpeedFactor
	}
	if b := st.Network.Barriers; b != nil {
		switch {
		case !*b:
			p.Barriers = nil
		case p.Barriers == nil:
			p.Barriers = osm.DefaultBarrierRules()
		}
	}
	if tr := st.Network.TurnRestrictions; tr != nil {
		switch {
		case !*tr:
			p.TurnRestrictions = nil
		case p.TurnRestrictions == nil:
			p.TurnRestrictions = osm.DefaultTurnRules()
		}
	}
	return p, nil
}

// filters are the tag filters of the zone's areas: its tags, and the
// landuse values of a built-up zone.
func (z OSMZone) filters() []osm.TagMatch {
	var filters []osm.TagMatch
	for _, t := range z.Tags {
		m, _ := osm.ParseTagMatch(t) // checked by Load
		filters = append(filters, m)
	}
	if z.Builtup != nil {
		for _, v := range z.Builtup.Landuse {
			filters = append(filters, osm.TagMatch{Key: "landuse", Value: v})
		}
	}
	return filters
}
