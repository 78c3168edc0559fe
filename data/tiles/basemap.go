package tiles

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/simplify"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/geo"
)

// LayerBasemap is the base map: one URL (/tiles/basemap/{z}/{x}/{y}.mvt)
// whose tiles hold several MVT layers, the BasemapLayers, drawn under the
// study's layers.
const LayerBasemap = "basemap"

// The MVT layers of a base-map tile, in drawing order (bottom first).
const (
	BasemapLanduse   = "landuse"
	BasemapWater     = "water"
	BasemapWaterways = "waterways"
	BasemapBuildings = "buildings"
	BasemapRoads     = "roads"
	BasemapPlaces    = "places"
)

// BasemapLayers returns the MVT layer names of a base-map tile in drawing
// order. The slice is the caller's.
func BasemapLayers() []string {
	return []string{BasemapLanduse, BasemapWater, BasemapWaterways, BasemapBuildings, BasemapRoads, BasemapPlaces}
}

// basemapTopZoom is the most detailed level of the base map: geometry is
// kept unsimplified there, and higher zooms over-zoom it.
const basemapTopZoom = 14

// roadMinZoom is the first zoom at which a road class is drawn: a tile
// carries what a quiet reference map shows at that scale (motorways and
// trunk roads from the country view, streets from z12, footpaths at z14).
var roadMinZoom = map[string]int{
	"motorway": 5, "trunk": 5, "primary": 7, "secondary": 9, "tertiary": 10,
	"minor": 12, "service": 13, "track": 13, "path": 14,
}

// waterwayMinZoom is the same for waterway lines.
var waterwayMinZoom = map[string]int{"coastline": 0, "river": 8, "canal": 10, "stream": 12}

// placeMinZoom is the same for place labels.
var placeMinZoom = map[string]int{"city": 4, "town": 8, "village": 10, "suburb": 11, "hamlet": 12, "neighbourhood": 13}

// Area thresholds, in square pixels of a 256-pixel tile at the zoom drawn:
// smaller polygons are left out of a tile (they would be a speck).
const (
	minWaterPx2    = 2
	minLandusePx2  = 16
	minBuildingPx2 = 2
	landuseMinZoom = 8
	buildingZoom   = 13
)

// simplifyUnits is the Douglas–Peucker tolerance in tile units (of Extent)
// at each level below basemapTopZoom: half a pixel of a 1024-pixel tile.
const simplifyUnits = 2

// A Basemap is the base map's tile layers, built once from an OSM extract
// (NewBasemap) or from the road graph alone (GraphBasemap). It is
// immutable and safe for concurrent use. Give it to NewSet in
// Options.Basemap to serve and export it as the layer LayerBasemap.
type Basemap struct {
	subs   []*bmSub
	bounds orb.Bound // [lon, lat] of every feature
	source string    // "osm" or "graph"
}

// bmSub is one MVT layer of the base map.
type bmSub struct {
	name, description string
	fields            []field
	minZoom           int
	levels            [basemapTopZoom + 1]*bmLevel
}

// bmLevel is one zoom of a base-map layer: the features drawn at that
// zoom, simplified for it, and a grid over their bounds.
type bmLevel struct {
	feats []bmFeature
	idx   grid
}

// bmFeature is one feature in world coordinates (see toWorld): a point,
// lines or polygons.
type bmFeature struct {
	props geojson.Properties
	point *orb.Point
	lines orb.MultiLineString
	polys orb.MultiPolygon
}

func (f *bmFeature) bound() orb.Bound {
	switch {
	case f.point != nil:
		return orb.Bound{Min: *f.point, Max: *f.point}
	case len(f.lines) > 0:
		return f.lines.Bound()
	}
	return f.polys.Bound()
}

// Source says what the base map was built from: "osm" (the study's
// extract: roads, water, landuse, buildings, places) or "graph" (a study
// given a prebuilt graph: its roads only, classed by speed).
func (b *Basemap) Source() string { return b.source }

// Bounds returns the [lon, lat] bounds of the base map's features.
func (b *Basemap) Bounds() orb.Bound { return b.bounds }

// BasemapFrom builds a study's base map: from its OSM extract pbf when
// there is one (network.pbf), else from its road graph g.
func BasemapFrom(ctx context.Context, pbf string, g *graph.Graph) (*Basemap, error) {
	if pbf != "" {
		src, err := osm.ExtractBasemap(ctx, pbf, osm.Options{})
		if err != nil {
			return nil, fmt.Errorf("base map: %w", err)
		}
		return NewBasemap(src)
	}
	if g == nil {
		return nil, errors.New("tiles: the study has neither an OSM extract nor a graph for its base map")
	}
	return GraphBasemap(g)
}

var (
	roadFields = []field{
		{"class", typeString}, {"link", typeBoolean}, {"name", typeString}, {"name_en", typeString},
		{"name_zh", typeString}, {"ref", typeString}, {"way_id", typeNumber},
	}
	lineFields  = []field{{"class", typeString}, {"name", typeString}}
	areaFields  = []field{{"class", typeString}, {"name", typeString}}
	placeFields = []field{
		{"class", typeString}, {"name", typeString}, {"name_en", typeString}, {"name_zh", typeString},
		{"population", typeNumber}, {"rank", typeNumber},
	}
)

// NewBasemap builds the base-map layers from an extract's features.
func NewBasemap(src *osm.Basemap) (*Basemap, error) {
	if src == nil {
		return nil, errors.New("tiles: NewBasemap needs the extracted features")
	}
	b := &Basemap{source: "osm"}

	landuse := b.sub(BasemapLanduse, "Land use and land cover: class residential, commercial, industrial, forest, scrub, grass, farmland, park, cemetery, rock, wetland, military", areaFields, landuseMinZoom)
	for _, a := range src.Landuse {
		landuse.addAreas(geojson.Properties{"class": a.Class}, a.Geom, minLandusePx2)
	}
	water := b.sub(BasemapWater, "Lakes, reservoirs and river areas", areaFields, 0)
	for _, a := range src.Water {
		p := geojson.Properties{"class": a.Class}
		if a.Name != "" {
			p["name"] = a.Name
		}
		water.addAreas(p, a.Geom, minWaterPx2)
	}
	waterways := b.sub(BasemapWaterways, "Rivers, canals, streams and the coastline, as lines", lineFields, 0)
	for _, w := range src.Waterways {
		p := geojson.Properties{"class": w.Class}
		if w.Name != "" {
			p["name"] = w.Name
		}
		waterways.addLine(p, w.Line, waterwayMinZoom[w.Class])
	}
	buildings := b.sub(BasemapBuildings, "Building outlines", nil, buildingZoom)
	for _, poly := range src.Buildings {
		buildings.addAreas(geojson.Properties{}, orb.MultiPolygon{poly}, minBuildingPx2)
	}
	roads := b.sub(BasemapRoads, "Roads by class (motorway, trunk, primary, secondary, tertiary, minor, service, track, path); link: a ramp; name, name_en, name_zh, ref: labels; way_id: the OSM way (what close_ways takes)", roadFields, roadMinZoom["motorway"])
	for _, r := range src.Roads {
		p := geojson.Properties{"class": r.Class, "link": r.Link, "way_id": float64(r.WayID)}
		names(p, r.Name, r.NameEn, r.NameZh)
		if r.Ref != "" {
			p["ref"] = r.Ref
		}
		roads.addLine(p, r.Line, roadMinZoom[r.Class])
	}
	places := b.sub(BasemapPlaces, "Named places (class city, town, village, suburb, hamlet, neighbourhood); rank 1 the largest class", placeFields, placeMinZoom["city"])
	ranked := slices.Clone(src.Places)
	// Larger places first, so that a client placing labels in feature
	// order keeps the important ones.
	slices.SortStableFunc(ranked, func(x, y osm.BasemapPlace) int {
		if d := placeRank(x.Class) - placeRank(y.Class); d != 0 {
			return d
		}
		return -cmpFloat(x.Population, y.Population)
	})
	for _, pl := range ranked {
		p := geojson.Properties{"class": pl.Class, "rank": placeRank(pl.Class)}
		names(p, pl.Name, pl.NameEn, pl.NameZh)
		if pl.Population > 0 {
			p["population"] = pl.Population
		}
		places.addPoint(p, pl.Loc, placeMinZoom[pl.Class])
	}
	b.finish()
	return b, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func placeRank(class string) int {
	switch class {
	case "city":
		return 1
	case "town":
		return 2
	case "village", "suburb":
		return 3
	case "hamlet":
		return 4
	}
	return 5
}

func names(p geojson.Properties, name, en, zh string) {
	if name != "" {
		p["name"] = name
	}
	if en != "" {
		p["name_en"] = en
	}
	if zh != "" {
		p["name_zh"] = zh
	}
}

// GraphBasemap builds a base map from a road graph alone, for a study
// given a prebuilt graph and no extract: the roads layer only, one feature
// per OSM way (way_id), its edges joined into lines, classed by the
// driving speed of the way (length over travel time, the profile's speed:
// primary from 70 km/h, secondary from 50, tertiary from 35, minor below).
func GraphBasemap(g *graph.Graph) (*Basemap, error) {
	if g == nil || g.NumNodes() == 0 {
		return nil, errors.New("tiles: GraphBasemap needs a graph with nodes")
	}
	type seg struct{ a, b graph.NodeID }
	type wayAcc struct {
		segs    []seg
		lengthM float64
		seconds float64
	}
	ways := map[int64]*wayAcc{}
	var order []int64
	seen := map[seg]bool{}
	for v := graph.NodeID(0); int(v) < g.NumNodes(); v++ {
		end := graph.EdgeID(g.NumEdges())
		if int(v)+1 < g.NumNodes() {
			end = g.FirstEdge(v + 1)
		}
		for e := g.FirstEdge(v); e < end; e++ {
			u := g.Head(e)
			k := seg{min(v, u), max(v, u)}
			if k.a == k.b || seen[k] {
				continue
			}
			seen[k] = true
			id := g.WayID(e)
			w := ways[id]
			if w == nil {
				w = &wayAcc{}
				ways[id] = w
				order = append(order, id)
			}
			w.segs = append(w.segs, k)
			l := geo.Haversine(g.Point(v), g.Point(u))
			w.lengthM += l
			w.seconds += float64(g.Weight(e))
		}
	}
	slices.Sort(order)
	b := &Basemap{source: "graph"}
	roads := b.sub(BasemapRoads, "Roads of the study's graph (no OSM extract): class primary, secondary, tertiary or minor by the profile's driving speed; way_id: the OSM way", roadFields, roadMinZoom["primary"])
	for _, id := range order {
		w := ways[id]
		class := "minor"
		if w.seconds > 0 {
			switch kph := w.lengthM / w.seconds * 3.6; {
			case kph >= 70:
				class = "primary"
			case kph >= 50:
				class = "secondary"
			case kph >= 35:
				class = "tertiary"
			}
		}
		// Join the way's segments into lines: walk from each node that is
		// not a simple pass-through.
		adj := map[graph.NodeID][]graph.NodeID{}
		for _, s := range w.segs {
			adj[s.a] = append(adj[s.a], s.b)
			adj[s.b] = append(adj[s.b], s.a)
		}
		used := map[seg]bool{}
		var mls orb.MultiLineString
		walk := func(from, next graph.NodeID) {
			ls := orb.LineString{g.Point(from)}
			prev, cur := from, next
			for {
				used[seg{min(prev, cur), max(prev, cur)}] = true
				ls = append(ls, g.Point(cur))
				nb := adj[cur]
				if len(nb) != 2 {
					break
				}
				nxt := nb[0]
				if nxt == prev {
					nxt = nb[1]
				}
				if used[seg{min(cur, nxt), max(cur, nxt)}] {
					break
				}
				prev, cur = cur, nxt
			}
			mls = append(mls, ls)
		}
		nodes := make([]graph.NodeID, 0, len(adj))
		for n := range adj {
			nodes = append(nodes, n)
		}
		slices.Sort(nodes)
		for _, pass := range []bool{false, true} { // ends first, then closed loops
			for _, n := range nodes {
				if !pass && len(adj[n]) == 2 {
					continue
				}
				for _, m := range adj[n] {
					if !used[seg{min(n, m), max(n, m)}] {
						walk(n, m)
					}
				}
			}
		}
		p := geojson.Properties{"class": class, "link": false, "way_id": float64(id)}
		roads.addLines(p, mls, roadMinZoom[class])
	}
	b.finish()
	return b, nil
}

// sub adds an MVT layer to the base map.
func (b *Basemap) sub(name, description string, fields []field, minZoom int) *bmSub {
	s := &bmSub{name: name, description: description, fields: fields, minZoom: minZoom}
	for z := range s.levels {
		s.levels[z] = &bmLevel{}
	}
	b.subs = append(b.subs, s)
	return s
}

// tolerance is the simplification tolerance at zoom z in world units.
func tolerance(z int) float64 {
	if z >= basemapTopZoom {
		return 0
	}
	return simplifyUnits / (Extent * math.Ldexp(1, z))
}

func (s *bmSub) addPoint(p geojson.Properties, ll orb.Point, minZoom int) {
	w := toWorld(ll)
	for z := max(minZoom, s.minZoom); z <= basemapTopZoom; z++ {
		s.levels[z].feats = append(s.levels[z].feats, bmFeature{props: p, point: &w})
	}
}

func (s *bmSub) addLine(p geojson.Properties, ls orb.LineString, minZoom int) {
	s.addLines(p, orb.MultiLineString{ls}, minZoom)
}

func (s *bmSub) addLines(p geojson.Properties, mls orb.MultiLineString, minZoom int) {
	world := make(orb.MultiLineString, 0, len(mls))
	for _, ls := range mls {
		wl := make(orb.LineString, len(ls))
		for i, q := range ls {
			wl[i] = toWorld(q)
		}
		world = append(world, wl)
	}
	for z := max(minZoom, s.minZoom); z <= basemapTopZoom; z++ {
		g := world
		if tol := tolerance(z); tol > 0 {
			g = nil
			for _, ls := range world {
				sl := simplify.DouglasPeucker(tol).LineString(ls.Clone())
				if len(sl) >= 2 && !(len(sl) == 2 && sl[0] == sl[1]) {
					g = append(g, sl)
				}
			}
			if len(g) == 0 {
				continue
			}
		}
		s.levels[z].feats = append(s.levels[z].feats, bmFeature{props: p, lines: g})
	}
}

// addAreas adds polygons, each to the zooms at which it covers at least
// minPx2 square pixels.
func (s *bmSub) addAreas(p geojson.Properties, mp orb.MultiPolygon, minPx2 float64) {
	for _, poly := range mp {
		if len(poly) == 0 || len(poly[0]) < 4 {
			continue
		}
		w := worldPolygon(poly)
		area := math.Abs(ringArea2(w[0])) / 2 // world units²
		for z := s.minZoom; z <= basemapTopZoom; z++ {
			px := 256 * math.Ldexp(1, z)
			if area*px*px < minPx2 {
				continue
			}
			g := w
			if tol := tolerance(z); tol > 0 {
				g = nil
				for i, r := range w {
					sr := simplify.DouglasPeucker(tol).Ring(r.Clone())
					if len(sr) < 4 {
						if i == 0 {
							break
						}
						continue
					}
					g = append(g, sr)
				}
				if len(g) == 0 {
					continue
				}
			}
			s.levels[z].feats = append(s.levels[z].feats, bmFeature{props: p, polys: orb.MultiPolygon{g}})
		}
	}
}

// finish indexes every level and computes the bounds.
func (b *Basemap) finish() {
	have := false
	var wb orb.Bound
	for _, s := range b.subs {
		for _, lv := range s.levels {
			bs := make([]orb.Bound, len(lv.feats))
			for i := range lv.feats {
				bs[i] = lv.feats[i].bound()
				if !have {
					wb, have = bs[i], true
				} else {
					wb = wb.Union(bs[i])
				}
			}
			lv.idx = newGrid(bs)
		}
	}
	if have {
		b.bounds = orb.Bound{Min: fromWorld(orb.Point{wb.Min[0], wb.Max[1]}), Max: fromWorld(orb.Point{wb.Max[0], wb.Min[1]})}
	}
}

// asLayer wraps the base map as a Set layer: its levels hold one part per
// feature (their bounds only), which is what the export's tile listing and
// the layer bounds need; rendering is the base map's own.
func (b *Basemap) asLayer() *layer {
	l := &layer{name: LayerBasemap, basemap: b,
		description: "Base map from OpenStreetMap: " + fmt.Sprint(BasemapLayers()) + " as separate MVT layers"}
	for z := range l.zoomLevel {
		zz := min(z, basemapTopZoom)
		lv := &level{}
		for _, s := range b.subs {
			for i := range s.levels[zz].feats {
				wb := s.levels[zz].feats[i].bound()
				lv.parts = append(lv.parts, part{bound: wb})
			}
		}
		l.levels = append(l.levels, lv)
		l.zoomLevel[z] = uint8(z)
	}
	return l
}

// vectorLayers describes the base map's MVT layers for TileJSON.
func (b *Basemap) vectorLayers(maxZoom int) []VectorLayer {
	var out []VectorLayer
	for _, s := range b.subs {
		vl := VectorLayer{ID: s.name, Description: s.description, Fields: map[string]string{}, MinZoom: s.minZoom, MaxZoom: maxZoom}
		for _, f := range s.fields {
			vl.Fields[f.name] = f.typ
		}
		out = append(out, vl)
	}
	return out
}

// render draws tile z/x/y of the base map: one MVT layer per base-map
// layer with features there, gzip-compressed.
func (b *Basemap) render(ctx context.Context, bufferUnits float64, z, x, y int) ([]byte, error) {
	lz := min(z, basemapTopZoom)
	scale := math.Ldexp(1, z)
	buf := bufferUnits / Extent
	q := orb.Bound{
		Min: orb.Point{(float64(x) - buf) / scale, (float64(y) - buf) / scale},
		Max: orb.Point{(float64(x) + 1 + buf) / scale, (float64(y) + 1 + buf) / scale},
	}
	p := projector{scale: scale * Extent, ox: float64(x) * Extent, oy: float64(y) * Extent}
	box := orb.Bound{Min: orb.Point{-bufferUnits, -bufferUnits}, Max: orb.Point{Extent + bufferUnits, Extent + bufferUnits}}
	var layers mvt.Layers
	var hits []int32
	for _, s := range b.subs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lv := s.levels[lz]
		hits = lv.idx.query(q, hits[:0])
		if len(hits) == 0 {
			continue
		}
		slices.Sort(hits)
		out := &mvt.Layer{Name: s.name, Version: 2, Extent: Extent}
		for _, h := range hits {
			f := &lv.feats[h]
			var g orb.Geometry
			switch {
			case f.point != nil:
				if tp := p.point(*f.point); inBound(box, tp) {
					g = roundPoint(tp)
				}
			case len(f.lines) > 0:
				g = tileLines(p, box, f.lines)
			default:
				mp := make(orb.MultiPolygon, len(f.polys))
				for i, poly := range f.polys {
					mp[i] = p.polygon(poly)
				}
				g = fastPolygons(mp, box, false)
			}
			if g == nil {
				continue
			}
			out.Features = append(out.Features, &geojson.Feature{Type: "Feature", Geometry: g, Properties: f.props})
		}
		if len(out.Features) > 0 {
			layers = append(layers, out)
		}
	}
	if len(layers) == 0 {
		return nil, ErrEmptyTile
	}
	raw, err := mvt.Marshal(layers)
	if err != nil {
		return nil, err
	}
	return gzipTile(raw)
}

// tileLines projects, clips and rounds lines to one tile; nil when nothing
// is left.
func tileLines(p projector, box orb.Bound, mls orb.MultiLineString) orb.Geometry {
	var out orb.MultiLineString
	for _, ls := range mls {
		tl := make(orb.LineString, len(ls))
		for i, q := range ls {
			tl[i] = p.point(q)
		}
		for _, part := range clip.LineString(box, tl) {
			r := part[:0]
			for _, q := range part {
				q = roundPoint(q)
				if len(r) > 0 && r[len(r)-1] == q {
					continue
				}
				r = append(r, q)
			}
			if len(r) >= 2 {
				out = append(out, r)
			}
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}
