package tiles_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// TestCellsExpected: with busy teams, the cells layer carries each study
// cell's expected coverage at the study resolution, the
// population-weighted mean of its cells at a coarser one, and TileJSON
// lists the field; without, neither.
func TestCellsExpected(t *testing.T) {
	in, _, plain := andorra(t)
	busy := *in
	q := make([]float64, len(in.Coverage.Bases))
	for b := range q {
		q[b] = 0.1 + 0.2*float64(b%3)
	}
	busy.Coverage.Busy = &coverage.BusyInput{Fraction: q}
	res, err := coverage.Compute(context.Background(), busy.Coverage)
	if err != nil {
		t.Fatal(err)
	}
	set, err := tiles.NewSet(study.TileInput(&busy, res, nil), tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ci := busy.Coverage
	byCell := map[string]int{}
	for i, c := range ci.Cells {
		byCell[c.String()] = i
	}
	res7 := map[string][2]float64{} // parent at res 7: Σ pop·expected, Σ pop
	for i, c := range ci.Cells {
		p, err := c.Parent(7)
		if err != nil {
			t.Fatal(err)
		}
		a := res7[p.String()]
		a[0] += ci.Pop[i] * res.Cells.Expected[i]
		a[1] += ci.Pop[i]
		res7[p.String()] = a
	}
	b := set.Bounds()
	for _, tc := range []struct {
		z    int
		want func(cell string) (float64, bool)
	}{
		{12, func(cell string) (float64, bool) { i, ok := byCell[cell]; return res.Cells.Expected[i], ok }},
		{8, func(cell string) (float64, bool) {
			a, ok := res7[cell]
			if a[1] == 0 {
				return 0, false
			}
			return a[0] / a[1], ok
		}},
	} {
		checked := 0
		for _, tl := range tilesOver(b, tc.z) {
			l, _, ok := decode(t, set, tiles.LayerCells, tl)
			if !ok {
				continue
			}
			for _, f := range l.Features {
				cell, _ := f.Properties["cell"].(string)
				want, ok := tc.want(cell)
				if !ok {
					continue
				}
				got, has := f.Properties["expected"].(float64)
				if !has || math.Abs(got-want) > 1e-9 {
					t.Errorf("z%d cell %s: expected %v (present %v), want %v", tc.z, cell, f.Properties["expected"], has, want)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Errorf("z%d: no cell checked", tc.z)
		}
		t.Logf("z%d: %d cell features carry the expected coverage", tc.z, checked)
	}
	type tileJSON struct {
		VectorLayers []struct {
			ID     string            `json:"id"`
			Fields map[string]string `json:"fields"`
		} `json:"vector_layers"`
	}
	for _, s := range []struct {
		set  *tiles.Set
		want bool
	}{{set, true}, {plain, false}} {
		j, err := s.set.TileJSON(tiles.LayerCells, "http://x/{z}/{x}/{y}")
		if err != nil {
			t.Fatal(err)
		}
		var tj tileJSON
		if err := json.Unmarshal(j, &tj); err != nil {
			t.Fatal(err)
		}
		_, has := tj.VectorLayers[0].Fields["expected"]
		if has != s.want {
			t.Errorf("TileJSON lists expected: %v, want %v", has, s.want)
		}
	}
	// Without busy teams no feature has the property.
	for _, tl := range tilesOver(b, 12) {
		if l, _, ok := decode(t, plain, tiles.LayerCells, tl); ok {
			for _, f := range l.Features {
				if _, has := f.Properties["expected"]; has {
					t.Fatalf("the plain sample's cell %v has expected", f.Properties["cell"])
				}
			}
		}
	}
}

// TestCellsTimes: the cells layer carries each time of day's travel time
// and share inside the circle, from a study on a graph twice as slow.
func TestCellsTimes(t *testing.T) {
	in, res, _ := andorra(t)
	g, err := in.Graph.Reweighted(func(graph.EdgeID) float64 { return 2 })
	if err != nil {
		t.Fatal(err)
	}
	ci := in.Coverage
	ci.Graph = g
	slow, err := coverage.Compute(context.Background(), ci)
	if err != nil {
		t.Fatal(err)
	}
	ti := study.TileInput(in, res, nil)
	ti.Times = []tiles.TimeCells{{Label: "08:00", Time: slow.Cells.Time, Within: slow.Cells.Within}}
	set, err := tiles.NewSet(ti, tiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	byCell := map[string]int{}
	for i, c := range ci.Cells {
		byCell[c.String()] = i
	}
	checked, slower := 0, 0
	for _, tl := range tilesOver(set.Bounds(), 12) {
		l, _, ok := decode(t, set, tiles.LayerCells, tl)
		if !ok {
			continue
		}
		for _, f := range l.Features {
			i, ok := byCell[f.Properties["cell"].(string)]
			if !ok {
				continue
			}
			if got, has := f.Properties["seconds_t0800"].(float64); !has && !math.IsInf(slow.Cells.Time[i], 1) || has && math.Abs(got-slow.Cells.Time[i]) > 1e-9*got {
				t.Errorf("cell %s: seconds_t0800 %v, want %v", ci.Cells[i], f.Properties["seconds_t0800"], slow.Cells.Time[i])
			}
			want := 0.0
			if slow.Cells.Within[i] {
				want = 1
			}
			if got := f.Properties["within_share_t0800"]; got != want {
				t.Errorf("cell %s: within_share_t0800 %v, want %v", ci.Cells[i], got, want)
			}
			if slow.Cells.Time[i] > res.Cells.Time[i] {
				slower++
			}
			checked++
		}
	}
	if checked == 0 || slower == 0 {
		t.Errorf("%d cells checked, %d slower at 08:00", checked, slower)
	}
}
