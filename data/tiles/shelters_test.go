package tiles_test

import (
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestSheltersLayerMatchesStudy: on Porto Alegre with the 2024 flood
// shelters, every shelter of the shelter result is one point feature of the
// shelters layer at z14, in the tile that holds it, with its places, load and
// overflow; the sample (no shelters) has no shelters or depots layer.
func TestSheltersLayerMatchesStudy(t *testing.T) {
	if testing.Short() {
		t.Skip("Porto Alegre study: not in -short")
	}
	shared.Export(t) // the study names its inputs as ${RESCUEGRID_SHARED}/...
	ctx := context.Background()
	st, err := study.Load("../../bench/studies/porto-alegre.yaml")
	if err != nil {
		t.Fatal(err)
	}
	in, err := study.Read(ctx, st, study.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := coverage.Compute(ctx, in.Coverage)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := shelter.Compute(ctx, *in.Shelter)
	if err != nil {
		t.Fatal(err)
	}
	set, err := tiles.NewSet(study.TileInput(in, res, sr), tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{tiles.LayerUnits, tiles.LayerIsochrones, tiles.LayerCells, tiles.LayerGaps, tiles.LayerShelters, tiles.LayerBases}
	if got := set.Layers(); !equalStrings(got, want) {
		t.Errorf("Layers() = %v, want %v (no depots in this study: left out)", got, want)
	}
	b, _ := set.LayerBounds(tiles.LayerShelters)
	seen := map[float64]bool{}
	for _, tl := range tilesOver(b, 14) {
		l, _, ok := decode(t, set, tiles.LayerShelters, tl)
		if !ok {
			continue
		}
		for _, f := range l.Features {
			p := f.Geometry.(orb.Point)
			if p[0] < 0 || p[1] < 0 || p[0] >= tiles.Extent || p[1] >= tiles.Extent {
				continue // in a neighbour's buffer
			}
			id := f.ID.(float64)
			if seen[id] {
				t.Errorf("shelter feature %v twice", id)
			}
			seen[id] = true
			s := sr.Shelters[int(id)-1]
			props := f.Properties
			if props.MustString("id") != s.ID || props.MustString("name", "") != s.Name {
				t.Errorf("feature %v: id %q name %q, want %q %q", id, props.MustString("id"), props.MustString("name", ""), s.ID, s.Name)
			}
			if !sameValue(props["load"], s.Load) || !sameValue(props["overflows"], s.Overflows) || !sameValue(props["nearest_load"], s.NearestLoad) {
				t.Errorf("shelter %s: load %v overflows %v nearest %v, want %v %v %v", s.ID, props["load"], props["overflows"], props["nearest_load"], s.Load, s.Overflows, s.NearestLoad)
			}
			if s.Rule == shelter.RuleUnknown {
				if _, ok := props["places"]; ok {
					t.Errorf("shelter %s of unknown capacity carries places %v", s.ID, props["places"])
				}
			} else if !sameValue(props["places"], s.Places) {
				t.Errorf("shelter %s: places %v, want %v", s.ID, props["places"], s.Places)
			}
			if s.Places > 0 && s.Rule != shelter.RuleUnknown && math.Abs(props.MustFloat64("load_share")-s.Load/s.Places) > 1e-12 {
				t.Errorf("shelter %s: load_share %v, want %v", s.ID, props["load_share"], s.Load/s.Places)
			}
		}
	}
	if len(seen) != len(sr.Shelters) || len(sr.Shelters) < 50 {
		t.Errorf("%d shelter features at z14, want every one of %d", len(seen), len(sr.Shelters))
	}

	// GDAL reads the z12 tile that holds most shelters: the same features,
	// as points, with its own field types.
	ogrinfo := gdalTool(t, "ogrinfo")
	var best maptile.Tile
	var most *mvt.Layer
	var bestBytes []byte
	for _, tl := range tilesOver(b, 12) {
		if l, raw, ok := decode(t, set, tiles.LayerShelters, tl); ok && (most == nil || len(l.Features) > len(most.Features)) {
			best, most, bestBytes = tl, l, raw
		}
	}
	file := writeTile(t, filepath.Join(t.TempDir(), tiles.LayerShelters), bestBytes, best)
	out, err := exec.Command(ogrinfo, "-ro", "-al", "-so", "-oo", "CLIP=NO", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", file, err, out)
	}
	info := string(out)
	if m := ogrLayerRE.FindStringSubmatch(info); m == nil || m[1] != tiles.LayerShelters {
		t.Errorf("ogrinfo: layer %v, want shelters\n%s", m, info)
	}
	if m := ogrCountRE.FindStringSubmatch(info); m == nil || m[1] != strconv.Itoa(len(most.Features)) {
		t.Errorf("ogrinfo: %v features, want %d (orb)", m, len(most.Features))
	}
	if m := ogrGeomRE.FindStringSubmatch(info); m == nil || !strings.Contains(m[1], "Point") {
		t.Errorf("ogrinfo: geometry %v, want Point", m)
	}
	fields := map[string]string{}
	for _, m := range ogrFieldRE.FindAllStringSubmatch(info, -1) {
		fields[m[1]] = m[2]
	}
	for k, want := range map[string]string{"id": "String", "load": "Real", "overflows": "Integer(Boolean)"} {
		if fields[k] != want {
			t.Errorf("ogrinfo: field %s is %q, want %s", k, fields[k], want)
		}
	}
	t.Logf("GDAL read shelters tile %v: %d features", best, len(most.Features))

	_, _, sample := andorra(t)
	if _, ok := sample.LayerBounds(tiles.LayerShelters); ok {
		t.Error("the sample without shelters has a shelters layer")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
