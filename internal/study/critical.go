package study

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/rescuegrid/rescuegrid/analysis/robustness"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/data/osm"
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
		if c.Names, err = osm.WayNames(ctx, pbf, ids, osm.Options{Procs: ci.Workers}); err != nil {
			return nil, fmt.Errorf("critical segments: way names: %w", err)
		}
	}
	return c, nil
}

// CriticalSegmentsSchema is the critical_segments table: one row per
// evaluated segment, most costly first.
var CriticalSegmentsSchema = arrow.NewSchema([]arrow.Field{
	arrowio.Field("rank", arrow.PrimitiveTypes.Int64, "", "1 = most costly to close"),
	arrowio.Field("segment", arrow.PrimitiveTypes.Int64, "", "segment number in the study's graph"),
	arrowio.Field("way_id", arrow.PrimitiveTypes.Int64, "", "OSM way of most of its edges"),
	arrowio.Field("ways", arrow.BinaryTypes.String, "", "every OSM way it uses, space-separated"),
	arrowio.Field("name", arrow.BinaryTypes.String, "", "OSM name (ref) of the way, when known"),
	arrowio.Field("from_lon", arrow.PrimitiveTypes.Float64, "deg", "first junction, longitude"),
	arrowio.Field("from_lat", arrow.PrimitiveTypes.Float64, "deg", "first junction, latitude"),
	arrowio.Field("to_lon", arrow.PrimitiveTypes.Float64, "deg", "second junction, longitude"),
	arrowio.Field("to_lat", arrow.PrimitiveTypes.Float64, "deg", "second junction, latitude"),
	arrowio.Field("length_m", arrow.PrimitiveTypes.Float64, "m", "length"),
	arrowio.Field("path_residents", arrow.PrimitiveTypes.Float64, "people", "residents whose fastest path from their nearest base runs along it"),
	arrowio.Field("path_cells", arrow.PrimitiveTypes.Int64, "", "their cells"),
	arrowio.Field("loss_bound", arrow.PrimitiveTypes.Float64, "people", "residents the detour around it cannot keep inside the circle: the ranking"),
	arrowio.Field("twins", arrow.PrimitiveTypes.Int64, "", "other segments carrying exactly the same residents' routes (not evaluated)"),
	arrowio.Field("residents_losing_coverage", arrow.PrimitiveTypes.Float64, "people", "inside the rescue circle before, outside with it closed"),
	arrowio.Field("residents_cut_off", arrow.PrimitiveTypes.Float64, "people", "reached before, by no base with it closed"),
	arrowio.Field("residents_gaining_coverage", arrow.PrimitiveTypes.Float64, "people", "outside before, inside with it closed (a base or cell snapped anew)"),
	arrowio.Field("added_person_minutes", arrow.PrimitiveTypes.Float64, "min", "residents x added minutes, over those reached both ways"),
	arrowio.Field("bases_moved", arrow.PrimitiveTypes.Int64, "", "bases moved to another road by the closure (their road closed or cut off)"),
	arrowio.Field("residents_resnapped", arrow.PrimitiveTypes.Float64, "people", "residents of cells whose centre moved to another road"),
	arrowio.Field("geometry", arrow.BinaryTypes.Binary, "", "the segment, WKB linestring, lon/lat"),
}, nil)

// CriticalTable builds the critical_segments table.
func CriticalTable(mem memory.Allocator, c *Critical) arrow.Record {
	b := array.NewRecordBuilder(mem, CriticalSegmentsSchema)
	defer b.Release()
	f64 := func(i int) *array.Float64Builder { return b.Field(i).(*array.Float64Builder) }
	for k, s := range c.Segments {
		b.Field(0).(*array.Int64Builder).Append(int64(k + 1))
		b.Field(1).(*array.Int64Builder).Append(int64(s.ID))
		b.Field(2).(*array.Int64Builder).Append(s.WayID)
		ways := ""
		for i, w := range s.Ways {
			if i > 0 {
				ways += " "
			}
			ways += fmt.Sprint(w)
		}
		b.Field(3).(*array.StringBuilder).Append(ways)
		b.Field(4).(*array.StringBuilder).Append(c.Names[s.WayID])
		from, to := s.Line[0], s.Line[len(s.Line)-1]
		for i, v := range []float64{from[0], from[1], to[0], to[1], s.LengthM, s.PathResidents} {
			f64(5 + i).Append(v)
		}
		b.Field(11).(*array.Int64Builder).Append(int64(s.PathCells))
		f64(12).Append(s.LossBound)
		b.Field(13).(*array.Int64Builder).Append(int64(s.Twins))
		for i, v := range []float64{s.Lost, s.CutOff, s.Gained, s.AddedPersonSeconds / 60} {
			f64(14 + i).Append(v)
		}
		b.Field(18).(*array.Int64Builder).Append(int64(s.BasesMoved))
		f64(19).Append(s.Resnapped)
		arrowio.AppendWKB(b.Field(20).(*array.BinaryBuilder), s.Line)
	}
	return b.NewRecord()
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
func PrintCritical(w io.Writer, c *Critical) {
	if c == nil {
		return
	}
	fmt.Fprintf(w, "\n  critical road segments, closed one at a time (%d evaluated of %d on residents' routes; no other loses more than %s residents):\n",
		len(c.Segments), c.OnPaths, people(c.UnevaluatedBound))
	fmt.Fprintf(w, "    %-36s %12s %9s %9s %14s\n", "way", "on paths", "lose", "cut off", "+person-min")
	for k, s := range c.Segments {
		if k == 5 {
			fmt.Fprintf(w, "    … %d more in critical_segments.csv\n", len(c.Segments)-5)
			break
		}
		label := fmt.Sprintf("way %d", s.WayID)
		if n := c.Names[s.WayID]; n != "" {
			label = trim(n, 24) + " " + label[4:]
		}
		fmt.Fprintf(w, "    %-36s %12s %9s %9s %14s\n", trim(label, 36), people(s.PathResidents), people(s.Lost), people(s.CutOff), people(s.AddedPersonSeconds/60))
	}
}
