package tiles

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// TileJSON is a TileJSON 3.0.0 document (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0)
// for one layer of a Set.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name,omitempty"`
	Description  string        `json:"description,omitempty"`
	Version      string        `json:"version,omitempty"`
	Attribution  string        `json:"attribution"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	VectorLayers []VectorLayer `json:"vector_layers"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"` // west, south, east, north (degrees)
	Center       [3]float64    `json:"center"` // lon, lat, zoom
	// DataBounds (an addition to TileJSON, which allows them) are the
	// study's features at full detail (Set.DataBounds): where a map of
	// the study opens. Bounds may be wider, as low-zoom tiles aggregate
	// cells to coarser parents.
	DataBounds [4]float64 `json:"data_bounds"`
}

// VectorLayer describes one MVT layer: its id (the layer name in the
// tiles), its properties and their types ("Number", "String", "Boolean",
// the types tippecanoe writes), and its zooms.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description,omitempty"`
	Fields      map[string]string `json:"fields"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
}

// TileJSON returns the TileJSON 3.0.0 document of one layer, encoded as
// JSON. urlTemplate is the tile URL clients fetch, with {z}, {x} and {y}
// placeholders, e.g. "http://127.0.0.1:8080/tiles/cells/{z}/{x}/{y}.mvt".
// Bounds are the layer's features (the whole set's when the layer is
// empty), minzoom and maxzoom the set's Options.
func (s *Set) TileJSON(layer, urlTemplate string) ([]byte, error) {
	tj, err := s.tileJSON(layer, urlTemplate)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(tj, "", "  ")
}

func (s *Set) tileJSON(layer, urlTemplate string) (*TileJSON, error) {
	l, ok := s.layers[layer]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLayer, layer)
	}
	for _, ph := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(urlTemplate, ph) {
			return nil, fmt.Errorf("tiles: URL template %q has no %s", urlTemplate, ph)
		}
	}
	b := l.bounds
	if l.empty {
		b = s.bounds
	}
	tj := &TileJSON{
		TileJSON:     "3.0.0",
		Name:         strings.TrimSpace(s.name + " " + layer),
		Description:  l.description,
		Version:      "1.0.0",
		Attribution:  s.attribution,
		Scheme:       "xyz",
		Tiles:        []string{urlTemplate},
		VectorLayers: s.vectorLayers(l),
		MinZoom:      s.minZoom,
		MaxZoom:      s.maxZoom,
		Bounds:       [4]float64{floor7(b.Min[0]), floor7(b.Min[1]), ceil7(b.Max[0]), ceil7(b.Max[1])},
	}
	db := s.DataBounds()
	tj.DataBounds = [4]float64{floor7(db.Min[0]), floor7(db.Min[1]), ceil7(db.Max[0]), ceil7(db.Max[1])}
	c, z := center(b, s.minZoom, s.maxZoom)
	tj.Center = [3]float64{round7(c[0]), round7(c[1]), float64(z)}
	return tj, nil
}

// vectorLayers describes the MVT layers of one Set layer's tiles: the
// layer itself, or the base map's layers.
func (s *Set) vectorLayers(l *layer) []VectorLayer {
	if l.basemap != nil {
		return l.basemap.vectorLayers(s.maxZoom)
	}
	return []VectorLayer{s.vectorLayer(l)}
}

func (s *Set) vectorLayer(l *layer) VectorLayer {
	vl := VectorLayer{ID: l.name, Description: l.description, Fields: map[string]string{}, MinZoom: s.minZoom, MaxZoom: s.maxZoom}
	for _, f := range l.fields {
		vl.Fields[f.name] = f.typ
	}
	return vl
}

// center returns the middle of b and the zoom at which b fills about one
// 512-pixel view (two tiles across), clamped to minZoom..maxZoom.
func center(b orb.Bound, minZoom, maxZoom int) (orb.Point, int) {
	lo, hi := toWorld(orb.Point{b.Min[0], b.Max[1]}), toWorld(orb.Point{b.Max[0], b.Min[1]})
	c := fromWorld(orb.Point{(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2})
	span := math.Max(hi[0]-lo[0], hi[1]-lo[1])
	z := maxZoom
	if span > 0 {
		z = int(math.Floor(math.Log2(2 / span)))
	}
	return c, clampInt(z, minZoom, maxZoom)
}

// round7 rounds degrees to 1e-7 (about 1 cm), the precision of PMTiles;
// floor7 and ceil7 round bounds outwards.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }
func floor7(v float64) float64 { return math.Floor(v*1e7) / 1e7 }
func ceil7(v float64) float64  { return math.Ceil(v*1e7) / 1e7 }
