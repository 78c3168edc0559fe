package batch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/uber/h3-go/v4"
)

// shardOutput is one shard's answer: the rows of the cells and bases it
// owns, in the plan's global numbering. It is out/NNNN.bin.
type shardOutput struct {
	PlanID string
	Index  int
	// Per owned cell (global index in Cells).
	Cells      []int32
	SnapM      []float64
	NoRoad     []bool
	Time       []float64
	Base       []int32
	Time2      []float64
	Base2      []int32
	Within     []bool
	CoveredBy  []int32
	OwnCovered []bool
	FirstResp  []float64
	Profess    []float64
	Rapid      []int8
	Only       []int32
	Cover      [][]int32 // bases within the rescue circle, ascending (busy teams only)
	// Per owned base (global index in Bases).
	Bases     []int32
	Snapped   []bool
	BaseSnapM []float64
	Unplaced  []string // "" for a placed base
	Moved     []string // why a base was placed farther than its nearest road ("" when it was not)
	Covered   []float64
	BaseBands [][]coverage.Band
	// Per owned base, with a day population: the same sums weighted by
	// the day population.
	DayCovered  []float64
	DayBandsRes [][]float64
	// Scenarios are the same rows in each scenario, in the study's order.
	Scenarios []shardOutput
	// Per band: the cells (under the shard's own parents) of road nodes the
	// nearest base reaches within it.
	NodeBands [][]h3.Cell
	Nodes     int // of the shard's graph
	// Shelter is the shard's graph half of the shelter study (nil without
	// shelters).
	Shelter *shelterOutput
}

// RunOptions tune RunShard.
type RunOptions struct {
	Workers int
	// Force recomputes a shard whose output exists; without it a finished
	// shard is left as it is (a retried or duplicated worker is a no-op).
	Force bool
}

// OutputPath is where shard index's answer goes in plan folder dir.
func OutputPath(dir string, index int) string {
	return filepath.Join(dir, "out", fmt.Sprintf("%04d.bin", index))
}

// RunShard computes shard index of the plan in dir and writes its answer
// atomically to OutputPath. Run twice, or by two workers at once, it writes
// the same bytes. It fails with ErrMargin, writing nothing, when a cell's
// nearest base lies beyond the plan's limit: the shard's roads could not
// prove that answer.
func RunShard(ctx context.Context, dir string, index int, opt RunOptions) (done bool, err error) {
	p, err := ReadPlan(dir)
	if err != nil {
		return false, err
	}
	if index < 0 || index >= len(p.Shards) {
		return false, fmt.Errorf("batch: shard %d: the plan has shards 0 to %d", index, len(p.Shards)-1)
	}
	out := OutputPath(dir, index)
	if !opt.Force {
		var prev shardOutput
		if err := readGob(out, &prev); err == nil && prev.PlanID == p.ID && prev.Index == index {
			return false, nil
		}
	}
	sh := p.Shards[index]
	var si shardInput
	if err := readGob(filepath.Join(dir, sh.Dir, "input.bin"), &si); err != nil {
		return false, err
	}
	if si.PlanID != p.ID || si.Index != index {
		return false, fmt.Errorf("batch: shard %d's input belongs to another plan: plan again", index)
	}
	g, err := graph.Open(filepath.Join(dir, sh.Dir, "graph.rgraph"), graph.OpenOptions{})
	if err != nil {
		return false, err
	}
	ci := si.Coverage.input(g, opt.Workers)
	part, err := coverage.Search(ctx, ci)
	if err != nil && !errors.Is(err, coverage.ErrNoBases) {
		return false, fmt.Errorf("batch: shard %d: %w", index, err)
	}
	if part == nil {
		// No base of the shard's area reaches a road: every cell is
		// beyond every base, which only a wider margin could settle.
		return false, fmt.Errorf("%w: shard %d: no base within its margin lies on a road (plan with a larger --margin-minutes)", ErrMargin, index)
	}
	res := shardOutput{PlanID: p.ID, Index: index, Nodes: g.NumNodes()}
	// A shard holding every road of the study has no margin to reach.
	whole := g.NumNodes() == p.Graph.Nodes
	if err := res.fill(&si, ci, part, p.LimitSeconds, whole); err != nil {
		return false, err
	}
	if si.DayPop != nil {
		// The same searches; only the bases' sums weigh other people.
		ci.Pop = si.DayPop
		day, err := coverage.Search(ctx, ci)
		if err != nil {
			return false, fmt.Errorf("batch: shard %d: day population: %w", index, err)
		}
		res.fillDay(&si, day)
		ci.Pop = si.Coverage.Pop
	}
	if si.Shelters != nil {
		if res.Shelter, err = runShelters(ctx, dir, p, &si, si.Shelters, g, si.Cut, opt.Workers); err != nil {
			return false, err
		}
	}
	if si.Scenarios > 0 {
		if res.Scenarios, err = runScenarios(ctx, dir, p, index, &si, ci, g); err != nil {
			return false, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return false, err
	}
	return true, writeGob(out, &res)
}

// proven says whether a cell's time found on the shard's roads is the
// whole graph's even though it exceeds the plan's limit: any path from
// outside enters through a cut node, and drives at least its straight
// distance to the cell's road at the fastest speed; a time no longer than
// that from the nearest cut node cannot be beaten from outside. A base the
// shard does not hold may also lie so near its roads that it snaps inside
// them (Near): its path starts within the snap distance of it, so it
// drives at least its straight distance less both snap distances.
func proven(si *shardInput, ctr orb.Point, t, snapM, walk float64) bool {
	if math.IsInf(t, 1) || si.FastestMPS <= 0 {
		return false
	}
	drive := t - snapM/walk
	for _, q := range si.Cut {
		if (geo.Haversine(ctr, q)-snapM)/si.FastestMPS < drive {
			return false
		}
	}
	for _, b := range si.Near {
		if (geo.Haversine(ctr, b)-snapM-si.SnapM)/si.FastestMPS < drive {
			return false
		}
	}
	return true
}

// fill takes the owned rows of a shard's Partial, in global numbering, and
// checks that no owned cell's answer needs roads beyond the margin.
func (r *shardOutput) fill(si *shardInput, ci coverage.Input, p *coverage.Partial, limit float64, whole bool) error {
	c := &p.Cells
	walk := ci.Standard.WalkMPS()
	global := func(b int32) int32 {
		if b < 0 {
			return -1
		}
		return si.BaseGlobal[b]
	}
	var far []int
	for i, owned := range si.CellOwned {
		if !owned {
			continue
		}
		if !whole && !c.NoRoad[i] && !(c.Time[i]-c.SnapM[i]/walk <= limit+1e-6) && !proven(si, c.Center[i], c.Time[i], c.SnapM[i], walk) {
			far = append(far, i)
		}
		r.Cells = append(r.Cells, si.CellGlobal[i])
		r.SnapM = append(r.SnapM, c.SnapM[i])
		r.NoRoad = append(r.NoRoad, c.NoRoad[i])
		r.Time = append(r.Time, c.Time[i])
		r.Base = append(r.Base, global(c.Base[i]))
		r.Time2 = append(r.Time2, c.Time2[i])
		r.Base2 = append(r.Base2, global(c.Base2[i]))
		r.Within = append(r.Within, c.Within[i])
		r.CoveredBy = append(r.CoveredBy, c.CoveredBy[i])
		r.OwnCovered = append(r.OwnCovered, c.OwnCovered[i])
		if c.FirstResp != nil {
			r.FirstResp = append(r.FirstResp, c.FirstResp[i])
			r.Profess = append(r.Profess, c.Profess[i])
		}
		r.Rapid = append(r.Rapid, c.Rapid[i])
		r.Only = append(r.Only, global(p.Only[i]))
		if p.Cover != nil {
			bs := make([]int32, len(p.Cover[i]))
			for k, b := range p.Cover[i] {
				bs[k] = global(b) // the shard's bases are in global order: still ascending
			}
			r.Cover = append(r.Cover, bs)
		}
	}
	if len(far) > 0 {
		i := far[0]
		t := "no base reaches it"
		if !math.IsInf(c.Time[i], 1) {
			t = fmt.Sprintf("its nearest base is %.0f s away", c.Time[i])
		}
		return fmt.Errorf("%w: shard %d: %d of its cells have no base within the plan's %.0f-second limit on the shard's roads (first: cell %s, %s); a nearer base may lie beyond the margin, so the answer is not given: plan again with --margin-minutes above the longest time",
			ErrMargin, si.Index, len(far), limit, ci.Cells[i], t)
	}
	for b, owned := range si.BaseOwned {
		if !owned {
			continue
		}
		br := p.Bases[b]
		r.Bases = append(r.Bases, si.BaseGlobal[b])
		r.Snapped = append(r.Snapped, br.Snapped)
		r.BaseSnapM = append(r.BaseSnapM, br.SnapM)
		r.Moved = append(r.Moved, br.Moved)
		r.Covered = append(r.Covered, p.Covered[b])
		r.BaseBands = append(r.BaseBands, p.BaseBands[b])
		r.Unplaced = append(r.Unplaced, "")
	}
	// Unplaced bases are reported as "id: why"; match them to owned bases by id.
	for _, msg := range p.UnplacedBases {
		for k, gb := range r.Bases {
			id := ci.Bases[slices.Index(si.BaseGlobal, gb)].ID
			if len(msg) > len(id)+1 && msg[:len(id)+2] == id+": " && !r.Snapped[k] {
				r.Unplaced[k] = msg
			}
		}
	}
	for _, cells := range p.NodeBands {
		var mine []h3.Cell
		for _, cell := range cells {
			if _, ok := slices.BinarySearch(si.OwnedParents, parentOf(cell, si.ParentRes)); ok {
				mine = append(mine, cell)
			}
		}
		r.NodeBands = append(r.NodeBands, mine)
	}
	return nil
}

// fillDay takes the owned bases' sums of the day population's search.
func (r *shardOutput) fillDay(si *shardInput, p *coverage.Partial) {
	r.DayCovered, r.DayBandsRes = []float64{}, [][]float64{}
	for b, owned := range si.BaseOwned {
		if !owned {
			continue
		}
		r.DayCovered = append(r.DayCovered, p.Covered[b])
		res := make([]float64, len(p.BaseBands[b]))
		for j, band := range p.BaseBands[b] {
			res[j] = band.Residents
		}
		r.DayBandsRes = append(r.DayBandsRes, res)
	}
}
