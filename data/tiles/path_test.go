package tiles_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/tiles"
)

func TestParseTilePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		path    string
		layer   string
		z, x, y int
		err     error
	}{
		{"z0", "/tiles/cells/0/0/0.mvt", "cells", 0, 0, 0, nil},
		{"z14", "/tiles/cells/14/8261/6050.mvt", "cells", 14, 8261, 6050, nil},
		{"max zoom corner", "/tiles/units/22/4194303/4194303.mvt", "units", 22, 4194303, 4194303, nil},
		{"layer with _ and -", "/tiles/by_base-2/3/7/0.mvt", "by_base-2", 3, 7, 0, nil},
		{"x = 2^z", "/tiles/cells/3/8/0.mvt", "", 0, 0, 0, tiles.ErrOutOfRange},
		{"y = 2^z", "/tiles/cells/0/0/1.mvt", "", 0, 0, 0, tiles.ErrOutOfRange},
		{"zoom 23", "/tiles/cells/23/0/0.mvt", "", 0, 0, 0, tiles.ErrOutOfRange},
		{"huge zoom", "/tiles/cells/99999999999999999999/0/0.mvt", "", 0, 0, 0, tiles.ErrOutOfRange},
		{"huge x", "/tiles/cells/22/123456789012/0.mvt", "", 0, 0, 0, tiles.ErrOutOfRange},
		{"negative", "/tiles/cells/3/-1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"plus sign", "/tiles/cells/+3/1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"leading zero", "/tiles/cells/03/1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"pbf", "/tiles/cells/3/1/0.pbf", "", 0, 0, 0, tiles.ErrBadPath},
		{"no extension", "/tiles/cells/3/1/0", "", 0, 0, 0, tiles.ErrBadPath},
		{"missing y", "/tiles/cells/3/1.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"extra segment", "/tiles/cells/x/3/1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"empty layer", "/tiles//3/1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"upper-case layer", "/tiles/Cells/3/1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"dot layer", "/tiles/../3/1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"escaped", "/tiles/cells/3/1/%30.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"trailing slash", "/tiles/cells/3/1/0.mvt/", "", 0, 0, 0, tiles.ErrBadPath},
		{"query", "/tiles/cells/3/1/0.mvt?v=1", "", 0, 0, 0, tiles.ErrBadPath},
		{"other prefix", "/tile/cells/3/1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"double slash", "//tiles/cells/3/1/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"space", "/tiles/cells/3/1/ 0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"unicode digit", "/tiles/cells/3/1/٠.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"long layer", "/tiles/" + strings.Repeat("a", 65) + "/0/0/0.mvt", "", 0, 0, 0, tiles.ErrBadPath},
		{"empty", "", "", 0, 0, 0, tiles.ErrBadPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			layer, z, x, y, err := tiles.ParseTilePath(tt.path)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("ParseTilePath(%q) error = %v, want %v", tt.path, err, tt.err)
				}
				return
			}
			if err != nil || layer != tt.layer || z != tt.z || x != tt.x || y != tt.y {
				t.Errorf("ParseTilePath(%q) = %q %d/%d/%d, %v; want %q %d/%d/%d", tt.path, layer, z, x, y, err, tt.layer, tt.z, tt.x, tt.y)
			}
		})
	}
}

// FuzzParseTilePath: ParseTilePath never panics, fails only with its
// sentinels, and accepts only canonical paths of tiles in range (so one
// tile has one URL).
func FuzzParseTilePath(f *testing.F) {
	for _, s := range []string{"/tiles/cells/0/0/0.mvt", "/tiles/units/14/8261/6050.mvt", "/tiles/a/22/4194303/0.mvt", "/tiles/cells/3/08/0.mvt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		layer, z, x, y, err := tiles.ParseTilePath(path)
		if err != nil {
			if !errors.Is(err, tiles.ErrBadPath) && !errors.Is(err, tiles.ErrOutOfRange) {
				t.Fatalf("ParseTilePath(%q) error %v is neither ErrBadPath nor ErrOutOfRange", path, err)
			}
			return
		}
		if z < 0 || z > tiles.MaxZoom || x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
			t.Fatalf("ParseTilePath(%q) = %d/%d/%d: out of range", path, z, x, y)
		}
		if canon := fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, z, x, y); canon != path {
			t.Fatalf("ParseTilePath(%q) accepted a path that is not canonical (%q)", path, canon)
		}
	})
}
