package main

import (
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/rescuegrid/rescuegrid/internal/arrowtest"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// TestReachColumnar writes Malta's reach (71,171 nodes: two record batches)
// as Arrow IPC and Parquet and reads them back: the CSV's rows, values and
// order, in batches of at most 65,536 rows.
func TestReachColumnar(t *testing.T) {
	dir := t.TempDir()
	g := filepath.Join(dir, "g.rgraph")
	runCLI(t, "--quiet", "network", "build", "--pbf", shared.Path(t, "data", "malta", "malta-latest.osm.pbf"), "--out", g)
	sources := shared.Path(t, "reference", "malta", "sources.csv")
	csvOut := filepath.Join(dir, "r.csv")
	runCLI(t, "--quiet", "reach", "--graph", g, "--sources", sources, "--out", csvOut)
	want := readReach(t, csvOut)
	// check reads tbl a record per chunk (per batch written; for Parquet,
	// at most reachBatchRows rows at a time, as its reader reads).
	check := func(name string, tbl arrow.Table, chunk int64) {
		t.Helper()
		tr := array.NewTableReader(tbl, chunk)
		defer tr.Release()
		n := 0
		var prev int64
		for tr.Next() {
			rec := tr.Record()
			if rec.NumRows() > reachBatchRows {
				t.Errorf("%s: a batch of %d rows, want at most %d", name, rec.NumRows(), reachBatchRows)
			}
			ids := rec.Column(0).(*array.Int64)
			secs := rec.Column(1).(*array.Float64)
			srcs := rec.Column(2).(*array.String)
			for i := 0; i < int(rec.NumRows()); i++ {
				id := ids.Value(i)
				w, ok := want[id]
				if !ok || w.seconds != secs.Value(i) || w.source != srcs.Value(i) {
					t.Fatalf("%s: node %d = %v s from %q, CSV %v", name, id, secs.Value(i), srcs.Value(i), w)
				}
				if n > 0 && id <= prev {
					t.Fatalf("%s: node %d after %d, want ascending osm_id", name, id, prev)
				}
				prev = id
				n++
			}
		}
		if n != len(want) {
			t.Errorf("%s: %d rows, CSV %d", name, n, len(want))
		}
	}
	for _, ext := range []string{".arrow", ".arrows", ".parquet"} {
		out := filepath.Join(dir, "r"+ext)
		runCLI(t, "--quiet", "reach", "--graph", g, "--sources", sources, "--out", out)
		var tbl arrow.Table
		batches := 0
		chunk := int64(0)
		switch ext {
		case ".arrow":
			tbl, batches = arrowtest.ReadIPC(t, memory.DefaultAllocator, out)
		case ".arrows":
			tbl, batches = arrowtest.ReadStream(t, memory.DefaultAllocator, out)
		case ".parquet":
			var groups int
			tbl, _, groups = arrowtest.ReadParquet(t, memory.DefaultAllocator, out)
			if groups < 2 {
				t.Errorf("parquet: %d row groups, want one per batch", groups)
			}
			chunk = reachBatchRows
		}
		if ext != ".parquet" && batches < 2 {
			t.Errorf("%s: %d record batches, want more than one for %d rows", ext, batches, len(want))
		}
		check(ext, tbl, chunk)
		tbl.Release()
	}
}
