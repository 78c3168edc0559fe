package coverage

import (
	"slices"

	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/uber/h3-go/v4"
)

// Partial is what Search finds on the graph, before Finish aggregates it:
// the per-cell answers, each base's placement, reach and isochrone cells,
// and the cells of the road nodes the nearest base reaches within each band.
// Slices are parallel to Input.Cells (cells), Input.Bases (bases) and
// Standard.IsochroneMinutes (bands). Every field is exported so that parts
// computed on different machines can be stored and put together.
type Partial struct {
	Cells         Cells
	Bases         []BaseResult // Base, Unit, Snapped and SnapM set; the sums are Finish's
	UnplacedBases []string     // "id: why" for bases no road takes
	Only          []int32      // per cell: the base, when exactly one covers it; -1
	Covered       []float64    // per base: residents it reaches within the rescue circle
	BaseBands     [][]Band     // per base, per band (nil for an unplaced base)
	NodeBands     [][]h3.Cell  // per band: cells of road nodes reached within it, sorted
	// Cover is, per cell, the bases within the rescue circle in ascending
	// order: with Input.Busy, Finish derives the busy fractions (from
	// every cell's nearest base) and the expected coverage from them.
	// nil without Input.Busy.
	Cover [][]int32
}

// Band is the cells one base reaches within one isochrone band.
type Band struct {
	Cells     []h3.Cell // sorted
	Residents float64   // residents of the study cells among them, summed in cell order
}

// nodeBands returns, per band, the sorted cells of the nodes the
// multi-source search s reaches within it.
func nodeBands(s *route.Search, nodeCell []h3.Cell, bands []float64) [][]h3.Cell {
	sets := make([]map[h3.Cell]struct{}, len(bands))
	for j := range sets {
		sets[j] = map[h3.Cell]struct{}{}
	}
	for _, v := range s.Settled() {
		t, _ := s.Time(v)
		for j, m := range bands {
			if float64(t) <= m*60 {
				sets[j][nodeCell[v]] = struct{}{}
			}
		}
	}
	out := make([][]h3.Cell, len(bands))
	for j, set := range sets {
		cells := make([]h3.Cell, 0, len(set))
		for c := range set {
			cells = append(cells, c)
		}
		slices.Sort(cells)
		out[j] = cells
	}
	return out
}
