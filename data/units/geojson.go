package units

import (
	"bytes"
	"fmt"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/limits"
	"github.com/twpayne/go-geos"
)

// GeoJSONOptions says which properties hold a unit's id and name.
type GeoJSONOptions struct {
	// IDKey is the property with the unit's id. When empty the id is the
	// first of the properties "id" and "code", then the feature's own id,
	// then "#N" with N the feature number. When set, every feature must
	// have it.
	IDKey string
	// NameKey is the property with the unit's name ("" means "name").
	NameKey string
	// CodeKey is the property with the unit's official code (统计用区划代码:
	// 6 digits for a county, 9 for a township or street, 12 for a village
	// or community), such as "JDBH" in Shenzhen's street file. When set,
	// every feature must have it and it must be digits. When empty the code
	// is the "code" or "adcode" property, if any.
	CodeKey string
	// Repair, when set, mends polygons GEOS finds invalid (with MakeValid)
	// instead of refusing them, and notes it in Unit.Repaired. Boundary
	// files rounded to a coarse grid often have rings that touch or cross
	// themselves by a few metres: every feature of the shared China county
	// files does, at 1/1024 degree. Leave it off to be told.
	Repair bool
	// CRS is the coordinate system of the file's coordinates; GCJ-02 and
	// BD-09 polygons are converted to WGS-84 vertex by vertex on reading
	// (the zero value, WGS-84, leaves them as they are).
	CRS coordsys.System
}

// ReadGeoJSON reads units from a GeoJSON FeatureCollection (or a single
// Feature) of Polygon and MultiPolygon features, one unit per feature, in
// file order. Code is the "code" or "adcode" property, Props all the
// properties as text (numbers without exponent), Origin "path:feature N".
//
// Each polygon must have closed rings of 4 positions or more, with lon in
// -180..180 and lat in -90..90, and be valid for GEOS (no self-intersection,
// holes inside their shell); ids must be unique. A problem returns a
// *ParseError naming the file and the feature (counting from 1), wrapping
// ErrNotPolygon, ErrRingNotClosed, ErrInvalid (with GEOS's reason),
// ErrDuplicateID, ErrBadValue or, for a collection without features,
// ErrNoUnits.
//
// Coordinates are kept in the file's datum unless opt.CRS says it is
// GCJ-02 or BD-09 (then they are converted to WGS-84); see the package doc. Ring orientation is normalised (exteriors counter-clockwise).
func ReadGeoJSON(path string, opt GeoJSONOptions) ([]Unit, error) {
	b, err := limits.ReadFile(path, limits.MaxTextFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read units: %w", err)
	}
	return parseGeoJSON(path, b, opt)
}

func parseGeoJSON(name string, b []byte, opt GeoJSONOptions) ([]Unit, error) {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: the file is empty", ErrNoUnits)}
	}
	fc, err := geo.Features(b)
	if err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: not GeoJSON: %v", ErrBadValue, err)}
	}
	if len(fc.Features) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: the collection has no features", ErrNoUnits)}
	}
	nameKey := opt.NameKey
	if nameKey == "" {
		nameKey = "name"
	}
	gctx := geos.NewContext()
	units := make([]Unit, 0, len(fc.Features))
	seen := map[string]int{}
	for i, f := range fc.Features {
		num := i + 1
		fail := func(err error) error { return &ParseError{File: name, Feature: num, Err: err} }
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		case nil:
			return nil, fail(fmt.Errorf("%w: no geometry", ErrNotPolygon))
		default:
			return nil, fail(fmt.Errorf("%w: it is a %s", ErrNotPolygon, g.GeoJSONType()))
		}
		if err := checkRings(mp); err != nil {
			return nil, fail(err)
		}
		if opt.CRS != coordsys.WGS84 {
			mp = coordsys.Geometry(opt.CRS, coordsys.WGS84, mp).(orb.MultiPolygon)
		}
		mp, repaired, err := check(gctx, mp, opt.Repair)
		if err != nil {
			return nil, fail(err)
		}
		orient(mp)
		props := make(map[string]string, len(f.Properties))
		for k, v := range f.Properties {
			if v != nil {
				props[k] = text(v)
			}
		}
		u := Unit{Name: props[nameKey], Geom: mp, Props: props, Origin: name + ":feature " + strconv.Itoa(num), Repaired: repaired}
		u.Code = props["code"]
		if u.Code == "" {
			u.Code = props["adcode"]
		}
		if opt.CodeKey != "" {
			u.Code = props[opt.CodeKey]
			if !isCode(u.Code) {
				return nil, fail(fmt.Errorf("%w: property %q for the code is %q, want the official code's digits", ErrBadValue, opt.CodeKey, u.Code))
			}
		}
		switch {
		case opt.IDKey != "":
			u.ID = props[opt.IDKey]
			if u.ID == "" {
				return nil, fail(fmt.Errorf("%w: no property %q for the id", ErrBadValue, opt.IDKey))
			}
		case props["id"] != "":
			u.ID = props["id"]
		case props["code"] != "":
			u.ID = props["code"]
		case f.ID != nil:
			u.ID = text(f.ID)
		default:
			u.ID = "#" + strconv.Itoa(num) // no id given: the feature number stands in
		}
		if first, dup := seen[u.ID]; dup {
			return nil, fail(fmt.Errorf("%w %q (first in feature %d)", ErrDuplicateID, u.ID, first))
		}
		seen[u.ID] = num
		units = append(units, u)
	}
	return units, nil
}

// text renders a JSON value as text: numbers without exponent or trailing
// zeros (4314902, not 4.314902e+06), other values as fmt prints them.
func text(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// checkRings returns an error for an empty polygon, a ring of fewer than 4
// positions, a ring whose last position is not its first, or a position
// outside lon -180..180, lat -90..90.
func checkRings(mp orb.MultiPolygon) error {
	if len(mp) == 0 {
		return fmt.Errorf("%w: empty geometry", ErrNotPolygon)
	}
	for pi, p := range mp {
		if len(p) == 0 {
			return fmt.Errorf("%w: polygon %d has no rings", ErrNotPolygon, pi+1)
		}
		for ri, r := range p {
			where := fmt.Sprintf("polygon %d ring %d", pi+1, ri+1)
			if len(mp) == 1 {
				where = fmt.Sprintf("ring %d", ri+1)
			}
			if len(r) < 4 {
				return fmt.Errorf("%w: %s has %d positions, want 4 or more (first == last)", ErrRingNotClosed, where, len(r))
			}
			if r[0] != r[len(r)-1] {
				return fmt.Errorf("%w: %s starts at %v and ends at %v", ErrRingNotClosed, where, r[0], r[len(r)-1])
			}
			for k, pt := range r {
				if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) || math.Abs(pt[0]) > 180 || math.Abs(pt[1]) > 90 {
					return fmt.Errorf("%w: %s has position %v outside lon -180..180, lat -90..90", ErrBadValue, where, pt)
				}
				// An edge spanning more than 180° of longitude crosses the
				// antimeridian: read as drawn, the polygon wraps the other
				// way round the globe and holds every cell.
				if k > 0 && math.Abs(pt[0]-r[k-1][0]) > 180 {
					return fmt.Errorf("%w: %s crosses the antimeridian (180°) between positions %d %v and %d %v: split it into polygons on each side (RFC 7946 §3.1.9)", ErrBadValue, where, k, r[k-1], k+1, pt)
				}
			}
		}
	}
	return nil
}

// orient makes exteriors counter-clockwise and holes clockwise, in place.
func orient(mp orb.MultiPolygon) {
	for _, p := range mp {
		for i, r := range p {
			if (r.Orientation() == orb.CCW) != (i == 0) {
				r.Reverse()
			}
		}
	}
}

// isCode reports whether s is a division code: 2 to 12 digits.
func isCode(s string) bool {
	if len(s) < 2 || len(s) > 12 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
