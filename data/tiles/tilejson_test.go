package tiles_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/tiles"
)

func TestTileJSON(t *testing.T) {
	_, res, set := andorra(t)
	wantFields := map[string]map[string]string{
		tiles.LayerCells: {"cell": "String", "seconds": "Number", "within": "Boolean", "population": "Number", "no_road": "Boolean",
			"within_share": "Number", "max_seconds": "Number", "res": "Number"},
		tiles.LayerIsochrones: {"base_id": "String", "minutes": "Number", "residents": "Number"},
		tiles.LayerBases:      {"id": "String", "name": "String", "team_size": "Number", "level": "String", "nearest_residents": "Number"},
		tiles.LayerUnits:      {"id": "String", "name": "String", "share": "Number", "residents": "Number", "outside": "Number", "meets_rescue": "Boolean"},
		tiles.LayerGaps:       {"rank": "Number", "residents": "Number"},
	}
	for _, layer := range tiles.LayerNames() {
		t.Run(layer, func(t *testing.T) {
			url := "http://127.0.0.1:8080/tiles/" + layer + "/{z}/{x}/{y}.mvt"
			b, err := set.TileJSON(layer, url)
			if err != nil {
				t.Fatal(err)
			}
			var tj struct {
				TileJSON     string    `json:"tilejson"`
				Tiles        []string  `json:"tiles"`
				Attribution  string    `json:"attribution"`
				MinZoom      *int      `json:"minzoom"`
				MaxZoom      *int      `json:"maxzoom"`
				Bounds       []float64 `json:"bounds"`
				Center       []float64 `json:"center"`
				VectorLayers []struct {
					ID      string            `json:"id"`
					Fields  map[string]string `json:"fields"`
					MinZoom *int              `json:"minzoom"`
					MaxZoom *int              `json:"maxzoom"`
				} `json:"vector_layers"`
			}
			if err := json.Unmarshal(b, &tj); err != nil {
				t.Fatalf("TileJSON(%s) is not JSON: %v", layer, err)
			}
			if tj.TileJSON != "3.0.0" || len(tj.Tiles) != 1 || tj.Tiles[0] != url || tj.Attribution != "© OpenStreetMap contributors" {
				t.Errorf("TileJSON(%s): tilejson %q tiles %v attribution %q", layer, tj.TileJSON, tj.Tiles, tj.Attribution)
			}
			if tj.MinZoom == nil || tj.MaxZoom == nil || *tj.MinZoom != 0 || *tj.MaxZoom != tiles.DefaultMaxZoom {
				t.Errorf("TileJSON(%s): zooms %v..%v, want 0..%d", layer, tj.MinZoom, tj.MaxZoom, tiles.DefaultMaxZoom)
			}
			if len(tj.Bounds) != 4 || len(tj.Center) != 3 {
				t.Fatalf("TileJSON(%s): bounds %v center %v", layer, tj.Bounds, tj.Center)
			}
			w, s, e, n := tj.Bounds[0], tj.Bounds[1], tj.Bounds[2], tj.Bounds[3]
			// The extract reaches a little into Spain and France.
			if !(w < e && s < n && w > 1.2 && e < 2.0 && s > 42.2 && n < 42.9) {
				t.Errorf("TileJSON(%s): bounds %v are not Andorra's", layer, tj.Bounds)
			}
			if c := tj.Center; c[0] < w || c[0] > e || c[1] < s || c[1] > n || c[2] < 0 || c[2] > tiles.DefaultMaxZoom {
				t.Errorf("TileJSON(%s): center %v outside bounds %v", layer, c, tj.Bounds)
			}
			if layer == tiles.LayerBases {
				for _, br := range res.Bases {
					if p := br.Loc; p[0] < w || p[0] > e || p[1] < s || p[1] > n {
						t.Errorf("base %s at %v outside bounds %v", br.ID, p, tj.Bounds)
					}
				}
			}
			if len(tj.VectorLayers) != 1 || tj.VectorLayers[0].ID != layer {
				t.Fatalf("TileJSON(%s): vector_layers %+v", layer, tj.VectorLayers)
			}
			vl := tj.VectorLayers[0]
			for k, typ := range wantFields[layer] {
				if vl.Fields[k] != typ {
					t.Errorf("TileJSON(%s): field %s is %q, want %q", layer, k, vl.Fields[k], typ)
				}
			}
			// Every property of every feature is a declared field of its type.
			for _, z := range []int{8, 11, 14} {
				for _, tl := range tilesOver(set.Bounds(), z) {
					l, _, ok := decode(t, set, layer, tl)
					if !ok {
						continue
					}
					for _, f := range l.Features {
						for k, v := range f.Properties {
							typ := map[bool]string{}
							switch v.(type) {
							case string:
								typ[true] = "String"
							case float64:
								typ[true] = "Number"
							case bool:
								typ[true] = "Boolean"
							}
							if vl.Fields[k] != typ[true] {
								t.Fatalf("%s %v: property %s = %v (%T) but TileJSON declares %q", layer, tl, k, v, v, vl.Fields[k])
							}
						}
					}
				}
			}
		})
	}
	if _, err := set.TileJSON("roads", "/tiles/roads/{z}/{x}/{y}.mvt"); !errors.Is(err, tiles.ErrUnknownLayer) {
		t.Errorf("TileJSON(roads) error = %v, want ErrUnknownLayer", err)
	}
	if _, err := set.TileJSON("cells", "/tiles/cells/{z}/{x}.mvt"); err == nil {
		t.Error("TileJSON with a template without {y}: nil error")
	}
}
