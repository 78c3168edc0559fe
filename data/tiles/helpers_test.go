package tiles_test

import (
	"context"
	"math"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

type (
	studyInputs    = study.Inputs
	coverageResult = coverage.Result
)

// sampleStudy is the bundled Andorra sample, relative to this package.
const sampleStudy = "../../data/sample/andorra/study.yaml"

var sample struct {
	once sync.Once
	in   *study.Inputs
	res  *coverage.Result
	set  *tiles.Set
	err  error
}

// andorra returns the bundled sample study, its result and its tile set
// (default options), computed once per test binary.
func andorra(tb testing.TB) (*study.Inputs, *coverage.Result, *tiles.Set) {
	tb.Helper()
	sample.once.Do(func() {
		ctx := context.Background()
		st, err := study.Load(sampleStudy)
		if err != nil {
			sample.err = err
			return
		}
		in, err := study.Read(ctx, st, study.Options{})
		if err != nil {
			sample.err = err
			return
		}
		res, err := coverage.Compute(ctx, in.Coverage)
		if err != nil {
			sample.err = err
			return
		}
		set, err := tiles.NewSet(study.TileInput(in, res, nil), tiles.Options{})
		sample.in, sample.res, sample.set, sample.err = in, res, set, err
	})
	if sample.err != nil {
		tb.Fatalf("andorra sample: %v", sample.err)
	}
	return sample.in, sample.res, sample.set
}

// tilesOver lists the tiles of zoom z that cover b ([lon, lat]).
func tilesOver(b orb.Bound, z int) []maptile.Tile {
	zz := maptile.Zoom(z)
	nw := maptile.At(orb.Point{b.Min[0], b.Max[1]}, zz)
	se := maptile.At(orb.Point{b.Max[0], b.Min[1]}, zz)
	var out []maptile.Tile
	for y := nw.Y; y <= se.Y; y++ {
		for x := nw.X; x <= se.X; x++ {
			out = append(out, maptile.New(x, y, zz))
		}
	}
	return out
}

// decode renders and decodes one tile with orb's MVT decoder; ok is false
// for an empty tile.
func decode(tb testing.TB, set *tiles.Set, layer string, t maptile.Tile) (*mvt.Layer, []byte, bool) {
	tb.Helper()
	b, err := set.Tile(context.Background(), layer, int(t.Z), int(t.X), int(t.Y))
	if err == tiles.ErrEmptyTile {
		return nil, nil, false
	}
	if err != nil {
		tb.Fatalf("Tile(%s, %d/%d/%d): %v", layer, t.Z, t.X, t.Y, err)
	}
	ls, err := mvt.UnmarshalGzipped(b)
	if err != nil {
		tb.Fatalf("mvt.UnmarshalGzipped(Tile(%s, %d/%d/%d)): %v", layer, t.Z, t.X, t.Y, err)
	}
	if len(ls) != 1 || ls[0].Name != layer {
		tb.Fatalf("Tile(%s, %d/%d/%d) has %d layers (first %q), want one named %q", layer, t.Z, t.X, t.Y, len(ls), ls[0].Name, layer)
	}
	return ls[0], b, true
}

// area2 is twice the signed area of a ring by the surveyor's formula, in
// tile coordinates: positive for an MVT exterior ring.
func area2(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a
}

func near(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}
