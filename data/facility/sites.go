package facility

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/limits"
)

// A Site is a candidate place for a new station: a point, or an area (a
// parcel, a district) given as polygons.
type Site struct {
	ID string
	// Loc is the point, [lon, lat] WGS-84 degrees; zero for an area.
	Loc orb.Point
	// Area is the polygons of an area site, nil for a point.
	Area orb.MultiPolygon
	// Line is the CSV line or GeoJSON feature number (1-based), for messages.
	Line int
}

// ReadSites reads candidate sites from path: GeoJSON points and polygons
// (when the name ends in .geojson or .json, or the content starts with
// '{'), or CSV with lon and lat columns and an optional id column (rows
// without one are "row N"). Ids must be unique. Bad input returns a
// *ParseError naming the line or feature.
func ReadSites(path string) ([]Site, error) {
	b, err := limits.ReadFile(path, limits.MaxTextFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read sites: %w", err)
	}
	return ParseSites(path, b)
}

// ParseSites is ReadSites on bytes already read; name is used in messages
// and to choose the format.
func ParseSites(name string, b []byte) ([]Site, error) {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: the file is empty", ErrNoPoints)}
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".geojson" || ext == ".json" || trimmed[0] == '{' {
		return parseSitesGeoJSON(name, b)
	}
	return parseSitesCSV(name, b)
}

func parseSitesCSV(name string, b []byte) ([]Site, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("read header: %w", err)}
	}
	iID, iLon, iLat := -1, -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "id":
			iID = i
		case "lon", "lng", "longitude", "x":
			iLon = i
		case "lat", "latitude", "y":
			iLat = i
		}
	}
	if iLon < 0 || iLat < 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("%w: header %s has no lon and lat columns", ErrBadValue, limits.Excerpt(strings.Join(header, ",")))}
	}
	var out []Site
	seen := map[string]int{}
	err = eachRow(name, r, len(header), func(line int, rec []string) error {
		loc, err := rowLonLat(name, line, rec, iLon, iLat)
		if err != nil {
			return err
		}
		s := Site{ID: "row " + strconv.Itoa(line), Loc: loc, Line: line}
		if iID >= 0 && strings.TrimSpace(rec[iID]) != "" {
			s.ID = strings.TrimSpace(rec[iID])
		}
		if first, dup := seen[s.ID]; dup {
			return &ParseError{File: name, Line: line, Err: fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, s.ID, first)}
		}
		seen[s.ID] = line
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: the file has a header and no rows", ErrNoPoints)}
	}
	return out, nil
}

func parseSitesGeoJSON(name string, b []byte) ([]Site, error) {
	fc, err := geo.Features(b)
	if err != nil {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: not GeoJSON: %v", ErrBadValue, err)}
	}
	var out []Site
	seen := map[string]int{}
	inRange := func(p orb.Point) bool {
		return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && math.Abs(p[0]) <= 180 && math.Abs(p[1]) <= 90
	}
	for i, f := range fc.Features {
		num := i + 1
		fail := func(format string, a ...any) error {
			return &ParseError{File: name, Feature: num, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadValue}, a...)...)}
		}
		s := Site{Line: num}
		switch g := f.Geometry.(type) {
		case nil:
			return nil, fail("no geometry")
		case orb.Point:
			if !inRange(g) {
				return nil, fail("coordinate %v outside lon -180..180, lat -90..90", g)
			}
			s.Loc = g
		case orb.Polygon:
			s.Area = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			s.Area = g
		default:
			return nil, fail("geometry is a %s, want a Point, Polygon or MultiPolygon", f.Geometry.GeoJSONType())
		}
		if s.Area != nil {
			if s.Area.Bound().IsEmpty() || len(s.Area) == 0 || len(s.Area[0]) == 0 {
				return nil, fail("the %s is empty", f.Geometry.GeoJSONType())
			}
			for _, poly := range s.Area {
				for _, ring := range poly {
					for _, p := range ring {
						if !inRange(p) {
							return nil, fail("coordinate %v outside lon -180..180, lat -90..90", p)
						}
					}
				}
			}
		}
		if v, ok := f.Properties["id"]; ok && v != nil {
			s.ID = fmt.Sprint(v)
			if fv, ok := v.(float64); ok {
				s.ID = strconv.FormatFloat(fv, 'f', -1, 64)
			}
		} else if f.ID != nil {
			s.ID = fmt.Sprint(f.ID)
			if fv, ok := f.ID.(float64); ok {
				s.ID = strconv.FormatFloat(fv, 'f', -1, 64)
			}
		}
		if s.ID == "" {
			s.ID = "#" + strconv.Itoa(num)
		}
		if first, dup := seen[s.ID]; dup {
			return nil, &ParseError{File: name, Feature: num, Err: fmt.Errorf("%w %q (first in feature %d)", ErrDuplicateID, s.ID, first)}
		}
		seen[s.ID] = num
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: the collection has no features", ErrNoPoints)}
	}
	return out, nil
}
