package batch

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/compute"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/uber/h3-go/v4"
)

// MergeOptions tune Merge.
type MergeOptions struct {
	Generator string
	Workers   int
}

// Merge puts the shards' answers of the plan in dir together into one
// study output in out, the same as 'rescuegrid analyze' writes for the
// whole study (every table and summary.json; only the creation time and
// the timings differ), and adds the cells, units and bases tables as
// hive-partitioned GeoParquet: out/cells/shard=0007/part-0.parquet.
// It fails with ErrIncomplete, writing nothing, when a shard has no output.
func Merge(ctx context.Context, dir, out string, opt MergeOptions) (*study.Summary, error) {
	t0 := time.Now()
	p, err := ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	var gi globalInputs
	if err := readGob(filepath.Join(dir, "inputs.bin"), &gi); err != nil {
		return nil, err
	}
	if gi.PlanID != p.ID {
		return nil, fmt.Errorf("batch: %s: inputs.bin belongs to another plan: plan again", dir)
	}
	ci := gi.Coverage.input(nil, opt.Workers)
	part, dayPart, err := gather(dir, p, ci, gi.DayPop != nil)
	if err != nil {
		return nil, err
	}
	res, err := coverage.Finish(ctx, ci, part)
	if err != nil {
		return nil, err
	}
	rs := &study.Results{Coverage: res}
	if rs.Scenarios, rs.Times, err = mergeScenarios(ctx, dir, p, ci, &gi); err != nil {
		return nil, err
	}
	if gi.Shelter != nil {
		pick := func(o *shardOutput) *shelterOutput { return o.Shelter }
		if rs.Shelter, err = mergeShelters(ctx, dir, p, gi.Shelter.input(nil, nil, 0), pick); err != nil {
			return nil, err
		}
	}
	if dayPart != nil {
		dci := ci
		dci.Pop = gi.DayPop
		if rs.Day, err = coverage.Finish(ctx, dci, dayPart); err != nil {
			return nil, fmt.Errorf("day population: %w", err)
		}
	}
	in := &study.Inputs{
		Study:        gi.Study,
		Population:   &population.Table{Res: gi.PopRes, Cells: ci.Cells, Pop: ci.Pop, Source: gi.PopSrc, Estimate: gi.PopEst},
		Coverage:     ci,
		Notes:        gi.Notes,
		NoteMessages: gi.NoteMessages,
		DayPop:       gi.DayPop,
		Day:          gi.Day,
		Recorded:     &study.Recorded{Profile: gi.Graph.Meta.Profile, Source: gi.Graph.Meta.Source, Nodes: gi.Graph.Nodes, Edges: gi.Graph.Edges, Sources: gi.Sources},
	}
	for _, u := range gi.Units {
		in.Units = append(in.Units, u.unit())
	}
	if gi.Shelter != nil {
		si := gi.Shelter.input(nil, nil, opt.Workers)
		in.Shelter, in.Shelters, in.Depots = &si, gi.Shelters, gi.Depots
	}
	timings := []study.StageTiming{{Stage: "merge", Took: time.Since(t0)}}
	sum, err := study.Write(ctx, out, in, rs, opt.Generator, timings)
	if err != nil {
		return nil, err
	}
	if err := writeHive(out, in, rs, &gi); err != nil {
		return nil, err
	}
	return sum, nil
}

// gather reads every shard's output into one Partial in global numbering,
// and with withDay a second one weighted by the day population.
func gather(dir string, p *Plan, ci coverage.Input, withDay bool) (part, day *coverage.Partial, err error) {
	part, dayCovered, dayBands, err := gatherShards(dir, p, ci, withDay, nil)
	if err != nil || !withDay {
		return part, nil, err
	}
	// The day's searches are the night's: only the bases' sums differ.
	d := *part
	d.Bases = slices.Clone(part.Bases)
	d.Covered = dayCovered
	d.BaseBands = make([][]coverage.Band, len(part.BaseBands))
	for b, bands := range part.BaseBands {
		if bands == nil {
			continue
		}
		if len(dayBands[b]) != len(bands) {
			return nil, nil, fmt.Errorf("batch: base %s: %d day bands for %d bands", ci.Bases[b].ID, len(dayBands[b]), len(bands))
		}
		d.BaseBands[b] = make([]coverage.Band, len(bands))
		for j, band := range bands {
			d.BaseBands[b][j] = coverage.Band{Cells: band.Cells, Residents: dayBands[b][j]}
		}
	}
	return part, &d, nil
}

// gatherShards reads the shards' outputs: the night's Partial and, with
// withDay, each base's day sums. pick, when given, takes the part of each
// shard's output to gather (a scenario's).
func gatherShards(dir string, p *Plan, ci coverage.Input, withDay bool, pick func(*shardOutput) (*shardOutput, error)) (*coverage.Partial, []float64, [][]float64, error) {
	n, nb := len(ci.Cells), len(ci.Bases)
	bands := len(ci.Standard.IsochroneMinutes)
	part := &coverage.Partial{Only: make([]int32, n), Covered: make([]float64, nb), BaseBands: make([][]coverage.Band, nb), NodeBands: make([][]h3.Cell, bands)}
	c := &part.Cells
	c.Center, c.SnapM, c.NoRoad = make([]orb.Point, n), make([]float64, n), make([]bool, n)
	c.Time, c.Base, c.Time2, c.Base2 = make([]float64, n), make([]int32, n), make([]float64, n), make([]int32, n)
	c.Within, c.CoveredBy, c.OwnCovered, c.Rapid = make([]bool, n), make([]int32, n), make([]bool, n), make([]int8, n)
	if ci.Zone != nil {
		c.FirstResp, c.Profess = make([]float64, n), make([]float64, n)
	}
	seen := make([]bool, n)
	baseSeen := make([]bool, nb)
	part.Bases = make([]coverage.BaseResult, nb)
	unplaced := make([]string, nb)
	if ci.Busy != nil {
		part.Cover = make([][]int32, n)
	}
	var dayCovered []float64
	var dayBands [][]float64
	if withDay {
		dayCovered, dayBands = make([]float64, nb), make([][]float64, nb)
	}
	var missing []int
	for s := range p.Shards {
		var whole shardOutput
		if err := readGob(OutputPath(dir, s), &whole); err != nil {
			missing = append(missing, s)
			continue
		}
		if whole.PlanID != p.ID || whole.Index != s {
			return nil, nil, nil, fmt.Errorf("batch: %s belongs to another plan or shard: run shard %d again with --force", OutputPath(dir, s), s)
		}
		o := &whole
		if pick != nil {
			var err error
			if o, err = pick(&whole); err != nil {
				return nil, nil, nil, fmt.Errorf("batch: %s: %w: run shard %d again with --force", OutputPath(dir, s), err, s)
			}
		}
		for k, gi := range o.Cells {
			if seen[gi] {
				return nil, nil, nil, fmt.Errorf("batch: cell %s is answered by two shards", ci.Cells[gi])
			}
			seen[gi] = true
			c.SnapM[gi], c.NoRoad[gi], c.Time[gi], c.Base[gi] = o.SnapM[k], o.NoRoad[k], o.Time[k], o.Base[k]
			c.Time2[gi], c.Base2[gi], c.Within[gi], c.CoveredBy[gi] = o.Time2[k], o.Base2[k], o.Within[k], o.CoveredBy[k]
			c.OwnCovered[gi], c.Rapid[gi], part.Only[gi] = o.OwnCovered[k], o.Rapid[k], o.Only[k]
			if c.FirstResp != nil {
				c.FirstResp[gi], c.Profess[gi] = o.FirstResp[k], o.Profess[k]
			}
			if part.Cover != nil {
				if k >= len(o.Cover) {
					return nil, nil, nil, fmt.Errorf("batch: %s has no covering bases (busy teams): run shard %d again with --force", OutputPath(dir, s), s)
				}
				part.Cover[gi] = o.Cover[k]
			}
		}
		for k, b := range o.Bases {
			if baseSeen[b] {
				return nil, nil, nil, fmt.Errorf("batch: base %s is answered by two shards", ci.Bases[b].ID)
			}
			baseSeen[b] = true
			part.Bases[b] = coverage.BaseResult{Base: ci.Bases[b], Unit: ci.BaseUnit[b], Snapped: o.Snapped[k], SnapM: o.BaseSnapM[k]}
			if k < len(o.Moved) {
				part.Bases[b].Moved = o.Moved[k]
			}
			part.Covered[b], part.BaseBands[b], unplaced[b] = o.Covered[k], o.BaseBands[k], o.Unplaced[k]
			if withDay {
				if k >= len(o.DayCovered) {
					return nil, nil, nil, fmt.Errorf("batch: %s has no day population sums: run shard %d again with --force", OutputPath(dir, s), s)
				}
				dayCovered[b], dayBands[b] = o.DayCovered[k], o.DayBandsRes[k]
			}
		}
		for j := range o.NodeBands {
			part.NodeBands[j] = append(part.NodeBands[j], o.NodeBands[j]...)
		}
	}
	if len(missing) > 0 {
		return nil, nil, nil, fmt.Errorf("%w: %d of %d shards have no output (first: shard %d): run them ('rescuegrid batch run %s --shard %d')", ErrIncomplete, len(missing), len(p.Shards), missing[0], dir, missing[0])
	}
	for i, ok := range seen {
		if !ok {
			return nil, nil, nil, fmt.Errorf("batch: no shard answers cell %s", ci.Cells[i])
		}
		ctr, err := geo.CellCenter(ci.Cells[i])
		if err != nil {
			return nil, nil, nil, err
		}
		c.Center[i] = ctr
		if math.IsNaN(c.SnapM[i]) && !c.NoRoad[i] {
			return nil, nil, nil, fmt.Errorf("batch: cell %s has no snap distance", ci.Cells[i])
		}
	}
	for b, ok := range baseSeen {
		if !ok {
			return nil, nil, nil, fmt.Errorf("batch: no shard answers base %s", ci.Bases[b].ID)
		}
		if unplaced[b] != "" {
			part.UnplacedBases = append(part.UnplacedBases, unplaced[b])
		}
	}
	for j := range part.NodeBands {
		slices.Sort(part.NodeBands[j])
		part.NodeBands[j] = slices.Compact(part.NodeBands[j])
	}
	return part, dayCovered, dayBands, nil
}

// writeHive writes the cells, units and bases tables once more, split by
// the shard that answered each row, as out/TABLE/shard=NNNN/part-0.parquet.
func writeHive(out string, in *study.Inputs, rs *study.Results, gi *globalInputs) error {
	mem := memory.NewGoAllocator()
	tables, err := study.Tables(mem, in, rs.Coverage)
	if err != nil {
		return err
	}
	defer func() {
		for _, rec := range tables {
			rec.Release()
		}
	}()
	// The day columns, as the single-machine tables have them.
	dayGaps, err := study.DayTables(mem, tables, in, rs.Day)
	if err != nil {
		return err
	}
	if dayGaps != nil {
		dayGaps.Release()
	}
	for _, t := range []struct {
		name  string
		owner []int32
	}{{"cells", gi.Owner}, {"units", gi.UnitOwn}, {"bases", gi.BaseOwn}} {
		rec := tables[t.name]
		if rec == nil || int(rec.NumRows()) != len(t.owner) {
			return fmt.Errorf("batch: hive %s: %d rows for %d owners", t.name, rec.NumRows(), len(t.owner))
		}
		rows := map[int32][]int64{}
		for i, s := range t.owner {
			rows[s] = append(rows[s], int64(i))
		}
		for s, idx := range rows {
			part, err := take(mem, rec, idx)
			if err != nil {
				return err
			}
			d := filepath.Join(out, t.name, fmt.Sprintf("shard=%04d", s))
			if err := os.MkdirAll(d, 0o755); err != nil {
				part.Release()
				return err
			}
			err = arrowio.WriteGeoParquet(filepath.Join(d, "part-0.parquet"), part, arrowio.GeoColumn{Name: "geometry"})
			part.Release()
			if err != nil {
				return fmt.Errorf("batch: hive %s shard %d: %w", t.name, s, err)
			}
		}
	}
	return nil
}

// take returns the rows idx of rec (a new record; release it).
func take(mem memory.Allocator, rec arrow.Record, idx []int64) (arrow.Record, error) {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(idx, nil)
	ix := b.NewArray()
	defer ix.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	cols := make([]arrow.Array, rec.NumCols())
	for k := range cols {
		a, err := compute.TakeArray(ctx, rec.Column(k), ix)
		if err != nil {
			for _, c := range cols[:k] {
				c.Release()
			}
			return nil, err
		}
		cols[k] = a
	}
	out := array.NewRecord(rec.Schema(), cols, int64(len(idx)))
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}
