package main

import (
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/data/facility"
)

// reachSchema is reach's table: the CSV's columns with their types.
var reachSchema = arrow.NewSchema([]arrow.Field{
	arrowio.Field("osm_id", arrow.PrimitiveTypes.Int64, "", "OSM node id"),
	arrowio.Field("seconds", arrow.PrimitiveTypes.Float64, "s", "travel time from the nearest source"),
	arrowio.Field("source_id", arrow.BinaryTypes.String, "", "the nearest source"),
}, nil)

// reachBatchRows is the rows per record batch (and Parquet row group):
// 65,536 rows are about 1.5 MB in memory.
const reachBatchRows = 1 << 16

// writeReachBatches writes the reached nodes in record batches: one batch
// is built, written and released at a time.
func writeReachBatches(w io.Writer, f arrowio.BatchFormat, reached []graph.NodeID, s *route.Search, g *graph.Graph, pts []facility.Point) error {
	bw, err := arrowio.NewBatchWriter(w, reachSchema, f)
	if err != nil {
		return err
	}
	b := array.NewRecordBuilder(memory.NewGoAllocator(), reachSchema)
	defer b.Release()
	ids, secs, srcs := b.Field(0).(*array.Int64Builder), b.Field(1).(*array.Float64Builder), b.Field(2).(*array.StringBuilder)
	flush := func() error {
		rec := b.NewRecord()
		defer rec.Release()
		return bw.Write(rec)
	}
	for i, v := range reached {
		t, _ := s.Time(v)
		ids.Append(g.OSMID(v))
		secs.Append(float64(t))
		srcs.Append(pts[s.Source(v)].ID)
		if (i+1)%reachBatchRows == 0 {
			if err := flush(); err != nil {
				bw.Close()
				return err
			}
		}
	}
	if len(reached)%reachBatchRows != 0 || len(reached) == 0 {
		if err := flush(); err != nil {
			bw.Close()
			return err
		}
	}
	return bw.Close()
}
