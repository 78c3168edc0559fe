package arrowio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/rescuegrid/rescuegrid/data/arrowio"
)

// batchesOf yields rec as slices of size rows, then nil.
func batchesOf(rec arrow.Record, size int64) func() (arrow.Record, error) {
	var lo int64
	started := false
	return func() (arrow.Record, error) {
		if started && lo >= rec.NumRows() {
			return nil, nil
		}
		started = true
		hi := min(rec.NumRows(), lo+size)
		s := rec.NewSlice(lo, hi)
		lo = hi
		return s, nil
	}
}

// readIPC reads an Arrow IPC file's batches, concatenated.
func readIPC(t *testing.T, mem memory.Allocator, path string) (arrow.Table, int) {
	t.Helper()
	r, err := ipc.NewFileReader(mustOpen(t, path), ipc.WithAllocator(mem))
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

// readParquet reads a Parquet file through pqarrow, with its "geo" footer
// value and its row group count.
func readParquet(t *testing.T, mem memory.Allocator, path string) (arrow.Table, string, int) {
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
	if v := rdr.MetaData().KeyValueMetadata().FindValue(arrowio.GeoMetadataKey); v != nil {
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

// tablesEqual compares two tables column by column, whatever their chunks.
func tablesEqual(t *testing.T, format string, got, want arrow.Table, mem memory.Allocator) {
	t.Helper()
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		t.Fatalf("%s: %d rows x %d columns, want %d x %d", format, got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	for j := range int(got.NumCols()) {
		if g, w := got.Schema().Field(j), want.Schema().Field(j); g.Name != w.Name || !arrow.TypeEqual(g.Type, w.Type) {
			t.Errorf("%s field %d = %s %s, want %s %s", format, j, g.Name, g.Type, w.Name, w.Type)
		}
		a, err := array.Concatenate(got.Column(j).Data().Chunks(), mem)
		if err != nil {
			t.Fatal(err)
		}
		b, err := array.Concatenate(want.Column(j).Data().Chunks(), mem)
		if err != nil {
			t.Fatal(err)
		}
		if !array.ApproxEqual(a, b, exact...) {
			t.Errorf("%s column %s = %v, want %v", format, got.Schema().Field(j).Name, a, b)
		}
		a.Release()
		b.Release()
	}
}

// A table written as several record batches reads back as the one-record
// write of the same table through the Arrow IPC reader and pqarrow (with
// the same "geo" footer: the bbox and types over every batch), and its
// CSV and GeoJSON are the same bytes, which the decoders read.
func TestWriteAllBatches_SameTableAsOneRecord(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fx := newFixture(t, mem)
	defer fx.rec.Release()
	geom := arrowio.GeoColumn{Name: "geometry"}

	one, several := t.TempDir(), t.TempDir()
	wantPaths, err := arrowio.WriteAll(one, "cells", fx.rec, geom)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := arrowio.WriteAllBatches(several, "cells", geom, batchesOf(fx.rec, 1))
	if err != nil {
		t.Fatalf("WriteAllBatches: %v", err)
	}
	if len(paths) != 4 {
		t.Fatalf("WriteAllBatches wrote %q, want 4 files", paths)
	}
	for k, p := range paths {
		if filepath.Base(p) != filepath.Base(wantPaths[k]) {
			t.Errorf("file %d = %s, want %s", k, filepath.Base(p), filepath.Base(wantPaths[k]))
		}
	}
	if entries, _ := os.ReadDir(several); len(entries) != 4 {
		t.Errorf("%d files in the folder, want 4 (no temporary files)", len(entries))
	}

	wantIPC, n := readIPC(t, mem, wantPaths[0])
	defer wantIPC.Release()
	gotIPC, n3 := readIPC(t, mem, paths[0])
	defer gotIPC.Release()
	if n != 1 || n3 != 3 {
		t.Errorf("IPC record batches %d and %d, want 1 and 3", n, n3)
	}
	tablesEqual(t, "IPC", gotIPC, wantIPC, mem)
	if v, _ := gotIPC.Schema().Metadata().GetValue("study"); v != "test" {
		t.Errorf("IPC schema metadata study = %q, want test", v)
	}

	wantPQ, wantGeo, g1 := readParquet(t, mem, wantPaths[1])
	defer wantPQ.Release()
	gotPQ, gotGeo, g3 := readParquet(t, mem, paths[1])
	defer gotPQ.Release()
	if g1 != 1 || g3 != 3 {
		t.Errorf("Parquet row groups %d and %d, want 1 and 3", g1, g3)
	}
	tablesEqual(t, "Parquet", gotPQ, wantPQ, mem)
	if gotGeo == "" || gotGeo != wantGeo {
		t.Errorf("geo footer %s, want %s", gotGeo, wantGeo)
	}
	// the bbox spans rows 0 and 2, types both rows': not the last batch's
	checkParquetGeo(t, paths[1], fx)

	for k, check := range []func(*testing.T, string, *fixture){nil, nil, checkCSV, checkGeoJSON} {
		if check == nil {
			continue
		}
		got, err := os.ReadFile(paths[k])
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(wantPaths[k])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the one-record write", filepath.Base(paths[k]))
		}
		check(t, paths[k], fx)
	}
}

// checkParquetGeo checks the "geo" footer's bbox and types against fx.
func checkParquetGeo(t *testing.T, path string, fx *fixture) {
	t.Helper()
	mem := memory.NewGoAllocator()
	tbl, geo, _ := readParquet(t, mem, path)
	tbl.Release()
	var meta arrowio.GeoMetadata
	if err := json.Unmarshal([]byte(geo), &meta); err != nil {
		t.Fatalf("geo footer %s: %v", geo, err)
	}
	col := meta.Columns["geometry"]
	if want := []string{"MultiPolygon", "Polygon"}; !slices.Equal(col.GeometryTypes, want) {
		t.Errorf("geo types %q, want %q", col.GeometryTypes, want)
	}
	if !slices.Equal(col.BBox, fx.bbox()) {
		t.Errorf("geo bbox %v, want %v", col.BBox, fx.bbox())
	}
}

// A failure while the batches come (the table's source, or one of the
// files) leaves no file and no temporary file, and does not replace the
// files that were there.
func TestWriteAllBatches_FailureReplacesNothing(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fx := newFixture(t, mem)
	defer fx.rec.Release()
	geom := arrowio.GeoColumn{Name: "geometry"}

	// a second batch whose geometry is not WKB: the Parquet file fails
	bad := func() arrow.Record {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.StringBuilder).Append("x")
		b.Field(1).(*array.Int64Builder).Append(1)
		b.Field(2).(*array.Float64Builder).Append(1)
		b.Field(3).(*array.Uint64Builder).Append(1)
		b.Field(4).(*array.BooleanBuilder).Append(true)
		b.Field(5).(*array.BinaryBuilder).Append([]byte{1, 2, 3})
		return b.NewRecord()
	}
	sourceErr := errors.New("the source broke")
	for _, tc := range []struct {
		name string
		next func() func() (arrow.Record, error)
		want error
	}{
		{"source", func() func() (arrow.Record, error) {
			n := 0
			return func() (arrow.Record, error) {
				if n++; n == 2 {
					return nil, sourceErr
				}
				fx.rec.Retain()
				return fx.rec, nil
			}
		}, sourceErr},
		{"geometry", func() func() (arrow.Record, error) {
			n := 0
			return func() (arrow.Record, error) {
				switch n++; n {
				case 1:
					fx.rec.Retain()
					return fx.rec, nil
				case 2:
					return bad(), nil
				case 3:
					fx.rec.Retain()
					return fx.rec, nil
				}
				return nil, nil
			}
		}, arrowio.ErrGeometry},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			old := map[string]bool{"cells.arrow": true, "cells.csv": true}
			for n := range old {
				if err := os.WriteFile(filepath.Join(dir, n), []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			written, err := arrowio.WriteAllBatches(dir, "cells", geom, tc.next())
			if !errors.Is(err, tc.want) {
				t.Fatalf("WriteAllBatches error %v, want %v", err, tc.want)
			}
			if len(written) != 0 {
				t.Errorf("wrote %q, want nothing", written)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != len(old) {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("folder holds %q, want only the old files", names)
			}
			for n := range old {
				if b, err := os.ReadFile(filepath.Join(dir, n)); err != nil || string(b) != "old" {
					t.Errorf("%s = %q, %v; want it untouched", n, b, err)
				}
			}
		})
	}
}

// A table of no batches is an error, not an empty file.
func TestWriteAllBatches_NoBatch(t *testing.T) {
	dir := t.TempDir()
	_, err := arrowio.WriteAllBatches(dir, "cells", arrowio.GeoColumn{}, func() (arrow.Record, error) { return nil, nil })
	if err == nil {
		t.Fatal("no error for a table of no batches")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left", len(entries))
	}
}
