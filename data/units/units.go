package units

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/twpayne/go-geos"

	"github.com/rescuegrid/rescuegrid/data/osm"
)

// A Unit is one reporting area.
type Unit struct {
	ID   string // unique within its set: a property, the feature id, "#N", or "relation/123"
	Name string
	Code string // an official code when the input has one (GeoJSON "code"/"adcode", OSM ISO3166-2 or ref)
	// Geom is the area in [lon, lat] degrees, in the input's datum (see the
	// package doc). Rings are closed, exteriors counter-clockwise and holes
	// clockwise.
	Geom orb.MultiPolygon
	// Props holds the GeoJSON properties (as text) or the OSM tags.
	Props map[string]string
	// Origin says where the unit came from: "file.geojson:feature 3"
	// (features count from 1) or "relation/2804753".
	Origin string
	// Repaired is empty for a polygon read as it was. When GeoJSONOptions
	// asked for repairs, it holds why GEOS found the input invalid and how
	// much the repair changed the area, and Geom is the repaired polygon.
	Repaired string
}

// Errors callers may branch on with errors.Is; input problems come wrapped
// in a *ParseError (GeoJSON) or an osm.AreaProblem (OSM).
var (
	ErrNoUnits       = errors.New("units: no units")
	ErrNotPolygon    = errors.New("units: geometry is not a Polygon or MultiPolygon")
	ErrRingNotClosed = errors.New("units: ring not closed")
	ErrInvalid       = errors.New("units: invalid polygon")
	ErrDuplicateID   = errors.New("units: duplicate id")
	ErrBadValue      = errors.New("units: bad value")
)

// ParseError locates a problem in a units file.
type ParseError struct {
	File string
	// Feature is the GeoJSON feature's number, counting from 1 (0: the
	// problem is with the file as a whole).
	Feature int
	Err     error
}

func (e *ParseError) Error() string {
	if e.Feature > 0 {
		return fmt.Sprintf("%s: feature %d: %v", e.File, e.Feature, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// FromOSM returns the administrative units of level adminLevel (OSM's
// admin_level: 2 a country, 4 a region; townships, communes and councils
// are usually 7 to 10, varying by country) in the OSM file pbf: the closed
// ways and the multipolygon or boundary relations tagged
// boundary=administrative and admin_level=adminLevel. A unit's ID and
// Origin are its OSM reference ("relation/2804753"), its Name the name tag,
// its Code the ISO3166-2 tag or else the ref tag, its Props all its tags.
// Units come ways first, then relations, each by id.
//
// Boundaries that cannot be assembled (typically the neighbours cut by the
// extract's edge) or are not valid polygons (the reason from GEOS) are left
// out and returned as problems. When no unit remains, the error wraps
// ErrNoUnits and the problems are still returned.
func FromOSM(ctx context.Context, pbf string, adminLevel int) ([]Unit, []osm.AreaProblem, error) {
	level := strconv.Itoa(adminLevel)
	areas, problems, err := osm.ExtractAreas(ctx, pbf, []osm.TagMatch{{Key: "admin_level", Value: level}}, osm.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("units from %s: %w", pbf, err)
	}
	gctx := geos.NewContext()
	var units []Unit
	kept := problems[:0]
	for _, p := range problems {
		// The filter is admin_level only; keep the administrative ones.
		if p.Tags["boundary"] == "administrative" {
			kept = append(kept, p)
		}
	}
	problems = kept
	for _, a := range areas {
		if a.Tags["boundary"] != "administrative" {
			continue
		}
		if err := validate(gctx, a.Geom); err != nil {
			problems = append(problems, osm.AreaProblem{Type: a.Type, ID: a.ID, Name: a.Tags["name"], Tags: a.Tags, Err: err})
			continue
		}
		code := a.Tags["ISO3166-2"]
		if code == "" {
			code = a.Tags["ref"]
		}
		units = append(units, Unit{
			ID:     a.Ref(),
			Name:   a.Tags["name"],
			Code:   code,
			Geom:   a.Geom,
			Props:  a.Tags,
			Origin: a.Ref(),
		})
	}
	if len(units) == 0 {
		return nil, problems, fmt.Errorf("%s: %w: no boundary=administrative area with admin_level=%d (%d could not be built)", pbf, ErrNoUnits, adminLevel, len(problems))
	}
	return units, problems, nil
}

// validate checks mp with GEOS and returns an error wrapping ErrInvalid with
// GEOS's reason ("Self-intersection[0.5 0.5]"). Rings must be closed and
// have 4 points or more (GEOS would refuse to build them).
func validate(gctx *geos.Context, mp orb.MultiPolygon) error {
	_, _, err := check(gctx, mp, false)
	return err
}

// check validates mp with GEOS. A valid mp comes back as it is. An invalid
// one returns an error wrapping ErrInvalid with GEOS's reason, unless
// repair is set: then it comes back repaired by GEOS MakeValid (the
// "structure" method, which keeps polygons and drops collapsed parts), with
// a note saying what was wrong and how the area changed.
func check(gctx *geos.Context, mp orb.MultiPolygon, repair bool) (orb.MultiPolygon, string, error) {
	b, err := wkb.Marshal(mp)
	if err != nil {
		return nil, "", fmt.Errorf("%w: encode: %v", ErrInvalid, err)
	}
	g, err := gctx.NewGeomFromWKB(b)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	defer g.Destroy()
	if g.IsValid() {
		return mp, "", nil
	}
	reason := g.IsValidReason()
	if !repair {
		return nil, "", fmt.Errorf("%w: %s", ErrInvalid, reason)
	}
	fixed := g.MakeValidWithParams(geos.MakeValidStructure, geos.MakeValidDiscardCollapsed)
	defer fixed.Destroy()
	if fixed.IsEmpty() || !fixed.IsValid() {
		return nil, "", fmt.Errorf("%w: %s, and GEOS could not repair it", ErrInvalid, reason)
	}
	out, err := wkb.Unmarshal(fixed.ToWKB())
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s: decode the repair: %v", ErrInvalid, reason, err)
	}
	var res orb.MultiPolygon
	switch o := out.(type) {
	case orb.Polygon:
		res = orb.MultiPolygon{o}
	case orb.MultiPolygon:
		res = o
	default:
		return nil, "", fmt.Errorf("%w: %s, and the repair is a %s", ErrInvalid, reason, out.GeoJSONType())
	}
	before, after := g.Area(), fixed.Area()
	note := fmt.Sprintf("%s; repaired, area %+.4f %%", reason, 100*(after-before)/before)
	return res, note, nil
}

// Dissolve returns the union of polys (GEOS UnaryUnion): the outline of a
// county from its townships. Shared borders vanish; an invalid input
// polygon is an error wrapping ErrInvalid.
func Dissolve(polys []orb.MultiPolygon) (orb.MultiPolygon, error) {
	var all orb.MultiPolygon
	for _, p := range polys {
		all = append(all, p...)
	}
	b, err := wkb.Marshal(all)
	if err != nil {
		return nil, fmt.Errorf("%w: encode: %v", ErrInvalid, err)
	}
	gctx := geos.NewContext()
	g, err := gctx.NewGeomFromWKB(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	defer g.Destroy()
	u := g.UnaryUnion()
	defer u.Destroy()
	out, err := wkb.Unmarshal(u.ToWKB())
	if err != nil {
		return nil, fmt.Errorf("%w: decode the union: %v", ErrInvalid, err)
	}
	switch o := out.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{o}, nil
	case orb.MultiPolygon:
		return o, nil
	}
	return nil, fmt.Errorf("%w: the union is a %s", ErrInvalid, out.GeoJSONType())
}
