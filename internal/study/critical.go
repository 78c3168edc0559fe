package study

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/robustness"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/textwidth"
)

// Critical is the critical road segments of a study, with the OSM names of
// their ways (empty when the study's network is a built graph, not a PBF).
type Critical struct {
	*robustness.Result
	Names map[int64]string
}

// CriticalSegments ranks the study's road segments and closes the top ones
// one at a time (package analysis/robustness), on the study's graph, bases
// and population; top 0 takes the study's robustness.critical_segments.
func CriticalSegments(ctx context.Context, in *Inputs, top int) (*Critical, error) {
	if top == 0 {
		top = in.Study.Robustness.CriticalSegments
	}
	ci := in.Coverage
	rin := robustness.Input{Graph: ci.Graph, Standard: ci.Standard, Cells: ci.Cells, Pop: ci.Pop, Top: top, Workers: ci.Workers}
	for _, b := range ci.Bases {
		rin.Bases = append(rin.Bases, b.Loc)
	}
	r, err := robustness.Critical(ctx, rin)
	if err != nil {
		return nil, fmt.Errorf("critical segments: %w", err)
	}
	c := &Critical{Result: r, Names: map[int64]string{}}
	if pbf := in.Study.Network.PBF; pbf != "" {
		var ids []int64
		for _, s := range r.Segments {
			ids = append(ids, s.Ways...)
		}
		if c.Names, err = osm.WayNames(in.osmContext(ctx), pbf, ids, osm.Options{Procs: ci.Workers}); err != nil {
			return nil, fmt.Errorf("critical segments: way names: %w", err)
		}
	}
	return c, nil
}

// criticalRow is segment k (rank k+1) of the critical_segments table.
type criticalRow struct {
	c *Critical
	k int
	s *robustness.Segment
}

func (r criticalRow) from() orb.Point { return r.s.Line[0] }
func (r criticalRow) to() orb.Point   { return r.s.Line[len(r.s.Line)-1] }

// criticalTable is the critical_segments table: one row per evaluated
// segment, most costly first.
var criticalTable = arrowio.NewTable(
	arrowio.Int64("rank", "", "1 = most costly to close", func(r criticalRow) int { return r.k + 1 }),
	arrowio.Int64("segment", "", "segment number in the study's graph", func(r criticalRow) int { return r.s.ID }),
	arrowio.Int64("way_id", "", "OSM way of most of its edges", func(r criticalRow) int64 { return r.s.WayID }),
	arrowio.String("ways", "every OSM way it uses, space-separated", func(r criticalRow) string {
		ways := ""
		for i, w := range r.s.Ways {
			if i > 0 {
				ways += " "
			}
			ways += fmt.Sprint(w)
		}
		return ways
	}),
	arrowio.String("name", "OSM name (ref) of the way, when known", func(r criticalRow) string { return r.c.Names[r.s.WayID] }),
	arrowio.Float64("from_lon", "deg", "first junction, longitude", func(r criticalRow) float64 { return r.from()[0] }),
	arrowio.Float64("from_lat", "deg", "first junction, latitude", func(r criticalRow) float64 { return r.from()[1] }),
	arrowio.Float64("to_lon", "deg", "second junction, longitude", func(r criticalRow) float64 { return r.to()[0] }),
	arrowio.Float64("to_lat", "deg", "second junction, latitude", func(r criticalRow) float64 { return r.to()[1] }),
	arrowio.Float64("length_m", "m", "length", func(r criticalRow) float64 { return r.s.LengthM }),
	arrowio.Float64("path_residents", "people", "residents whose fastest path from their nearest base runs along it", func(r criticalRow) float64 { return r.s.PathResidents }),
	arrowio.Int64("path_cells", "", "their cells", func(r criticalRow) int { return r.s.PathCells }),
	arrowio.Float64("loss_bound", "people", "residents the detour around it cannot keep inside the circle: the ranking", func(r criticalRow) float64 { return r.s.LossBound }),
	arrowio.Int64("twins", "", "other segments carrying exactly the same residents' routes (not evaluated)", func(r criticalRow) int { return r.s.Twins }),
	arrowio.Float64("residents_losing_coverage", "people", "inside the rescue circle before, outside with it closed", func(r criticalRow) float64 { return r.s.Lost }),
	arrowio.Float64("residents_cut_off", "people", "reached before, by no base with it closed", func(r criticalRow) float64 { return r.s.CutOff }),
	arrowio.Float64("residents_gaining_coverage", "people", "outside before, inside with it closed (a base or cell snapped anew)", func(r criticalRow) float64 { return r.s.Gained }),
	arrowio.Float64("added_person_minutes", "min", "residents x added minutes, over those reached both ways", func(r criticalRow) float64 { return r.s.AddedPersonSeconds / 60 }),
	arrowio.Int64("bases_moved", "", "bases moved to another road by the closure (their road closed or cut off)", func(r criticalRow) int { return r.s.BasesMoved }),
	arrowio.Float64("residents_resnapped", "people", "residents of cells whose centre moved to another road", func(r criticalRow) float64 { return r.s.Resnapped }),
	arrowio.WKB("geometry", "the segment, WKB linestring, lon/lat", func(r criticalRow) (orb.Geometry, error) { return r.s.Line, nil }),
)

// CriticalSegmentsSchema is the schema of the critical_segments table.
var CriticalSegmentsSchema = criticalTable.Schema()

// CriticalTable builds the critical_segments table.
func CriticalTable(mem memory.Allocator, c *Critical) arrow.Record {
	return criticalTable.MustBuild(mem, arrowio.Rows(len(c.Segments), func(k int) criticalRow { return criticalRow{c, k, &c.Segments[k]} }))
}

func criticalSummary(c *Critical) *CriticalSummary {
	if c == nil {
		return nil
	}
	out := &CriticalSummary{Evaluated: len(c.Segments), OnPaths: c.OnPaths, Segments: c.Total, UnevaluatedBound: c.UnevaluatedBound, Top: []CriticalSegment{}}
	for _, s := range c.Segments[:min(5, len(c.Segments))] {
		out.Top = append(out.Top, CriticalSegment{WayID: s.WayID, Name: c.Names[s.WayID], Lost: s.Lost, CutOff: s.CutOff,
			AddedMin: math.Round(s.AddedPersonSeconds/60*10) / 10, PathPeople: s.PathResidents})
	}
	return out
}

// PrintCritical writes the most costly segments.
func PrintCritical(w io.Writer, l i18n.Lang, c *Critical) {
	if c == nil {
		return
	}
	fmt.Fprintln(w, "\n  "+l.T("summary.critical", "n", len(c.Segments), "paths", c.OnPaths, "bound", people(c.UnevaluatedBound)))
	fmt.Fprintf(w, "    %s %s %s %s %s\n", textwidth.PadRight(l.T("summary.critical_way"), 36), textwidth.PadLeft(l.T("summary.critical_paths"), 12),
		textwidth.PadLeft(l.T("summary.critical_lose"), 9), textwidth.PadLeft(l.T("summary.critical_cut"), 9), textwidth.PadLeft(l.T("summary.critical_added"), 14))
	for k, s := range c.Segments {
		if k == 5 {
			fmt.Fprintln(w, "    "+l.T("summary.critical_more", "n", len(c.Segments)-5))
			break
		}
		label := l.T("summary.critical_way") + " " + strconv.FormatInt(s.WayID, 10)
		if n := c.Names[s.WayID]; n != "" {
			label = textwidth.Trim(n, 24) + " " + strconv.FormatInt(s.WayID, 10)
		}
		fmt.Fprintf(w, "    %s %12s %9s %9s %14s\n", textwidth.PadRight(textwidth.Trim(label, 36), 36), people(s.PathResidents), people(s.Lost), people(s.CutOff), people(s.AddedPersonSeconds/60))
	}
}
