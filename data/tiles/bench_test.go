package tiles_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb/maptile"

	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

func benchTile(b *testing.B, layer string, z int) {
	_, _, set := andorra(b)
	tl := maptile.At(andorraLaVella, maptile.Zoom(z))
	ctx := context.Background()
	tb, err := set.Tile(ctx, layer, z, int(tl.X), int(tl.Y))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Tile(ctx, layer, z, int(tl.X), int(tl.Y)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tb)), "bytes/tile") // after the loop, which clears metrics
}

// The z14 and z10 tiles over Andorra la Vella, the densest part of the sample.
func BenchmarkTile_Andorra_Cells_z14(b *testing.B)      { benchTile(b, tiles.LayerCells, 14) }
func BenchmarkTile_Andorra_Cells_z12(b *testing.B)      { benchTile(b, tiles.LayerCells, 12) }
func BenchmarkTile_Andorra_Cells_z10(b *testing.B)      { benchTile(b, tiles.LayerCells, 10) }
func BenchmarkTile_Andorra_Cells_z8(b *testing.B)       { benchTile(b, tiles.LayerCells, 8) }
func BenchmarkTile_Andorra_Isochrones_z14(b *testing.B) { benchTile(b, tiles.LayerIsochrones, 14) }
func BenchmarkTile_Andorra_Isochrones_z10(b *testing.B) { benchTile(b, tiles.LayerIsochrones, 10) }
func BenchmarkTile_Andorra_Units_z14(b *testing.B)      { benchTile(b, tiles.LayerUnits, 14) }
func BenchmarkTile_Andorra_Units_z10(b *testing.B)      { benchTile(b, tiles.LayerUnits, 10) }
func BenchmarkTile_Andorra_Gaps_z12(b *testing.B)       { benchTile(b, tiles.LayerGaps, 12) }
func BenchmarkTile_Andorra_Bases_z12(b *testing.B)      { benchTile(b, tiles.LayerBases, 12) }

func BenchmarkNewSet_Andorra(b *testing.B) {
	in, res, _ := andorra(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tiles.NewSet(study.TileInput(in, res, nil), tiles.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchExport(b *testing.B, layer string) {
	_, _, set := andorra(b)
	path := filepath.Join(b.TempDir(), layer+".pmtiles")
	b.ReportAllocs()
	for b.Loop() {
		if err := set.WritePMTiles(context.Background(), path, layer, 0, tiles.DefaultMaxZoom); err != nil {
			b.Fatal(err)
		}
	}
}

// Export of a whole layer, z0 to z14.
func BenchmarkWritePMTiles_Andorra_Cells(b *testing.B)      { benchExport(b, tiles.LayerCells) }
func BenchmarkWritePMTiles_Andorra_Isochrones(b *testing.B) { benchExport(b, tiles.LayerIsochrones) }
func BenchmarkWritePMTiles_Andorra_Units(b *testing.B)      { benchExport(b, tiles.LayerUnits) }
