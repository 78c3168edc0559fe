package tiles_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"github.com/rescuegrid/rescuegrid/data/tiles"
)

// nonEmptyTiles renders every tile of zoom z over the layer's bounds, one
// tile beyond them on each side (buffers reach there), by brute force.
func nonEmptyTiles(t *testing.T, set *tiles.Set, layer string, z int) map[maptile.Tile][]byte {
	t.Helper()
	b, _ := set.LayerBounds(layer)
	out := map[maptile.Tile][]byte{}
	n := 1 << z
	ts := tilesOver(b, z)
	x0, y0, x1, y1 := int(ts[0].X)-1, int(ts[0].Y)-1, int(ts[len(ts)-1].X)+1, int(ts[len(ts)-1].Y)+1
	for y := max(0, y0); y <= min(n-1, y1); y++ {
		for x := max(0, x0); x <= min(n-1, x1); x++ {
			tb, err := set.Tile(context.Background(), layer, z, x, y)
			if errors.Is(err, tiles.ErrEmptyTile) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			out[maptile.New(uint32(x), uint32(y), maptile.Zoom(z))] = tb
		}
	}
	return out
}

// TestWritePMTiles exports layers and reads the archives back with a
// reader written from the spec: every non-empty tile of the layer is there
// with the bytes Tile returns, and nothing else; the header, directories
// and metadata are consistent (the checks of go-pmtiles' verify).
func TestWritePMTiles(t *testing.T) {
	_, _, set := andorra(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		layer      string
		minZ, maxZ int
	}{
		{tiles.LayerCells, 0, 14},
		{tiles.LayerIsochrones, 5, 14},
		{tiles.LayerUnits, 0, 12},
		{tiles.LayerBases, 0, 14},
	} {
		t.Run(tc.layer, func(t *testing.T) {
			path := filepath.Join(dir, tc.layer+".pmtiles")
			if err := set.WritePMTiles(context.Background(), path, tc.layer, tc.minZ, tc.maxZ); err != nil {
				t.Fatal(err)
			}
			a, err := tiles.ReadPMTiles(path)
			if err != nil {
				t.Fatal(err)
			}
			// Header: layout without gaps, compressions, counts.
			if a.RootOffset != 127 || a.MetadataOffset != a.RootOffset+a.RootLength ||
				a.LeafOffset != a.MetadataOffset+a.MetadataLength || a.DataOffset != a.LeafOffset+a.LeafLength ||
				a.Size != int64(a.DataOffset+a.DataLength) {
				t.Errorf("sections %+v do not tile the %d-byte file", a, a.Size)
			}
			if !a.Clustered || a.InternalCompression != 2 || a.TileCompression != 2 || a.TileType != 1 {
				t.Errorf("clustered %v, compressions %d/%d, tile type %d; want true, 2/2 (gzip), 1 (mvt)",
					a.Clustered, a.InternalCompression, a.TileCompression, a.TileType)
			}
			var addressed uint64
			contents := map[uint64]bool{}
			var next uint64
			for _, e := range a.Dir {
				addressed += uint64(e.RunLength)
				if !contents[e.Offset] {
					if e.Offset != next {
						t.Errorf("clustered archive: tile data of entry %+v at %d, want %d", e, e.Offset, next)
					}
					next = e.Offset + uint64(e.Length)
				}
				contents[e.Offset] = true
			}
			if addressed != a.Addressed || uint64(len(a.Dir)) != a.Entries || uint64(len(contents)) != a.Contents {
				t.Errorf("header counts %d/%d/%d, directory %d/%d/%d (addressed/entries/contents)",
					a.Addressed, a.Entries, a.Contents, addressed, len(a.Dir), len(contents))
			}
			lb, _ := set.LayerBounds(tc.layer)
			if a.Bounds[0] > lb.Min[0] || a.Bounds[1] > lb.Min[1] || a.Bounds[2] < lb.Max[0] || a.Bounds[3] < lb.Max[1] ||
				math.Abs(a.Bounds[0]-lb.Min[0]) > 1e-6 || math.Abs(a.Bounds[3]-lb.Max[1]) > 1e-6 {
				t.Errorf("bounds %v, layer %v", a.Bounds, lb)
			}
			if c := (orb.Point{a.Center[0], a.Center[1]}); !lb.Pad(1e-6).Contains(c) || a.CenterZoom < a.MinZoom || a.CenterZoom > a.MaxZoom {
				t.Errorf("center %v z%d outside bounds %v or zooms %d..%d", c, a.CenterZoom, lb, a.MinZoom, a.MaxZoom)
			}
			vls, _ := a.Metadata["vector_layers"].([]any)
			if len(vls) != 1 || vls[0].(map[string]any)["id"] != tc.layer || a.Metadata["attribution"] != tiles.Attribution {
				t.Errorf("metadata %v", a.Metadata)
			}
			// Tile ids round trip, and the tiles are exactly the non-empty ones.
			for _, e := range a.Dir {
				z, x, y := tiles.TileIDToZXY(e.TileID)
				if tiles.ZXYToTileID(z, x, y) != e.TileID {
					t.Fatalf("tile id %d -> %d/%d/%d -> %d", e.TileID, z, x, y, tiles.ZXYToTileID(z, x, y))
				}
			}
			total, minZ, maxZ := 0, -1, -1
			for z := tc.minZ; z <= tc.maxZ; z++ {
				want := nonEmptyTiles(t, set, tc.layer, z)
				for tl, b := range want {
					if got := a.Tile(int(tl.Z), int(tl.X), int(tl.Y)); !bytes.Equal(got, b) {
						t.Errorf("archive tile %v: %d bytes, Tile: %d bytes", tl, len(got), len(b))
					}
				}
				if len(want) > 0 {
					maxZ = z
					if minZ < 0 {
						minZ = z
					}
				}
				total += len(want)
			}
			if int(a.Addressed) != total {
				t.Errorf("archive addresses %d tiles, the layer has %d non-empty tiles at z%d-%d", a.Addressed, total, tc.minZ, tc.maxZ)
			}
			if a.MinZoom != minZ || a.MaxZoom != maxZ {
				t.Errorf("header zooms %d..%d, tiles at %d..%d", a.MinZoom, a.MaxZoom, minZ, maxZ)
			}
			t.Logf("%s z%d-%d: %d tiles addressed, %d entries, %d contents, %d bytes", tc.layer, tc.minZ, tc.maxZ, a.Addressed, a.Entries, a.Contents, a.Size)
		})
	}
}

// TestPMTilesNode reads an exported archive with the official JavaScript
// reader (npm pmtiles): header, metadata, tile ids and every tile's bytes.
func TestPMTilesNode(t *testing.T) {
	bin, dir := node(t)
	_, _, set := andorra(t)
	path := filepath.Join(t.TempDir(), "cells.pmtiles")
	if err := set.WritePMTiles(context.Background(), path, tiles.LayerCells, 0, 14); err != nil {
		t.Fatal(err)
	}
	a, err := tiles.ReadPMTiles(path)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{filepath.Join(dir, "pmtiles.js"), path}
	want := map[string][]byte{}
	for i, e := range a.Dir {
		if i%7 != 0 && i != len(a.Dir)-1 { // a sample of the entries, and the last
			continue
		}
		z, x, y := tiles.TileIDToZXY(e.TileID)
		k := fmt.Sprintf("%d/%d/%d", z, x, y)
		b, err := set.Tile(context.Background(), tiles.LayerCells, z, x, y)
		if err != nil {
			t.Fatal(err)
		}
		want[k] = gunzip(t, b)
		args = append(args, k)
	}
	args = append(args, "10/0/0", "15/16522/12101") // not in the archive
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("node pmtiles.js: %v\n%s", err, stderr(err))
	}
	var js struct {
		Header struct {
			SpecVersion, TileType, TileCompression, MinZoom, MaxZoom, CenterZoom int
			NumAddressedTiles, NumTileEntries, NumTileContents                   uint64
			Clustered                                                            bool
			MinLon, MinLat, MaxLon, MaxLat                                       float64
		} `json:"header"`
		Metadata struct {
			VectorLayers []struct {
				ID string `json:"id"`
			} `json:"vector_layers"`
			Attribution string `json:"attribution"`
		} `json:"metadata"`
		Tiles map[string]struct {
			ID   uint64  `json:"id"`
			Data *string `json:"data"`
		} `json:"tiles"`
	}
	if err := json.Unmarshal(out, &js); err != nil {
		t.Fatalf("pmtiles.js output: %v", err)
	}
	h := js.Header
	if h.SpecVersion != 3 || h.TileType != 1 || h.TileCompression != 2 || !h.Clustered ||
		h.MinZoom != a.MinZoom || h.MaxZoom != a.MaxZoom || h.NumAddressedTiles != a.Addressed ||
		h.NumTileEntries != a.Entries || h.NumTileContents != a.Contents ||
		h.MinLon != a.Bounds[0] || h.MinLat != a.Bounds[1] || h.MaxLon != a.Bounds[2] || h.MaxLat != a.Bounds[3] {
		t.Errorf("pmtiles.js header %+v, archive %+v", h, a)
	}
	if len(js.Metadata.VectorLayers) != 1 || js.Metadata.VectorLayers[0].ID != tiles.LayerCells || js.Metadata.Attribution != tiles.Attribution {
		t.Errorf("pmtiles.js metadata %+v", js.Metadata)
	}
	for k, w := range want {
		got, ok := js.Tiles[k]
		if !ok || got.Data == nil {
			t.Errorf("pmtiles.js: tile %s missing", k)
			continue
		}
		var z, x, y int
		fmt.Sscanf(k, "%d/%d/%d", &z, &x, &y)
		if got.ID != tiles.ZXYToTileID(z, x, y) {
			t.Errorf("tile %s: JS id %d, ours %d", k, got.ID, tiles.ZXYToTileID(z, x, y))
		}
		b, err := base64.StdEncoding.DecodeString(*got.Data)
		if err != nil || !bytes.Equal(b, w) {
			t.Errorf("tile %s: pmtiles.js returns %d bytes, Tile %d (decompressed)", k, len(b), len(w))
		}
	}
	for _, k := range []string{"10/0/0", "15/16522/12101"} {
		if js.Tiles[k].Data != nil {
			t.Errorf("pmtiles.js: tile %s should not be in the archive", k)
		}
	}
}

func TestWritePMTilesErrors(t *testing.T) {
	_, _, set := andorra(t)
	dir := t.TempDir()
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name       string
		ctx        context.Context
		layer      string
		minZ, maxZ int
		want       error
	}{
		{"unknown layer", ctx, "roads", 0, 5, tiles.ErrUnknownLayer},
		{"zooms reversed", ctx, "cells", 6, 5, tiles.ErrOutOfRange},
		{"zoom 23", ctx, "cells", 0, 23, tiles.ErrOutOfRange},
		{"canceled", canceled, "cells", 0, 14, context.Canceled},
	} {
		path := filepath.Join(dir, "x.pmtiles")
		if err := set.WritePMTiles(tc.ctx, path, tc.layer, tc.minZ, tc.maxZ); !errors.Is(err, tc.want) {
			t.Errorf("%s: WritePMTiles error = %v, want %v", tc.name, err, tc.want)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
			t.Errorf("%s: left files behind: %v", tc.name, m)
		}
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
