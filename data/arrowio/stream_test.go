package arrowio_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/internal/arrowtest"
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

	wantIPC, n := arrowtest.ReadIPC(t, mem, wantPaths[0])
	defer wantIPC.Release()
	gotIPC, n3 := arrowtest.ReadIPC(t, mem, paths[0])
	defer gotIPC.Release()
	if n != 1 || n3 != 3 {
		t.Errorf("IPC record batches %d and %d, want 1 and 3", n, n3)
	}
	arrowtest.TablesEqual(t, "IPC", gotIPC, wantIPC, mem)
	if v, _ := gotIPC.Schema().Metadata().GetValue("study"); v != "test" {
		t.Errorf("IPC schema metadata study = %q, want test", v)
	}

	wantPQ, wantGeo, g1 := arrowtest.ReadParquet(t, mem, wantPaths[1])
	defer wantPQ.Release()
	gotPQ, gotGeo, g3 := arrowtest.ReadParquet(t, mem, paths[1])
	defer gotPQ.Release()
	if g1 != 1 || g3 != 3 {
		t.Errorf("Parquet row groups %d and %d, want 1 and 3", g1, g3)
	}
	arrowtest.TablesEqual(t, "Parquet", gotPQ, wantPQ, mem)
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
	tbl, geo, _ := arrowtest.ReadParquet(t, mem, path)
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
