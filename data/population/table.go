// Package population reads resident population onto H3 cells: from an H3
// table (CSV or Parquet), from polygons with a population count (areal
// weighting), or estimated from OpenStreetMap building footprints.
package population

import (
	"fmt"
	"slices"

	"github.com/uber/h3-go/v4"
)

// Table is resident population on H3 cells of one resolution. Cells are
// distinct and sorted ascending; Pop[i] (residents, >= 0) belongs to Cells[i].
// A Table is not modified after it is built and is safe to share.
type Table struct {
	Res    int
	Cells  []h3.Cell
	Pop    []float64
	Source string // where the numbers came from, for the study's output
	// Estimate holds Source's figures when the table was estimated from
	// OSM buildings (nil otherwise), for a reader that says it in another
	// language.
	Estimate *BuildingEstimate
}

// BuildingEstimate is how a table was estimated from OSM buildings: the
// buildings used, the file's name, the storeys assumed and the cap, the
// floor area per resident, and the scale to a given total (Scale 0: not
// scaled).
type BuildingEstimate struct {
	Buildings                    int
	File                         string
	DefaultLevels, MaxLevels, M2 float64
	Scale, ScaleTo               float64
}

// Total returns the number of residents.
func (t *Table) Total() float64 {
	var s float64
	for _, p := range t.Pop {
		s += p
	}
	return s
}

// Lookup returns the population of cell c (0 when absent).
func (t *Table) Lookup(c h3.Cell) float64 {
	if i, ok := slices.BinarySearch(t.Cells, c); ok {
		return t.Pop[i]
	}
	return 0
}

// FromMap builds a Table from cell → residents, dropping nothing (cells
// with 0 stay). It checks that every cell has resolution res.
func FromMap(m map[h3.Cell]float64, res int, source string) (*Table, error) {
	t := &Table{Res: res, Source: source, Cells: make([]h3.Cell, 0, len(m))}
	for c := range m {
		if c.Resolution() != res {
			return nil, fmt.Errorf("population: cell %s has resolution %d, want %d", c, c.Resolution(), res)
		}
		t.Cells = append(t.Cells, c)
	}
	slices.Sort(t.Cells)
	t.Pop = make([]float64, len(t.Cells))
	for i, c := range t.Cells {
		t.Pop[i] = m[c]
	}
	return t, nil
}
