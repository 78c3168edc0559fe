// Package arrowtest reads Arrow IPC files and streams and Parquet files back as tables and
// compares tables, for the tests of the packages that write them (the
// table writers and the study's outputs), through the real readers.
package arrowtest

import (
	"context"
	"os"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// ReadIPC reads the Arrow IPC file at path through ipc.FileReader as one
// table (a chunk per record batch) and its number of record batches.
func ReadIPC(t testing.TB, mem memory.Allocator, path string) (arrow.Table, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatalf("ipc.NewFileReader(%s): %v", path, err)
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	}()
	var recs []arrow.Record
	for i := range r.NumRecords() {
		rec, err := r.RecordAt(i)
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		recs = append(recs, rec)
	}
	return array.NewTableFromRecords(r.Schema(), recs), r.NumRecords()
}

// ReadStream reads the Arrow IPC stream at path through ipc.Reader as one
// table (a chunk per record batch) and its number of record batches.
func ReadStream(t testing.TB, mem memory.Allocator, path string) (arrow.Table, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewReader(f, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatalf("ipc.NewReader(%s): %v", path, err)
	}
	defer r.Release()
	var recs []arrow.Record
	for r.Next() {
		rec := r.Record()
		rec.Retain() // the reader releases it at the next Next
		defer rec.Release()
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return array.NewTableFromRecords(r.Schema(), recs), len(recs)
}

// ReadParquet reads the Parquet file at path through pqarrow, with its
// "geo" footer value ("" without one) and its number of row groups.
func ReadParquet(t testing.TB, mem memory.Allocator, path string) (arrow.Table, string, int) {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := rdr.Close(); err != nil {
			t.Error(err)
		}
	}()
	var geo string
	if v := rdr.MetaData().KeyValueMetadata().FindValue("geo"); v != nil {
		geo = *v
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl, geo, rdr.NumRowGroups()
}

// TablesEqual compares two tables' field names, types and values exactly
// (NaN equal to NaN), whatever their chunks; what names them in failures.
func TablesEqual(t testing.TB, what string, got, want arrow.Table, mem memory.Allocator) {
	t.Helper()
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		t.Fatalf("%s: %d rows x %d columns, want %d x %d", what, got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	for j := range int(got.NumCols()) {
		g, w := got.Schema().Field(j), want.Schema().Field(j)
		if g.Name != w.Name || !arrow.TypeEqual(g.Type, w.Type) {
			t.Errorf("%s field %d = %s %s, want %s %s", what, j, g.Name, g.Type, w.Name, w.Type)
			continue
		}
		a, err := array.Concatenate(got.Column(j).Data().Chunks(), mem)
		if err != nil {
			t.Fatal(err)
		}
		b, err := array.Concatenate(want.Column(j).Data().Chunks(), mem)
		if err != nil {
			t.Fatal(err)
		}
		if !array.ApproxEqual(a, b, array.WithNaNsEqual(true), array.WithAbsTolerance(0)) {
			if a.Len() <= 50 {
				t.Errorf("%s column %s = %v, want %v", what, g.Name, a, b)
			} else {
				t.Errorf("%s column %s differs", what, g.Name)
			}
		}
		a.Release()
		b.Release()
	}
}
