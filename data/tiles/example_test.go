package tiles_test

import (
	"errors"
	"fmt"

	"github.com/rescuegrid/rescuegrid/data/tiles"
)

func ExampleParseTilePath() {
	layer, z, x, y, err := tiles.ParseTilePath("/tiles/cells/14/8261/6050.mvt")
	fmt.Println(layer, z, x, y, err)

	_, _, _, _, err = tiles.ParseTilePath("/tiles/cells/3/8/0.mvt")
	fmt.Println(errors.Is(err, tiles.ErrOutOfRange))

	_, _, _, _, err = tiles.ParseTilePath("/tiles/cells/3/1/0.png")
	fmt.Println(errors.Is(err, tiles.ErrBadPath))
	// Output:
	// cells 14 8261 6050 <nil>
	// true
	// true
}

func ExampleCellRes() {
	for _, z := range []int{5, 8, 10, 12, 14} {
		fmt.Printf("z%d: res %d\n", z, tiles.CellRes(z, 9))
	}
	// Output:
	// z5: res 5
	// z8: res 7
	// z10: res 8
	// z12: res 9
	// z14: res 9
}
