package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/twpayne/go-geos"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
)

// Layer names, as they appear in tile URLs, in the MVT layer and in TileJSON.
const (
	LayerCells      = "cells"
	LayerIsochrones = "isochrones"
	LayerBases      = "bases"
	LayerUnits      = "units"
	LayerGaps       = "gaps"
	// LayerShelters and LayerDepots are in a Set built with
	// Options.Shelters.
	LayerShelters = "shelters"
	LayerDepots   = "depots"
)

// LayerNames returns the layer names of every Set, in drawing order
// (bottom first). The slice is the caller's.
func LayerNames() []string {
	return []string{LayerUnits, LayerIsochrones, LayerCells, LayerGaps, LayerBases}
}

// allLayers is every layer a Set may have, in drawing order.
var allLayers = []string{LayerBasemap, LayerUnits, LayerIsochrones, LayerCells, LayerGaps, LayerShelters, LayerDepots, LayerBases}

// Layers returns the set's layer names in drawing order (bottom first):
// LayerNames, with shelters and depots when the set has them, and
// LayerBasemap first when it has a base map.
func (s *Set) Layers() []string {
	var out []string
	for _, n := range allLayers {
		if _, ok := s.layers[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

// Tile geometry and zoom limits.
const (
	// Extent is the size of a tile in tile units: 4096, the MVT 2.1 default
	// that MapLibre, Mapbox GL and GDAL assume.
	Extent = mvt.DefaultExtent
	// DefaultBuffer is how far beyond each tile edge geometry is kept, in
	// tile units (64/4096 = 4 pixels of a 256-pixel tile), so that fills and
	// outlines join across tile edges.
	DefaultBuffer = 64
	// DefaultMaxZoom is the highest zoom advertised by default: at z14 a
	// resolution-9 H3 cell (about 350 m across) spans about 40 pixels, and
	// clients over-zoom z14 tiles beyond it.
	DefaultMaxZoom = 14
	// MaxZoom is the highest zoom Tile and ParseTilePath accept.
	MaxZoom = 22
	// Attribution is the attribution every TileJSON and archive carries:
	// the road network, bases and units come from OpenStreetMap (ODbL).
	Attribution = "© OpenStreetMap contributors"
)

// Errors callers branch on with errors.Is. An HTTP handler maps ErrBadPath
// and ErrUnknownLayer to 404, ErrOutOfRange to 400 and ErrEmptyTile to 204
// (or to 200 with an empty body).
var (
	// ErrBadPath: a tile path that is not /tiles/{layer}/{z}/{x}/{y}.mvt.
	ErrBadPath = errors.New("tiles: not a tile path")
	// ErrOutOfRange: z outside 0..MaxZoom, or x or y outside 0..2^z-1.
	ErrOutOfRange = errors.New("tiles: tile coordinates out of range")
	// ErrUnknownLayer: a layer name the Set does not have.
	ErrUnknownLayer = errors.New("tiles: unknown layer")
	// ErrEmptyTile: the tile is valid but no feature of the layer reaches
	// it (within the buffer). No bytes are returned with it.
	ErrEmptyTile = errors.New("tiles: no feature in this tile")
)

// Options are the settings of a Set. The zero value means the defaults.
type Options struct {
	// MinZoom and MaxZoom are the zooms advertised in TileJSON and
	// exported by default; Tile renders any zoom 0..MaxZoom regardless.
	// MaxZoom 0 means DefaultMaxZoom.
	MinZoom, MaxZoom int
	// Buffer is how far beyond each edge geometry is kept, in tile units
	// of Extent; 0 means DefaultBuffer and a negative value no buffer.
	Buffer int
	// Name and Attribution go into TileJSON and PMTiles metadata; empty
	// means Input.Name and Attribution.
	Name, Attribution string
}

// Input is what the layers draw: one study's coverage input and result,
// its units' outlines and, optionally, its shelter result. The study layer
// (internal/study.TileInput) fills it; NewSet reads it and keeps nothing of
// it.
type Input struct {
	// Name is the study's name, the default name of the set.
	Name string
	// Coverage is the coverage input: cells with their residents and
	// units, the bases, and the units' ids (Coverage.Units).
	Coverage *coverage.Input
	// Result is coverage.Compute's answer on Coverage.
	Result *coverage.Result
	// UnitGeoms are the units' outlines in [lon, lat], parallel to
	// Coverage.Units.
	UnitGeoms []orb.MultiPolygon
	// Shelters, when not nil, adds the shelters and depots layers; its
	// unit indices are into Coverage.Units.
	Shelters *shelter.Result
	// Basemap, when not nil, adds the base map as the layer LayerBasemap
	// (see BasemapFrom). It does not count in the set's bounds.
	Basemap *Basemap
	// Times, when not empty, adds to the cells layer each time of day's
	// travel time and share inside the circle (see TimeCells).
	Times []TimeCells
}

// A Set is the vector-tile view of one study result: every layer, with
// its features projected to Web Mercator and indexed once by NewSet.
// A Set is immutable and safe for concurrent use; it keeps no reference to
// the study inputs or result it was built from.
type Set struct {
	name, attribution string
	minZoom, maxZoom  int
	buffer            float64 // tile units
	bounds            orb.Bound
	layers            map[string]*layer
	geos              *sync.Pool // of *geos.Context: one per rendering goroutine
}

// NewSet builds the tile layers of a study result.
func NewSet(in Input, opt Options) (*Set, error) {
	r := in.Result
	if in.Coverage == nil || r == nil {
		return nil, errors.New("tiles: NewSet needs the coverage input and its result")
	}
	if opt.MaxZoom == 0 {
		opt.MaxZoom = DefaultMaxZoom
	}
	if opt.MinZoom < 0 || opt.MaxZoom > MaxZoom || opt.MinZoom > opt.MaxZoom {
		return nil, fmt.Errorf("tiles: zoom range %d..%d: want 0 <= min <= max <= %d", opt.MinZoom, opt.MaxZoom, MaxZoom)
	}
	switch {
	case opt.Buffer == 0:
		opt.Buffer = DefaultBuffer
	case opt.Buffer < 0:
		opt.Buffer = 0
	case opt.Buffer > Extent:
		return nil, fmt.Errorf("tiles: buffer %d: want at most %d tile units", opt.Buffer, Extent)
	}
	ci := in.Coverage
	if len(r.Cells.Time) != len(ci.Cells) || len(r.Units) != len(ci.Units) || len(r.Bases) != len(ci.Bases) || len(in.UnitGeoms) != len(ci.Units) {
		return nil, fmt.Errorf("tiles: the result does not belong to these inputs (%d/%d cells, %d/%d units, %d/%d bases, %d unit outlines)",
			len(r.Cells.Time), len(ci.Cells), len(r.Units), len(ci.Units), len(r.Bases), len(ci.Bases), len(in.UnitGeoms))
	}
	s := &Set{
		name: opt.Name, attribution: opt.Attribution,
		minZoom: opt.MinZoom, maxZoom: opt.MaxZoom, buffer: float64(opt.Buffer),
		layers: map[string]*layer{},
		geos:   &sync.Pool{New: func() any { return geos.NewContext() }},
	}
	if s.name == "" {
		s.name = in.Name
	}
	if s.attribution == "" {
		s.attribution = Attribution
	}
	have := false
	builders := []func(*Input) (*layer, error){
		cellsLayer, isochronesLayer, basesLayer, unitsLayer, gapsLayer,
	}
	if in.Shelters != nil {
		builders = append(builders, sheltersLayer, depotsLayer)
	}
	if in.Basemap != nil {
		builders = append(builders, func(in *Input) (*layer, error) { return in.Basemap.asLayer(), nil })
	}
	for _, build := range builders {
		l, err := build(&in)
		if err != nil {
			return nil, err
		}
		l.finish()
		if l.empty && (l.name == LayerShelters || l.name == LayerDepots) {
			continue // optional layers are left out rather than served empty
		}
		s.layers[l.name] = l
		if !l.empty && l.basemap == nil {
			if !have {
				s.bounds, have = l.bounds, true
			} else {
				s.bounds = s.bounds.Union(l.bounds)
			}
		}
	}
	return s, nil
}

// Bounds returns the [lon, lat] bounds of every feature of the set (the
// base map left out).
func (s *Set) Bounds() orb.Bound { return s.bounds }

// DataBounds returns the [lon, lat] bounds of the study's own features at
// full detail: the cells at the study's resolution (not the coarser
// parents drawn at low zooms), the bases, shelters and depots. Units are
// left out (a study's units may be a whole state around one city), and so
// is the base map. It is where a map of the study opens.
func (s *Set) DataBounds() orb.Bound {
	var b orb.Bound
	have := false
	for _, n := range []string{LayerCells, LayerBases, LayerShelters, LayerDepots} {
		l, ok := s.layers[n]
		if !ok || l.empty {
			continue
		}
		if !have {
			b, have = l.dataBounds, true
		} else {
			b = b.Union(l.dataBounds)
		}
	}
	if !have {
		return s.bounds
	}
	return b
}

// Zooms returns the zoom range of Options (advertised in TileJSON, and the
// natural range of an export).
func (s *Set) Zooms() (minZoom, maxZoom int) { return s.minZoom, s.maxZoom }

// LayerBounds returns the [lon, lat] bounds of one layer's features (the
// zero Bound for a layer without features), and false if the set has no
// such layer.
func (s *Set) LayerBounds(name string) (orb.Bound, bool) {
	l, ok := s.layers[name]
	if !ok {
		return orb.Bound{}, false
	}
	return l.bounds, true
}

// Tile renders one layer of tile z/x/y (XYZ scheme, 0 <= z <= MaxZoom) as a
// gzip-compressed MVT with a single layer named after the layer. It returns
// ErrUnknownLayer, ErrOutOfRange, ErrEmptyTile when no feature reaches the
// tile, or ctx's error. The bytes are the caller's; equal inputs give equal
// bytes.
func (s *Set) Tile(ctx context.Context, layer string, z, x, y int) ([]byte, error) {
	l, ok := s.layers[layer]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLayer, layer)
	}
	if err := checkTile(z, x, y); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.basemap != nil {
		return l.basemap.render(ctx, s.buffer, z, x, y)
	}
	return s.render(ctx, l, z, x, y)
}

func checkTile(z, x, y int) error {
	if z < 0 || z > MaxZoom {
		return fmt.Errorf("%w: zoom %d (want 0 to %d)", ErrOutOfRange, z, MaxZoom)
	}
	n := 1 << z
	if x < 0 || x >= n || y < 0 || y >= n {
		return fmt.Errorf("%w: %d/%d/%d (x and y 0 to %d at zoom %d)", ErrOutOfRange, z, x, y, n-1, z)
	}
	return nil
}

// render projects, clips and encodes the features of l that reach the tile.
func (s *Set) render(ctx context.Context, l *layer, z, x, y int) ([]byte, error) {
	lv := l.level(z)
	scale := math.Ldexp(1, z) // tiles per world
	b := s.buffer / Extent    // buffer in tiles
	q := orb.Bound{
		Min: orb.Point{(float64(x) - b) / scale, (float64(y) - b) / scale},
		Max: orb.Point{(float64(x) + 1 + b) / scale, (float64(y) + 1 + b) / scale},
	}
	hits := lv.idx.query(q, nil)
	if len(hits) == 0 {
		return nil, ErrEmptyTile
	}
	slices.Sort(hits) // feature order, then part order: deterministic output
	p := projector{scale: scale * Extent, ox: float64(x) * Extent, oy: float64(y) * Extent}
	clipBox := orb.Bound{Min: orb.Point{-s.buffer, -s.buffer}, Max: orb.Point{Extent + s.buffer, Extent + s.buffer}}
	out := &mvt.Layer{Name: l.name, Version: 2, Extent: Extent}
	var mp orb.MultiPolygon
	for k, n := 0, 0; k < len(hits); n++ {
		if n%256 == 0 { // n counts features
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		fi := lv.parts[hits[k]].feat
		f := &lv.feats[fi]
		mp = mp[:0]
		var pt orb.Point
		hasPoint, inside := false, true
		for ; k < len(hits) && lv.parts[hits[k]].feat == fi; k++ {
			pa := &lv.parts[hits[k]]
			if f.point {
				if tp := p.point(pa.point); inBound(clipBox, tp) {
					pt, hasPoint = roundPoint(tp), true
				}
				continue
			}
			mp = append(mp, p.polygon(pa.poly))
			inside = inside && contains(clipBox, pa.bound, p)
		}
		var g orb.Geometry
		switch {
		case f.point:
			if hasPoint {
				g = pt
			}
		case l.robust:
			g = s.robustPolygons(mp, clipBox, inside)
		default:
			g = fastPolygons(mp, clipBox, inside)
		}
		if g == nil {
			continue
		}
		feat := &geojson.Feature{Type: "Feature", Geometry: g, Properties: f.props}
		if f.id != 0 {
			feat.ID = f.id
		}
		out.Features = append(out.Features, feat)
	}
	layers := mvt.Layers{out}
	layers.RemoveEmpty(0, 0) // belt and braces: tidyPolygon already dropped empty rings
	if len(out.Features) == 0 {
		return nil, ErrEmptyTile
	}
	raw, err := mvt.Marshal(layers)
	if err != nil {
		return nil, err
	}
	return gzipTile(raw)
}

// gzipWriters reuses gzip writers: each holds about 800 KB of compressor
// state, more than most tiles.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// gzipTile is mvt.MarshalGzipped's compression (gzip, default level, no
// name or time in the header) with pooled writers.
func gzipTile(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(raw)/2 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func inBound(b orb.Bound, p orb.Point) bool {
	return p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1]
}

// contains reports whether a part whose world bound is wb lies inside the
// clip box once projected, so that clipping can be skipped.
func contains(box, wb orb.Bound, p projector) bool {
	return inBound(box, p.point(wb.Min)) && inBound(box, p.point(wb.Max))
}
