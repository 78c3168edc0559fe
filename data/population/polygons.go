package population

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/twpayne/go-geos"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/limits"
)

// Errors of FromPolygons, wrapped in a *FeatureError when they belong to one
// feature. A missing, non-numeric or negative population wraps
// ErrBadPopulation.
var (
	ErrNoFeatures  = errors.New("population: no features")
	ErrBadGeometry = errors.New("population: geometry is not a valid lon/lat polygon")
)

// A FeatureError is a problem with one feature of a GeoJSON file. Index is
// the feature's 0-based position in the collection (features[Index]); Label
// is its id and name property when it has them, for the message.
type FeatureError struct {
	Path  string
	Index int
	Label string
	Err   error
}

func (e *FeatureError) Error() string {
	if e.Label != "" {
		return fmt.Sprintf("%s: features[%d] (%s): %v", e.Path, e.Index, e.Label, e.Err)
	}
	return fmt.Sprintf("%s: features[%d]: %v", e.Path, e.Index, e.Err)
}

func (e *FeatureError) Unwrap() error { return e.Err }

// FromPolygons reads a GeoJSON FeatureCollection of Polygon and MultiPolygon
// features ([lon, lat], WGS84) each carrying its resident count in the
// numeric property popKey, and spreads each feature's residents over the H3
// cells of resolution res it overlaps, in proportion to the area of the
// intersection of the feature with each cell (areal weighting: people are
// assumed spread evenly within a feature). Features that overlap add up in
// the cells they share. A feature with 0 residents adds no cells.
//
// Areas are computed with GEOS in the lon/lat plane and scaled by the cosine
// of the cell centre's latitude, a local equal-area correction; only ratios
// within one feature matter, so each feature's residents are conserved to
// rounding whatever its size. The cells a feature overlaps are found by
// growing outwards, through H3 neighbours, from the cell of each polygon
// part's first vertex while cells still intersect the feature, so none is
// missed even where H3's geodesic cell edges and GEOS's straight ones
// differ. Features must not cross the antimeridian.
//
// An invalid polygon (in the OGC sense GEOS checks) is repaired with GEOS
// MakeValid when that changes its area by at most RepairTolerance, as for
// a ring that touches itself; otherwise it is refused.
//
// Errors name the file and the feature (*FeatureError): a missing,
// non-numeric or negative population (ErrBadPopulation), a geometry that is
// not a Polygon or MultiPolygon, or an invalid one beyond repair, with the
// GEOS reason (ErrBadGeometry). The Table's Source is
// "polygons <base name of path> (<popKey>)".
//
// FromPolygons uses one GEOS context of its own and is safe for concurrent
// use.
func FromPolygons(path string, res int, popKey string) (*Table, error) {
	return ReadPolygons(path, res, PolygonOptions{Key: popKey})
}

// PolygonOptions tune ReadPolygons.
type PolygonOptions struct {
	// Key is the property holding each polygon's residents.
	Key string
	// CRS is the system of the file's coordinates: GCJ-02 or BD-09 polygons
	// are converted to WGS-84 before they are spread onto cells.
	CRS coordsys.System
}

// ReadPolygons is FromPolygons with options: the population key and the
// coordinate system of the file.
func ReadPolygons(path string, res int, opt PolygonOptions) (*Table, error) {
	popKey := opt.Key
	if err := geo.CheckRes(res); err != nil {
		return nil, fmt.Errorf("read polygons %s: %w", path, err)
	}
	data, err := limits.ReadFile(path, limits.MaxTextFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read polygons: %w", err)
	}
	// Decode the features one by one so that a malformed one is named.
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("read polygons %s: %w", path, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("read polygons %s: type is %q, want a GeoJSON FeatureCollection", path, fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, fmt.Errorf("read polygons %s: %w", path, ErrNoFeatures)
	}
	s := &spreader{ctx: geos.NewContext(), res: res, pop: make(map[h3.Cell]float64)}
	for i, raw := range fc.Features {
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			return nil, &FeatureError{Path: path, Index: i, Err: fmt.Errorf("%w: %v", ErrBadGeometry, err)}
		}
		if opt.CRS != coordsys.WGS84 && f.Geometry != nil {
			f.Geometry = coordsys.Geometry(opt.CRS, coordsys.WGS84, f.Geometry)
		}
		if err := s.feature(f, popKey); err != nil {
			return nil, &FeatureError{Path: path, Index: i, Label: featureLabel(f), Err: err}
		}
	}
	return FromMap(s.pop, res, fmt.Sprintf("polygons %s (%s)", filepath.Base(path), popKey))
}

// featureLabel names a feature by its id and name property, if it has them.
func featureLabel(f *geojson.Feature) string {
	var label string
	switch id := f.ID.(type) {
	case nil:
	case string:
		label = fmt.Sprintf("id %q", id)
	default:
		label = fmt.Sprintf("id %v", id)
	}
	if name, ok := f.Properties["name"].(string); ok && name != "" {
		if label != "" {
			label += ", "
		}
		label += fmt.Sprintf("name %q", name)
	}
	return label
}

// spreader distributes the features' residents onto cells. It owns one GEOS
// context (GEOS contexts are not shared between goroutines).
type spreader struct {
	ctx *geos.Context
	res int
	pop map[h3.Cell]float64 // cell -> residents, all features so far

	// Scratch, reused across features.
	seen   map[h3.Cell]bool
	queue  []h3.Cell
	shares []cellShare
}

type cellShare struct {
	cell   h3.Cell
	weight float64 // intersection area in deg² × cos(latitude of the cell centre)
}

// feature checks one feature and adds its residents to s.pop.
func (s *spreader) feature(f *geojson.Feature, popKey string) (err error) {
	v, ok := f.Properties[popKey]
	if !ok || v == nil {
		return fmt.Errorf("%w: property %q missing", ErrBadPopulation, popKey)
	}
	pop, ok := v.(float64)
	if !ok {
		return fmt.Errorf("%w: property %q is %v (%T), want a number", ErrBadPopulation, popKey, v, v)
	}
	if math.IsNaN(pop) || math.IsInf(pop, 0) || pop < 0 {
		return fmt.Errorf("%w: property %q is %v", ErrBadPopulation, popKey, pop)
	}
	var mp orb.MultiPolygon
	switch g := f.Geometry.(type) {
	case orb.Polygon:
		mp = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		mp = g
	case nil:
		return fmt.Errorf("%w: no geometry", ErrBadGeometry)
	default:
		return fmt.Errorf("%w: geometry is a %s, want Polygon or MultiPolygon", ErrBadGeometry, g.GeoJSONType())
	}
	for _, poly := range mp {
		for _, ring := range poly {
			for _, p := range ring {
				if !(math.Abs(p[0]) <= 180 && math.Abs(p[1]) <= 90) {
					return fmt.Errorf("%w: point %v outside lon -180..180, lat -90..90", ErrBadGeometry, p)
				}
			}
		}
	}
	// go-geos panics when GEOS fails on an operation; the input is checked
	// to be valid first, so a panic here is a GEOS robustness failure on a
	// valid polygon, reported as this feature's error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: geos: %v", ErrBadGeometry, r)
		}
	}()
	b, err := wkb.Marshal(f.Geometry)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadGeometry, err)
	}
	g, err := s.ctx.NewGeomFromWKB(b)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadGeometry, err)
	}
	defer func() { g.Destroy() }() // g may be replaced by its repair
	if !g.IsValid() {
		fixed, err := s.repair(g)
		if err != nil {
			return err
		}
		g.Destroy()
		g = fixed
		// Seed the cell search from the repaired polygon's vertices: a
		// vertex of the original may sit on a discarded spike.
		rg, err := wkb.Unmarshal(g.ToWKB())
		if err != nil {
			return fmt.Errorf("%w: repaired polygon: %v", ErrBadGeometry, err)
		}
		switch rg := rg.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{rg}
		case orb.MultiPolygon:
			mp = rg
		}
	}
	if pop == 0 {
		return nil
	}
	if g.IsEmpty() || g.Area() == 0 {
		return fmt.Errorf("%w: empty polygon cannot hold %v residents", ErrBadGeometry, pop)
	}
	shares, err := s.overlaps(g, mp)
	if err != nil {
		return err
	}
	var total float64
	for _, sh := range shares {
		total += sh.weight
	}
	if !(total > 0) {
		return fmt.Errorf("%w: overlaps no H3 cell at resolution %d", ErrBadGeometry, s.res)
	}
	for _, sh := range shares {
		s.pop[sh.cell] += pop * sh.weight / total
	}
	return nil
}

// RepairTolerance is the largest relative change of area FromPolygons
// accepts when it repairs an invalid polygon with GEOS MakeValid. Real
// boundary files are often invalid only through digitising or rounding
// artefacts: a ring touching itself at a vertex, a spike folded back onto
// itself, a loop a few metres across. Repairing those moves the area by
// far less than this (the Chinese county files in shared/data, all of
// which are invalid that way, by at most 0.013%), while a genuinely
// malformed polygon, such as a bow tie whose lobes cancel, changes a lot
// and is refused with the GEOS reason.
const RepairTolerance = 1e-3

// repair returns the valid polygonal form of the invalid g, or an error
// with GEOS's reason when repairing it would change its area by more than
// RepairTolerance (relative). The caller owns the result.
func (s *spreader) repair(g *geos.Geom) (*geos.Geom, error) {
	reason := g.IsValidReason()
	fixed := g.MakeValidWithParams(geos.MakeValidStructure, geos.MakeValidDiscardCollapsed)
	before, after := math.Abs(g.Area()), fixed.Area()
	change := math.Abs(after-before) / math.Max(before, after)
	if t := fixed.TypeID(); (t != geos.TypeIDPolygon && t != geos.TypeIDMultiPolygon) || fixed.IsEmpty() || !(change <= RepairTolerance) {
		fixed.Destroy()
		return nil, fmt.Errorf("%w: %s (repairing it would change its area by %.3g%%, more than %g%%)",
			ErrBadGeometry, reason, 100*change, 100*RepairTolerance)
	}
	return fixed, nil
}

// overlaps returns the cells of resolution s.res whose interiors intersect
// g (the GEOS form of mp), with their area weights. The
// returned slice is reused by the next call.
func (s *spreader) overlaps(g *geos.Geom, mp orb.MultiPolygon) ([]cellShare, error) {
	if s.seen == nil {
		s.seen = make(map[h3.Cell]bool)
	}
	clear(s.seen)
	s.queue, s.shares = s.queue[:0], s.shares[:0]
	// Seed with the cell of each part's first vertex and its neighbours:
	// the vertex lies in one of their straight-edged polygons even where
	// that differs from H3's geodesic boundary.
	for _, poly := range mp {
		if len(poly) == 0 || len(poly[0]) == 0 {
			continue
		}
		c, err := geo.CellOf(poly[0][0], s.res)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadGeometry, err)
		}
		if err := s.push(c); err != nil {
			return nil, err
		}
	}
	pg := g.Prepare()
	defer pg.Destroy()
	coords := make([][]float64, 0, 11) // a hexagon with distortion vertices has up to 10
	for len(s.queue) > 0 {
		c := s.queue[len(s.queue)-1]
		s.queue = s.queue[:len(s.queue)-1]
		cellPoly, err := geo.CellPolygon(c)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadGeometry, err)
		}
		coords = coords[:0]
		for _, p := range cellPoly[0] {
			coords = append(coords, []float64{p[0], p[1]})
		}
		cg := s.ctx.NewPolygon([][][]float64{coords})
		var area float64
		var touches bool
		switch {
		case pg.ContainsProperly(cg):
			area, touches = planar.Area(cellPoly), true
		case pg.Intersects(cg):
			in := g.Intersection(cg)
			area, touches = in.Area(), true
			in.Destroy()
		}
		cg.Destroy()
		if !touches {
			continue
		}
		if area > 0 {
			center, err := geo.CellCenter(c)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrBadGeometry, err)
			}
			s.shares = append(s.shares, cellShare{cell: c, weight: area * math.Cos(center[1]*math.Pi/180)})
		}
		if err := s.push(c); err != nil {
			return nil, err
		}
	}
	return s.shares, nil
}

// push queues c and its neighbours that have not been seen yet.
func (s *spreader) push(c h3.Cell) error {
	disk, err := c.GridDisk(1)
	if err != nil {
		return fmt.Errorf("%w: neighbours of %s: %v", ErrBadGeometry, c, err)
	}
	for _, n := range disk {
		if n != 0 && !s.seen[n] {
			s.seen[n] = true
			s.queue = append(s.queue, n)
		}
	}
	return nil
}
