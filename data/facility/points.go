package facility

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/limits"
)

// A Point is one input location with its attributes.
type Point struct {
	ID string
	// Loc is the location, [lon, lat] WGS-84 degrees.
	Loc orb.Point
	// OSMNode, when not zero, pins the point to this OSM node of the road
	// graph instead of snapping it (column osm_node_id / property of that name).
	OSMNode int64
	// Attrs holds every other column or property, as text.
	Attrs map[string]string
	// Line is the CSV line (1-based, header = 1) or GeoJSON feature number
	// (1-based) the point came from, for messages.
	Line int
}

// ParseError locates a problem in an input file.
type ParseError struct {
	File string
	// Line is the CSV line (1-based); Feature the GeoJSON feature (1-based).
	Line, Feature int
	Err           error
}

func (e *ParseError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	case e.Feature > 0:
		return fmt.Sprintf("%s: feature %d: %v", e.File, e.Feature, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Errors wrapped by ParseError, for errors.Is.
var (
	ErrDuplicateID = errors.New("duplicate id")
	ErrBadValue    = errors.New("bad value")
	ErrNoPoints    = errors.New("no points")
)

// ReadPoints reads points from path: GeoJSON when the name ends in .geojson
// or .json (or the content starts with '{'), CSV otherwise. Ids must be
// unique. Bad input returns a *ParseError naming the line or feature.
func ReadPoints(path string) ([]Point, error) {
	b, err := limits.ReadFile(path, limits.MaxTextFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read points: %w", err)
	}
	return ParsePoints(path, b)
}

// ParsePoints is ReadPoints on bytes already read; name is used in messages
// and to choose the format.
func ParsePoints(name string, b []byte) ([]Point, error) {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	ext := strings.ToLower(filepath.Ext(name))
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: the file is empty", ErrNoPoints)}
	}
	if ext == ".geojson" || ext == ".json" || trimmed[0] == '{' {
		return parseGeoJSON(name, b)
	}
	return parseCSV(name, b)
}

func parseCSV(name string, b []byte) ([]Point, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("read header: %w", err)}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	find := func(names ...string) int {
		for _, n := range names {
			if i, ok := col[n]; ok {
				return i
			}
		}
		return -1
	}
	iID, iLon, iLat, iOSM := find("id"), find("lon", "lng", "longitude", "x"), find("lat", "latitude", "y"), find("osm_node_id")
	var missing []string
	if iID < 0 {
		missing = append(missing, "id")
	}
	if iLon < 0 {
		missing = append(missing, "lon")
	}
	if iLat < 0 {
		missing = append(missing, "lat")
	}
	if len(missing) > 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("%w: header %s has no %s column", ErrBadValue, limits.Excerpt(strings.Join(header, ",")), strings.Join(missing, ", "))}
	}
	var pts []Point
	seen := map[string]int{}
	err = eachRow(name, r, len(header), func(line int, rec []string) error {
		p := Point{ID: strings.TrimSpace(rec[iID]), Line: line, Attrs: map[string]string{}}
		if err := limits.CheckID(p.ID); err != nil {
			return &ParseError{File: name, Line: line, Err: err}
		}
		if p.ID == "" {
			return &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: empty id", ErrBadValue)}
		}
		var err error
		if p.Loc, err = rowLonLat(name, line, rec, iLon, iLat); err != nil {
			return err
		}
		if iOSM >= 0 && strings.TrimSpace(rec[iOSM]) != "" {
			id, err := strconv.ParseInt(strings.TrimSpace(rec[iOSM]), 10, 64)
			if err != nil || id == 0 {
				return &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: osm_node_id %q is not an OSM node id", ErrBadValue, rec[iOSM])}
			}
			p.OSMNode = id
		}
		for i, v := range rec {
			if i != iID && i != iLon && i != iLat && i != iOSM {
				p.Attrs[header[i]] = v
			}
		}
		if first, dup := seen[p.ID]; dup {
			return &ParseError{File: name, Line: line, Err: fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, p.ID, first)}
		}
		seen[p.ID] = line
		pts = append(pts, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(pts) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: the file has a header and no rows", ErrNoPoints)}
	}
	return pts, nil
}

func parseCoord(s string, limit float64) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, errors.New("not a number")
	}
	if math.IsNaN(v) || math.Abs(v) > limit {
		return 0, fmt.Errorf("outside -%g..%g", limit, limit)
	}
	return v, nil
}

func parseGeoJSON(name string, b []byte) ([]Point, error) {
	fc, err := geo.Features(b)
	if err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: not GeoJSON: %v", ErrBadValue, err)}
	}
	var pts []Point
	seen := map[string]int{}
	for i, f := range fc.Features {
		num := i + 1
		if f.Geometry == nil {
			return nil, &ParseError{File: name, Feature: num, Err: fmt.Errorf("%w: no geometry", ErrBadValue)}
		}
		var loc orb.Point
		switch g := f.Geometry.(type) {
		case orb.Point:
			loc = g
		case orb.Polygon, orb.MultiPolygon:
			// A building footprint: its area centroid stands for it, or the
			// middle of its extent when it has no area (orb puts a
			// MultiPolygon without area at 0,0). Without a point it is no place.
			bound := g.Bound()
			if bound.IsEmpty() {
				return nil, &ParseError{File: name, Feature: num, Err: fmt.Errorf("%w: the %s is empty", ErrBadValue, g.GeoJSONType())}
			}
			var area float64
			if loc, area = planar.CentroidArea(g); area == 0 {
				loc = bound.Center()
			}
		default:
			return nil, &ParseError{File: name, Feature: num, Err: fmt.Errorf("%w: geometry is a %s, want a Point (or a Polygon, taken at its centroid)", ErrBadValue, f.Geometry.GeoJSONType())}
		}
		if math.IsNaN(loc[0]) || math.Abs(loc[0]) > 180 || math.IsNaN(loc[1]) || math.Abs(loc[1]) > 90 {
			return nil, &ParseError{File: name, Feature: num, Err: fmt.Errorf("%w: coordinate %v outside lon -180..180, lat -90..90", ErrBadValue, loc)}
		}
		p := Point{Loc: loc, Line: num, Attrs: map[string]string{}}
		keys := make([]string, 0, len(f.Properties))
		for k := range f.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := f.Properties[k]
			if v == nil {
				continue // null, as an empty CSV cell: no id, no pin, no attribute
			}
			s := fmt.Sprint(v)
			if fv, ok := v.(float64); ok {
				s = strconv.FormatFloat(fv, 'f', -1, 64)
			}
			switch k {
			case "id":
				p.ID = s
			case "osm_node_id":
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil || id == 0 {
					return nil, &ParseError{File: name, Feature: num, Err: fmt.Errorf("%w: osm_node_id %q is not an OSM node id", ErrBadValue, s)}
				}
				p.OSMNode = id
			default:
				p.Attrs[k] = s
			}
		}
		if p.ID == "" && f.ID != nil {
			p.ID = fmt.Sprint(f.ID)
			if fv, ok := f.ID.(float64); ok {
				p.ID = strconv.FormatFloat(fv, 'f', -1, 64)
			}
		}
		if p.ID == "" {
			p.ID = "#" + strconv.Itoa(num) // no id given: the feature number stands in
		}
		if first, dup := seen[p.ID]; dup {
			return nil, &ParseError{File: name, Feature: num, Err: fmt.Errorf("%w %q (first in feature %d)", ErrDuplicateID, p.ID, first)}
		}
		seen[p.ID] = num
		pts = append(pts, p)
	}
	if len(pts) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: the collection has no features", ErrNoPoints)}
	}
	return pts, nil
}
