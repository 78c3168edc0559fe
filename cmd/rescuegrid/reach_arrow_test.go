package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
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
	check := func(name string, recs []arrow.Record) {
		t.Helper()
		n := 0
		var prev int64
		for _, rec := range recs {
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
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		var recs []arrow.Record
		switch ext {
		case ".arrow":
			r, err := ipc.NewFileReader(f)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < r.NumRecords(); i++ {
				rec, err := r.Record(i)
				if err != nil {
					t.Fatal(err)
				}
				rec.Retain()
				recs = append(recs, rec)
			}
			r.Close()
		case ".arrows":
			r, err := ipc.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				rec := r.Record()
				rec.Retain()
				recs = append(recs, rec)
			}
			r.Release()
		case ".parquet":
			pf, err := file.NewParquetReader(f)
			if err != nil {
				t.Fatal(err)
			}
			if pf.NumRowGroups() < 2 {
				t.Errorf("parquet: %d row groups, want one per batch", pf.NumRowGroups())
			}
			fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: reachBatchRows}, memory.NewGoAllocator())
			if err != nil {
				t.Fatal(err)
			}
			rr, err := fr.GetRecordReader(context.Background(), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for rr.Next() {
				rec := rr.Record()
				rec.Retain()
				recs = append(recs, rec)
			}
			rr.Release()
		}
		f.Close()
		if ext != ".parquet" && len(recs) < 2 {
			t.Errorf("%s: %d record batches, want more than one for %d rows", ext, len(recs), len(want))
		}
		check(ext, recs)
		for _, r := range recs {
			r.Release()
		}
	}
}
