package tiles_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"github.com/paulmach/orb/planar"
	"github.com/twpayne/go-geos"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// buffer is the default clip buffer in tile units.
const buffer = tiles.DefaultBuffer

// Andorra la Vella, the densest part of the sample.
var andorraLaVella = orb.Point{1.5218, 42.5063}

// TestTilesValid renders every tile of every layer over the sample's bounds
// at zooms 0 to 15 (one beyond the default maximum) and checks each with orb's decoder and GEOS: one layer
// of the right name, version 2, extent 4096; coordinates within the buffer;
// exterior rings with positive surveyor's area in tile coordinates and
// holes negative (MVT 2.1 §4.3.4.4); every polygon valid for GEOS.
func TestTilesValid(t *testing.T) {
	_, _, set := andorra(t)
	for _, layer := range tiles.LayerNames() {
		t.Run(layer, func(t *testing.T) {
			t.Parallel()
			gctx := geos.NewContext()
			nonEmpty := 0
			for z := 0; z <= tiles.DefaultMaxZoom+1; z++ {
				for _, tl := range tilesOver(set.Bounds(), z) {
					l, _, ok := decode(t, set, layer, tl)
					if !ok {
						continue
					}
					nonEmpty++
					if l.Version != 2 || l.Extent != tiles.Extent {
						t.Fatalf("%s %v: version %d extent %d, want 2 and %d", layer, tl, l.Version, l.Extent, tiles.Extent)
					}
					if len(l.Features) == 0 {
						t.Fatalf("%s %v: a non-empty tile without features", layer, tl)
					}
					for _, f := range l.Features {
						checkGeometry(t, gctx, layer, tl, f.Geometry)
					}
				}
			}
			if nonEmpty == 0 {
				t.Errorf("layer %s: no tile at zooms 0-%d", layer, tiles.DefaultMaxZoom+1)
			}
		})
	}
}

func checkGeometry(t *testing.T, gctx *geos.Context, layer string, tl maptile.Tile, g orb.Geometry) {
	t.Helper()
	b := g.Bound()
	if b.Min[0] < -buffer || b.Min[1] < -buffer || b.Max[0] > tiles.Extent+buffer || b.Max[1] > tiles.Extent+buffer {
		t.Errorf("%s %v: geometry bound %v outside the tile buffer [-%d, %d]", layer, tl, b, buffer, tiles.Extent+buffer)
	}
	var polys orb.MultiPolygon
	switch g := g.(type) {
	case orb.Point:
		if layer != tiles.LayerBases {
			t.Errorf("%s %v: point geometry", layer, tl)
		}
		return
	case orb.Polygon:
		polys = orb.MultiPolygon{g}
	case orb.MultiPolygon:
		polys = g
	default:
		t.Fatalf("%s %v: geometry %T", layer, tl, g)
	}
	if layer == tiles.LayerBases {
		t.Errorf("%s %v: polygon geometry", layer, tl)
	}
	for _, p := range polys {
		for i, r := range p {
			if a := area2(r); (i == 0) != (a > 0) || a == 0 {
				t.Errorf("%s %v: ring %d has surveyor's area %v: want exterior > 0, holes < 0", layer, tl, i, a/2)
			}
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Errorf("%s %v: ring %d of %d points is not closed", layer, tl, i, len(r))
			}
		}
	}
	wb, err := wkb.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := gctx.NewGeomFromWKB(wb)
	if err != nil {
		t.Fatalf("%s %v: GEOS cannot read the geometry: %v", layer, tl, err)
	}
	defer gg.Destroy()
	if !gg.IsValid() {
		t.Errorf("%s %v: GEOS: %s", layer, tl, gg.IsValidReason())
	}
}

// TestCellsZ14MatchStudy: a z14 tile holds exactly the study's res-9 cells
// whose polygon reaches the tile plus its buffer, each with its row of the
// cells table.
func TestCellsZ14MatchStudy(t *testing.T) {
	in, res, set := andorra(t)
	ci := &in.Coverage
	if ci.Res != 9 {
		t.Fatalf("sample resolution %d, want 9", ci.Res)
	}
	row := map[string]int{}
	for i, c := range ci.Cells {
		row[c.String()] = i
	}
	tested := 0
	for _, tl := range tilesOver(set.Bounds(), 14) {
		// Expected, with orb's own projection (ProjectToTile floors): cells
		// whose clipped area is clearly positive must be there; cells that
		// only touch the buffer edge may be.
		surely, maybe := map[string]bool{}, map[string]bool{}
		near := tl.Bound(0.05) // generous: the buffer is 64/4096 = 0.016 tiles
		for _, c := range ci.Cells {
			poly, err := geo.CellPolygon(c)
			if err != nil {
				t.Fatal(err)
			}
			if !poly.Bound().Intersects(near) {
				continue
			}
			l := mvt.NewLayer("x", geojson.NewFeatureCollection().Append(geojson.NewFeature(poly)))
			l.ProjectToTile(tl)
			p := l.Features[0].Geometry.(orb.Polygon)
			in := orb.Bound{Min: orb.Point{-buffer + 2, -buffer + 2}, Max: orb.Point{tiles.Extent + buffer - 2, tiles.Extent + buffer - 2}}
			out := orb.Bound{Min: orb.Point{-buffer - 2, -buffer - 2}, Max: orb.Point{tiles.Extent + buffer + 2, tiles.Extent + buffer + 2}}
			if cp := clip.Polygon(in, p.Clone()); cp != nil && planar.Area(cp) >= 4 {
				surely[c.String()] = true
			}
			if cp := clip.Polygon(out, p.Clone()); cp != nil && planar.Area(cp) > 0 {
				maybe[c.String()] = true
			}
		}
		l, _, ok := decode(t, set, tiles.LayerCells, tl)
		if !ok {
			if len(surely) > 0 {
				t.Errorf("cells %v is empty, want %d cells", tl, len(surely))
			}
			continue
		}
		got := map[string]bool{}
		for _, f := range l.Features {
			cell := f.Properties.MustString("cell")
			if got[cell] {
				t.Errorf("cells %v: cell %s twice", tl, cell)
			}
			got[cell] = true
			i, ok := row[cell]
			if !ok {
				t.Fatalf("cells %v: cell %s is not a study cell", tl, cell)
			}
			checkCellRow(t, f.Properties, i, in, res)
		}
		for c := range surely {
			if !got[c] {
				t.Errorf("cells %v: study cell %s reaches the tile but is missing", tl, c)
			}
		}
		for c := range got {
			if !maybe[c] {
				t.Errorf("cells %v: cell %s does not reach the tile", tl, c)
			}
		}
		if len(got) > 0 {
			tested++
		}
	}
	if tested < 20 {
		t.Errorf("only %d non-empty z14 cells tiles, want the whole sample (>= 20)", tested)
	}
}

// checkCellRow compares a study-resolution feature with row i of the study.
func checkCellRow(t *testing.T, p geojson.Properties, i int, in *studyInputs, res *coverageResult) {
	t.Helper()
	ci := &in.Coverage
	c := &res.Cells
	cell := ci.Cells[i].String()
	want := geojson.Properties{
		"cell": cell, "res": 9.0, "cells": 1.0, "population": ci.Pop[i],
		"within": c.Within[i], "within_share": b2f(c.Within[i]),
		"no_road": c.NoRoad[i], "no_road_cells": b2f(c.NoRoad[i]), "unreached_cells": b2f(math.IsInf(c.Time[i], 1)),
	}
	if !math.IsInf(c.Time[i], 1) {
		want["seconds"], want["max_seconds"] = c.Time[i], c.Time[i]
	}
	if b := c.Base[i]; b >= 0 {
		want["base_id"] = ci.Bases[b].ID
	}
	if u := ci.CellUnit[i]; u >= 0 {
		want["unit_id"] = ci.Units[u].ID
	}
	if len(p) != len(want) {
		t.Errorf("cell %s: properties %v, want %v", cell, p, want)
	}
	for k, w := range want {
		if !sameValue(p[k], w) {
			t.Errorf("cell %s: %s = %v, want %v", cell, k, p[k], w)
		}
	}
}

// TestCellsAggregated: below z12 the cells layer holds parent cells whose
// numbers are the sums and means of their study cells.
func TestCellsAggregated(t *testing.T) {
	in, res, set := andorra(t)
	ci := &in.Coverage
	var total float64
	for _, p := range ci.Pop {
		total += p
	}
	for _, z := range []int{6, 8, 10, 11, 12} {
		r := tiles.CellRes(z, ci.Res)
		// Expected aggregates, from the study tables.
		type agg struct{ n, within, unreached, noRoad, pop, popW, wt, popR, tmax float64 }
		want := map[h3.Cell]*agg{}
		for i, c := range ci.Cells {
			p, err := c.Parent(r)
			if err != nil {
				t.Fatal(err)
			}
			a := want[p]
			if a == nil {
				a = &agg{}
				want[p] = a
			}
			a.n++
			a.pop += ci.Pop[i]
			if res.Cells.Within[i] {
				a.within++
				a.popW += ci.Pop[i]
			}
			if res.Cells.NoRoad[i] {
				a.noRoad++
			}
			if tm := res.Cells.Time[i]; math.IsInf(tm, 1) {
				a.unreached++
			} else {
				a.wt += ci.Pop[i] * tm
				a.popR += ci.Pop[i]
				a.tmax = math.Max(a.tmax, tm)
			}
		}
		seen := map[string]geojson.Properties{}
		for _, tl := range tilesOver(set.Bounds(), z) {
			l, _, ok := decode(t, set, tiles.LayerCells, tl)
			if !ok {
				continue
			}
			for _, f := range l.Features {
				seen[f.Properties.MustString("cell")] = f.Properties
			}
		}
		if len(seen) != len(want) {
			t.Errorf("z%d: %d distinct cells in the tiles, want %d parents at res %d", z, len(seen), len(want), r)
		}
		var pop, n float64
		for cell, p := range seen {
			c, err := geo.ParseCell(cell)
			if err != nil {
				t.Fatal(err)
			}
			a := want[c]
			if a == nil {
				t.Fatalf("z%d: cell %s is no parent of a study cell", z, cell)
			}
			pop += p.MustFloat64("population")
			n += p.MustFloat64("cells")
			checks := []struct {
				key  string
				want any
			}{
				{"res", float64(r)}, {"cells", a.n}, {"population", a.pop},
				{"within", a.within == a.n}, {"no_road", a.noRoad > 0}, {"no_road_cells", a.noRoad},
				{"unreached_cells", a.unreached},
			}
			if a.pop > 0 {
				checks = append(checks, struct {
					key  string
					want any
				}{"within_share", a.popW / a.pop})
			}
			if a.popR > 0 {
				checks = append(checks, struct {
					key  string
					want any
				}{"seconds", a.wt / a.popR}, struct {
					key  string
					want any
				}{"max_seconds", a.tmax})
			}
			for _, c := range checks {
				if !sameValue(p[c.key], c.want) {
					t.Errorf("z%d cell %s: %s = %v, want %v", z, cell, c.key, p[c.key], c.want)
				}
			}
		}
		if !near(pop, total, 1e-9) || int(n) != len(ci.Cells) {
			t.Errorf("z%d: the tiles hold %v residents in %v cells, want %v in %d", z, pop, n, total, len(ci.Cells))
		}
	}
}

// TestUnitsBasesGapsMatchStudy compares the small layers with the units,
// bases and gaps tables, feature by feature.
func TestUnitsBasesGapsMatchStudy(t *testing.T) {
	_, res, set := andorra(t)
	collect := func(layer string, z int, key string) map[string]*geojson.Feature {
		out := map[string]*geojson.Feature{}
		for _, tl := range tilesOver(set.Bounds(), z) {
			l, _, ok := decode(t, set, layer, tl)
			if !ok {
				continue
			}
			for _, f := range l.Features {
				if layer == tiles.LayerBases {
					// A point is in the buffer of its neighbours too: keep the
					// tile that holds it.
					p := f.Geometry.(orb.Point)
					if p[0] < 0 || p[1] < 0 || p[0] >= tiles.Extent || p[1] >= tiles.Extent {
						continue
					}
					if _, dup := out[f.Properties.MustString(key)]; dup {
						t.Errorf("%s z%d: %s twice inside tiles", layer, z, f.Properties.MustString(key))
					}
				}
				out[f.Properties.MustString(key, "")] = f
			}
		}
		return out
	}

	units := collect(tiles.LayerUnits, 9, "id")
	if len(units) != len(res.Units) {
		t.Errorf("units at z9: %d, want %d", len(units), len(res.Units))
	}
	for u, ur := range res.Units {
		f := units[ur.ID]
		if f == nil {
			t.Errorf("unit %s missing", ur.ID)
			continue
		}
		p := f.Properties
		for _, c := range []struct {
			key  string
			want any
		}{
			{"name", ur.Name}, {"share", ur.Share}, {"residents", ur.Residents}, {"within", ur.Within},
			{"outside", ur.Outside}, {"cells", float64(ur.Cells)}, {"meets_rescue", ur.MeetsRescue},
			{"meets_team", ur.MeetsTeam}, {"bases", float64(ur.Bases)}, {"members", float64(ur.Members)},
		} {
			if !sameValue(p[c.key], c.want) {
				t.Errorf("unit %s: %s = %v, want %v", ur.ID, c.key, p[c.key], c.want)
			}
		}
		if id, ok := f.ID.(float64); !ok || int(id) != u+1 {
			t.Errorf("unit %s: feature id %v, want %d", ur.ID, f.ID, u+1)
		}
	}

	bases := collect(tiles.LayerBases, 12, "id")
	if len(bases) != len(res.Bases) {
		t.Errorf("bases at z12: %d, want %d", len(bases), len(res.Bases))
	}
	for _, br := range res.Bases {
		f := bases[br.ID]
		if f == nil {
			t.Errorf("base %s missing", br.ID)
			continue
		}
		p := f.Properties
		for _, c := range []struct {
			key  string
			want any
		}{
			{"name", br.Name}, {"level", br.Level}, {"team_size", float64(br.TeamSize)},
			{"nearest_residents", br.Nearest}, {"covered_residents", br.Covered}, {"snapped", br.Snapped},
		} {
			if !sameValue(p[c.key], c.want) {
				t.Errorf("base %s: %s = %v, want %v", br.ID, c.key, p[c.key], c.want)
			}
		}
	}

	gaps := map[int]geojson.Properties{}
	for _, tl := range tilesOver(set.Bounds(), 10) {
		l, _, ok := decode(t, set, tiles.LayerGaps, tl)
		if !ok {
			continue
		}
		for _, f := range l.Features {
			gaps[int(f.Properties.MustFloat64("rank"))] = f.Properties
		}
	}
	if len(gaps) != len(res.Gaps) {
		t.Errorf("gaps at z10: %d ranks, want %d", len(gaps), len(res.Gaps))
	}
	for k, g := range res.Gaps {
		p := gaps[k+1]
		if p == nil {
			t.Errorf("gap %d missing", k+1)
			continue
		}
		if !sameValue(p["residents"], g.Residents) || !sameValue(p["cells"], float64(len(g.Cells))) {
			t.Errorf("gap %d: residents %v cells %v, want %v %d", k+1, p["residents"], p["cells"], g.Residents, len(g.Cells))
		}
		if _, has := p["worst_seconds"]; has == math.IsInf(g.WorstTime, 1) {
			t.Errorf("gap %d: worst_seconds %v, study %v", k+1, p["worst_seconds"], g.WorstTime)
		}
	}
}

// TestIsochronesArea: the area of each isochrone band in a z12 tile is the
// area of the study's polygon clipped to the tile, projected with orb's own
// projection: holes are holes, exteriors exteriors.
func TestIsochronesArea(t *testing.T) {
	in, res, set := andorra(t)
	byKey := map[[2]any]orb.MultiPolygon{}
	for _, iso := range res.Isochrones {
		id := "all"
		if iso.Base >= 0 {
			id = in.Coverage.Bases[iso.Base].ID
		}
		byKey[[2]any{id, iso.Minutes}] = iso.Geom
	}
	checked := 0
	box := orb.Bound{Min: orb.Point{-buffer, -buffer}, Max: orb.Point{tiles.Extent + buffer, tiles.Extent + buffer}}
	for _, tl := range tilesOver(set.Bounds(), 12) {
		l, _, ok := decode(t, set, tiles.LayerIsochrones, tl)
		if !ok {
			continue
		}
		for _, f := range l.Features {
			key := [2]any{f.Properties.MustString("base_id"), f.Properties.MustFloat64("minutes")}
			src, ok := byKey[key]
			if !ok {
				t.Fatalf("isochrone %v is not in the study", key)
			}
			sl := mvt.NewLayer("x", geojson.NewFeatureCollection().Append(geojson.NewFeature(src.Clone())))
			sl.ProjectToTile(tl)
			var want float64
			var perim float64
			for _, p := range sl.Features[0].Geometry.(orb.MultiPolygon) {
				for _, r := range p {
					perim += planar.Length(orb.LineString(r))
				}
				if cp := clip.Polygon(box, p); cp != nil {
					want += planar.Area(cp)
				}
			}
			var got float64
			polys, _ := f.Geometry.(orb.MultiPolygon)
			if p, ok := f.Geometry.(orb.Polygon); ok {
				polys = orb.MultiPolygon{p}
			}
			for _, p := range polys {
				for _, r := range p {
					got += area2(r) / 2
				}
			}
			// Rounding moves each edge by at most half a unit.
			if tol := math.Min(perim, 4*(tiles.Extent+2*buffer)) + 1; math.Abs(got-want) > tol {
				t.Errorf("isochrone %v in %v: area %v, want %v ± %v", key, tl, got, want, tol)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no isochrone at z12")
	}
}

func TestTileErrors(t *testing.T) {
	_, _, set := andorra(t)
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	tl := maptile.At(andorraLaVella, 12)
	tests := []struct {
		name    string
		ctx     context.Context
		layer   string
		z, x, y int
		want    error
	}{
		{"unknown layer", ctx, "roads", 12, int(tl.X), int(tl.Y), tiles.ErrUnknownLayer},
		{"zoom too high", ctx, "cells", 23, 0, 0, tiles.ErrOutOfRange},
		{"negative zoom", ctx, "cells", -1, 0, 0, tiles.ErrOutOfRange},
		{"x past the edge", ctx, "cells", 3, 8, 0, tiles.ErrOutOfRange},
		{"negative y", ctx, "cells", 3, 0, -1, tiles.ErrOutOfRange},
		{"far away", ctx, "cells", 12, 0, 0, tiles.ErrEmptyTile},
		{"canceled", canceled, "cells", 12, int(tl.X), int(tl.Y), context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := set.Tile(tt.ctx, tt.layer, tt.z, tt.x, tt.y)
			if !errors.Is(err, tt.want) || b != nil {
				t.Errorf("Tile(%q, %d/%d/%d) = %d bytes, %v; want %v", tt.layer, tt.z, tt.x, tt.y, len(b), err, tt.want)
			}
		})
	}
}

// TestTileConcurrent renders the same tiles from many goroutines (run with
// -race): a Set is safe for concurrent use and its output deterministic.
func TestTileConcurrent(t *testing.T) {
	_, _, set := andorra(t)
	ctx := context.Background()
	type job struct {
		layer string
		tl    maptile.Tile
	}
	var jobs []job
	for _, layer := range tiles.LayerNames() {
		for _, z := range []int{8, 12, 14} {
			jobs = append(jobs, job{layer, maptile.At(andorraLaVella, maptile.Zoom(z))})
		}
	}
	want := make([][]byte, len(jobs))
	for i, j := range jobs {
		want[i], _ = set.Tile(ctx, j.layer, int(j.tl.Z), int(j.tl.X), int(j.tl.Y))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, j := range jobs {
				got, _ := set.Tile(ctx, j.layer, int(j.tl.Z), int(j.tl.X), int(j.tl.Y))
				if !slices.Equal(got, want[i]) {
					t.Errorf("Tile(%s, %v) differs between calls", j.layer, j.tl)
				}
			}
		}()
	}
	wg.Wait()
}

// TestNoBuffer: with Buffer < 0 geometry stays inside the tile.
func TestNoBuffer(t *testing.T) {
	in, res, _ := andorra(t)
	set, err := tiles.NewSet(study.TileInput(in, res, nil), tiles.Options{Buffer: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, layer := range tiles.LayerNames() {
		for _, tl := range tilesOver(set.Bounds(), 13) {
			l, _, ok := decode(t, set, layer, tl)
			if !ok {
				continue
			}
			for _, f := range l.Features {
				b := f.Geometry.Bound()
				if b.Min[0] < 0 || b.Min[1] < 0 || b.Max[0] > tiles.Extent || b.Max[1] > tiles.Extent {
					t.Fatalf("%s %v with no buffer: bound %v", layer, tl, b)
				}
			}
		}
	}
}

func TestNewSetOptions(t *testing.T) {
	in, res, _ := andorra(t)
	for _, opt := range []tiles.Options{{MinZoom: 5, MaxZoom: 4}, {MaxZoom: 23}, {MinZoom: -1}, {Buffer: tiles.Extent + 1}} {
		if _, err := tiles.NewSet(study.TileInput(in, res, nil), opt); err == nil {
			t.Errorf("NewSet(%+v) = nil error, want one", opt)
		}
	}
	if _, err := tiles.NewSet(study.TileInput(in, nil, nil), tiles.Options{}); err == nil {
		t.Error("NewSet without a result = nil error, want one")
	}
	short := study.TileInput(in, res, nil)
	short.UnitGeoms = short.UnitGeoms[:len(short.UnitGeoms)-1]
	if _, err := tiles.NewSet(short, tiles.Options{}); err == nil {
		t.Error("NewSet with one unit outline missing = nil error, want one")
	}
}

// sameValue compares a decoded MVT value (numbers come back as float64)
// with a study value.
func sameValue(got, want any) bool {
	switch w := want.(type) {
	case float64:
		g, ok := got.(float64)
		return ok && near(g, w, 1e-12)
	case int:
		g, ok := got.(float64)
		return ok && g == float64(w)
	default:
		return got == want
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
