package study

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

// DaySource is the study file's population.day: the people in each cell
// by day, residents who stay home plus workers where they work.
//
//	population:
//	  night: {h3: grid.csv}          # residents (or h3: … directly, as before)
//	  day:   {h3: grid.csv, column: jobs, stay_share: 0.6}
//
// A cell's day population is stay_share × its residents + its workers.
// Without stay_share it is 1 − all workers / all residents (at least 0):
// the workers are taken to be residents of the study area who leave home,
// so that the day total equals the night total when there are fewer
// workers than residents.
type DaySource struct {
	H3        string   `yaml:"h3"`         // H3 table of workers by place of work
	Column    string   `yaml:"column"`     // its workers column (default jobs)
	StayShare *float64 `yaml:"stay_share"` // share of residents at home by day
}

// DefaultDayColumn is the workers column of a day population table: the
// r5r and Porto Alegre grids call it jobs.
const DefaultDayColumn = "jobs"

// takeNight moves population.night into the fields read before it
// existed.
func (p *PopulationSource) takeNight() error {
	if p.Night == nil {
		return nil
	}
	n := *p.Night
	if p.H3 != "" || p.Polygons != "" || p.Buildings != nil || p.Raster != "" {
		return errors.New("give the residents either under night or directly (h3, polygons, raster, buildings), not both")
	}
	if n.Night != nil || n.Day != nil {
		return errors.New("night: a population source (h3, polygons, raster or buildings), not another night or day")
	}
	n.Day = p.Day
	*p = n
	return nil
}

func checkDay(d *DaySource, file func(key, name string) (string, error), fail func(key, format string, a ...any) error) (*DaySource, error) {
	if d == nil {
		return nil, nil
	}
	if d.H3 == "" {
		return nil, fail("population.day.h3", "is required: an H3 table of workers by place of work")
	}
	var err error
	if d.H3, err = file("population.day.h3", d.H3); err != nil {
		return nil, err
	}
	if d.Column == "" {
		d.Column = DefaultDayColumn
	}
	if s := d.StayShare; s != nil && !(*s >= 0 && *s <= 1) {
		return nil, fail("population.day.stay_share", "%v: want a share in [0, 1]", *s)
	}
	return d, nil
}

// readDay reads the workers and makes the day population on the study
// grid, adding the cells with workers and no residents.
func (in *Inputs) readDay() error {
	st := in.Study
	d := st.Population.Day
	jobs, empty, err := population.ReadH3Column(d.H3, st.Resolution, d.Column)
	if err != nil {
		return fmt.Errorf("population.day: %w", err)
	}
	if len(empty) > 0 {
		in.note(summary.NewMessage("note.day_empty", "file", filepath.Base(d.H3), "n", strconv.Itoa(len(empty)), "column", d.Column).With("lines", lineList(empty, 10)...))
	}
	night := in.Population
	info := &DayInfo{Source: jobs.Source, Residents: night.Total(), Workers: jobs.Total()}
	var extra []h3.Cell
	for _, c := range jobs.Cells {
		if _, ok := slices.BinarySearch(night.Cells, c); !ok {
			extra = append(extra, c)
		}
	}
	if len(extra) > 0 {
		m := make(map[h3.Cell]float64, len(night.Cells)+len(extra))
		for i, c := range night.Cells {
			m[c] = night.Pop[i]
		}
		for _, c := range extra {
			m[c] = 0
		}
		t, err := population.FromMap(m, st.Resolution, night.Source)
		if err != nil {
			return fmt.Errorf("population.day: %w", err)
		}
		t.Estimate = night.Estimate
		in.Population = t
		info.WorkCellsAdded = len(extra)
	}
	if d.StayShare != nil {
		info.StayShare = *d.StayShare
	} else {
		info.StayDerived = true
		if info.Residents > 0 {
			info.StayShare = max(0, 1-info.Workers/info.Residents)
		}
	}
	p := in.Population
	in.DayPop = make([]float64, len(p.Cells))
	for i, c := range p.Cells {
		in.DayPop[i] = info.StayShare*p.Pop[i] + jobs.Lookup(c)
		info.Total += in.DayPop[i]
	}
	in.Day = info
	how := map[bool]string{true: "note.day_derived", false: "note.day_given"}[info.StayDerived]
	f := func(format string, v float64) string { return fmt.Sprintf(format, v) }
	in.note(summary.NewMessage("note.day", "stay", f("%.3f", info.StayShare), "residents", f("%.0f", info.Residents), "workers", f("%.0f", info.Workers),
		"source", jobs.Source, "total", f("%.0f", info.Total)).With("how", summary.NewMessage(how)))
	return nil
}

// computeDay is the coverage study weighted by the day population.
func computeDay(ctx context.Context, in *Inputs) (*coverage.Result, error) {
	ci := in.Coverage
	ci.Pop = in.DayPop
	r, err := coverage.Compute(ctx, ci)
	if err != nil {
		return nil, fmt.Errorf("day population: %w", err)
	}
	return r, nil
}

// Day columns of the cells and units tables (only with a day population).
var (
	cellsDayFields = []arrow.Field{
		arrowio.Field("day_population", arrow.PrimitiveTypes.Float64, "people", "people in the cell by day: residents who stay plus workers"),
	}
	unitsDayFields = []arrow.Field{
		arrowio.Field("day_people", arrow.PrimitiveTypes.Float64, "people", "people in the unit by day"),
		arrowio.Field("day_within", arrow.PrimitiveTypes.Float64, "people", "of whom inside the rescue circle"),
		arrowio.Field("day_share", arrow.PrimitiveTypes.Float64, "", "day_within / day_people (1 with nobody)"),
		arrowio.Field("day_backup_share", arrow.PrimitiveTypes.Float64, "", "share of the day population at least two bases reach in time"),
	}
)

// DayTables adds the day columns to tables and returns the day gaps table
// (the caller releases it), when the study has a day population.
func DayTables(mem memory.Allocator, tables map[string]arrow.Record, in *Inputs, day *coverage.Result) (arrow.Record, error) {
	if day == nil {
		return nil, nil
	}
	fb := array.NewFloat64Builder(mem)
	defer fb.Release()
	if tables["cells"] != nil { // not when Write streams the cells (cellBatches)
		fb.AppendValues(in.DayPop, nil)
		withColumns(tables, "cells", cellsDayFields, fb.NewArray())
	}
	var cols []arrow.Array
	for k := 0; k < 4; k++ {
		for _, u := range day.Units {
			switch k {
			case 0:
				fb.Append(u.Residents)
			case 1:
				fb.Append(u.Within)
			case 2:
				fb.Append(u.Share)
			case 3:
				fb.Append(u.Backup.Share())
			}
		}
		cols = append(cols, fb.NewArray())
	}
	withColumns(tables, "units", unitsDayFields, cols...)
	// The gaps by day: the same patches ranked by the people there by day.
	dayIn := *in
	dayIn.Coverage.Pop = in.DayPop
	t, err := buildTables(mem, &dayIn, day, false) // the gaps only: no cells
	if err != nil {
		return nil, err
	}
	gaps := t["gaps"]
	gaps.Retain()
	for _, r := range t {
		r.Release()
	}
	return gaps, nil
}

func daySummary(in *Inputs, night, day *coverage.Result) *DaySummary {
	if day == nil || in.Day == nil {
		return nil
	}
	s := day.Summary
	out := &DaySummary{DayInfo: *in.Day, Within: s.Within, Share: s.Share, Outside: s.Outside, P50Seconds: ptr(s.P50), P90Seconds: ptr(s.P90),
		Backup: backupSummary(s.Backup), NightWithin: night.Summary.Within, NightShare: night.Summary.Share}
	if day.Busy != nil {
		e := s.Expected
		out.Expected = &e
	}
	return out
}

// PrintDay writes the day line of the readable summary.
func PrintDay(w io.Writer, l i18n.Lang, in *Inputs, night, day *coverage.Result) {
	d := daySummary(in, night, day)
	if d == nil {
		return
	}
	fmt.Fprintln(w, "  "+l.T("summary.day", "stay", fmt.Sprintf("%.3f", d.StayShare), "workers", people(d.Workers), "total", people(d.Total),
		"within", people(d.Within), "share", fmt.Sprintf("%.1f", 100*d.Share), "night", fmt.Sprintf("%.1f", 100*d.NightShare), "outside", people(d.Outside)))
}

// lineList says up to n line numbers, and how many more there are, as
// messages said one after another ("3, 5, 8, and 2 more").
func lineList(lines []int, n int) []*summary.Message {
	var parts []*summary.Message
	for k, l := range lines {
		sep := "note.list_first"
		if k > 0 {
			sep = "note.list_next"
		}
		if k == n {
			parts = append(parts, summary.NewMessage("note.list_more", "n", strconv.Itoa(len(lines)-n)))
			break
		}
		parts = append(parts, summary.NewMessage(sep, "item", strconv.Itoa(l)))
	}
	return parts
}

// WeighDay makes the coverage input's people per cell (1 − w) × residents
// + w × the day population, for siting that weighs day and night (w = 1:
// the day population only). It needs population.day.
func (in *Inputs) WeighDay(w float64) error {
	if !(w >= 0 && w <= 1) {
		return fmt.Errorf("day weight %v: want a share in [0, 1]", w)
	}
	if in.DayPop == nil {
		return errors.New("a day weight needs a day population: give population.day in the study")
	}
	night := in.Population.Pop
	mix := make([]float64, len(night))
	for i := range mix {
		mix[i] = (1-w)*night[i] + w*in.DayPop[i]
	}
	in.Coverage.Pop = mix
	return nil
}
