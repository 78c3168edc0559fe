package tiles

import (
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var seed = flag.Uint64("tiles_seed", 1, "seed of the random tile ids of TestTileIDRoundTrip (replay a failure with its seed)")

func TestTileIDVectors(t *testing.T) {
	t.Parallel()
	// The PMTiles spec's test values (and go-pmtiles' tile_id_test.go).
	tests := []struct {
		z, x, y int
		id      uint64
	}{
		{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4}, {2, 0, 0, 5},
	}
	for _, tt := range tests {
		if got := zxyToTileID(tt.z, tt.x, tt.y); got != tt.id {
			t.Errorf("zxyToTileID(%d, %d, %d) = %d, want %d", tt.z, tt.x, tt.y, got, tt.id)
		}
		if z, x, y := tileIDToZXY(tt.id); z != tt.z || x != tt.x || y != tt.y {
			t.Errorf("tileIDToZXY(%d) = %d/%d/%d, want %d/%d/%d", tt.id, z, x, y, tt.z, tt.x, tt.y)
		}
	}
}

// TestTileIDRoundTrip: every tile up to z8, and random ones up to z22,
// come back from their id; ids of a zoom are a permutation of its range.
func TestTileIDRoundTrip(t *testing.T) {
	t.Parallel()
	for z := 0; z <= 8; z++ {
		n := 1 << z
		base := (uint64(1)<<(2*z) - 1) / 3
		seen := make([]bool, n*n)
		for x := 0; x < n; x++ {
			for y := 0; y < n; y++ {
				id := zxyToTileID(z, x, y)
				if id < base || id >= base+uint64(n*n) || seen[id-base] {
					t.Fatalf("zxyToTileID(%d, %d, %d) = %d: outside %d..%d or repeated", z, x, y, id, base, base+uint64(n*n)-1)
				}
				seen[id-base] = true
				if zz, xx, yy := tileIDToZXY(id); zz != z || xx != x || yy != y {
					t.Fatalf("tileIDToZXY(zxyToTileID(%d, %d, %d)) = %d/%d/%d", z, x, y, zz, xx, yy)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(*seed, 0))
	for range 50000 {
		z := rng.IntN(MaxZoom + 1)
		x, y := rng.IntN(1<<z), rng.IntN(1<<z)
		if zz, xx, yy := tileIDToZXY(zxyToTileID(z, x, y)); zz != z || xx != x || yy != y {
			t.Fatalf("seed %d: tileIDToZXY(zxyToTileID(%d, %d, %d)) = %d/%d/%d", *seed, z, x, y, zz, xx, yy)
		}
	}
}

// TestPMDirectoriesLeaves: a directory too large for the first 16 KiB is
// split into leaves that read back to the same entries.
func TestPMDirectoriesLeaves(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(*seed, 1))
	var entries []pmEntry
	var id, off uint64
	for range 50000 {
		id += 1 + uint64(rng.IntN(5))
		n := uint32(20 + rng.IntN(5000))
		e := pmEntry{TileID: id, Offset: off, Length: n, RunLength: 1 + uint32(rng.IntN(2))}
		if rng.IntN(10) == 0 && len(entries) > 0 { // a repeated tile
			e.Offset, e.Length = entries[0].Offset, entries[0].Length
		} else {
			off += uint64(n)
		}
		id += uint64(e.RunLength - 1)
		entries = append(entries, e)
	}
	root, leaves, err := pmDirectories(entries)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) == 0 || pmHeaderLen+len(root) > pmRootMax {
		t.Fatalf("pmDirectories(%d entries): root %d bytes, leaves %d bytes: want leaves and a root within 16 KiB", len(entries), len(root), len(leaves))
	}
	// Assemble a minimal archive around the directories and read it back.
	h := pmHeader{RootOffset: pmHeaderLen, RootLength: uint64(len(root)), LeafLength: uint64(len(leaves))}
	meta, _ := gzipBytes([]byte("{}"))
	h.MetadataOffset, h.MetadataLength = h.RootOffset+h.RootLength, uint64(len(meta))
	h.LeafOffset = h.MetadataOffset + h.MetadataLength
	h.DataOffset = h.LeafOffset + h.LeafLength
	file := append(append(append(h.marshal(), root...), meta...), leaves...)
	path := filepath.Join(t.TempDir(), "dirs.pmtiles")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := ReadPMTiles(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Dir) != len(entries) {
		t.Fatalf("read back %d entries, want %d", len(a.Dir), len(entries))
	}
	for i, e := range entries {
		if g := a.Dir[i]; g.TileID != e.TileID || g.Offset != e.Offset || g.Length != e.Length || g.RunLength != e.RunLength {
			t.Fatalf("entry %d = %+v, want %+v", i, g, e)
		}
	}
}
