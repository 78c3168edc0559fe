package arrowio_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"

	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/internal/arrowtest"
)

// A table whose columns outgrow the Parquet dictionary page (1 MiB) is
// written to the same bytes every time, with those columns plain and the
// small ones still dictionary-encoded, and reads back equal. arrow-go
// lists a fallen-back chunk's page encodings from a map, so before, the
// same table came out in either order from run to run.
func TestWriteGeoParquet_SameBytesEveryRun(t *testing.T) {
	const rows = 300_000 // 2.4 MB of distinct uint64: past the page limit
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "cell", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "t_s", Type: arrow.PrimitiveTypes.Float64},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "unit", Type: arrow.BinaryTypes.String},
		{Name: "band", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range rows {
		b.Field(0).(*array.Uint64Builder).Append(0x8928308280fffff + uint64(i)*16)
		b.Field(1).(*array.Float64Builder).Append(float64(i) / 7)
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("cell-%d", i))
		b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("unit-%d", i%5))
		b.Field(4).(*array.Int32Builder).Append(int32(i % 4))
	}
	rec := b.NewRecord()
	defer rec.Release()

	path := sameBytesEveryRun(t, func(dir string) string {
		path := filepath.Join(dir, "t.parquet")
		if err := arrowio.WriteGeoParquet(path, rec, arrowio.GeoColumn{}); err != nil {
			t.Fatal(err)
		}
		return path
	})
	checkNoFallback(t, path, schema, map[string]bool{"cell": false, "t_s": false, "name": false, "unit": true, "band": true})
	tbl, err := pqarrow.ReadTable(context.Background(), mustOpen(t, path),
		parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, rows)
	defer tr.Release()
	if !tr.Next() || tr.Record().NumRows() != rows {
		t.Fatalf("read back %d rows in one batch, want %d", tr.Record().NumRows(), rows)
	}
	if !array.RecordEqual(tr.Record(), rec) {
		t.Error("the table reads back different")
	}
}

// The same through WriteAllBatches, the way a large study table is
// written: the dictionary plan is the first batch's, and a later batch in
// which a dictionary column outgrows the page ("late": five values in the
// first batch, distinct after) is cut into smaller row groups instead of
// falling back. The file is the same bytes every run, no column chunk
// falls back, and the table reads back equal.
func TestWriteAllBatches_ParquetSameBytesEveryRun(t *testing.T) {
	const rows, batch = 400_000, 200_000 // 1.6 MB of distinct int64 in a batch
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "cell", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "unit", Type: arrow.BinaryTypes.String},
		{Name: "late", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := range rows {
		b.Field(0).(*array.Uint64Builder).Append(0x8928308280fffff + uint64(i)*16)
		b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("unit-%d", i%5))
		late := int64(i % 5)
		if i >= batch {
			late = int64(i) * 3
		}
		b.Field(2).(*array.Int64Builder).Append(late)
	}
	rec := b.NewRecord()
	defer rec.Release()

	path := sameBytesEveryRun(t, func(dir string) string {
		if _, err := arrowio.WriteAllBatches(dir, "t", arrowio.GeoColumn{}, batchesOf(rec, batch)); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(dir, "t.parquet")
	})
	if n := checkNoFallback(t, path, schema, map[string]bool{"cell": false, "unit": true, "late": true}); n <= rows/batch {
		t.Errorf("%d row groups, want the later batches cut into more than %d", n, rows/batch)
	}
	tbl, err := pqarrow.ReadTable(context.Background(), mustOpen(t, path),
		parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	want := array.NewTableFromRecords(schema, []arrow.Record{rec})
	defer want.Release()
	arrowtest.TablesEqual(t, "Parquet", tbl, want, mem)
}

// sameBytesEveryRun writes a file six times, each time into a folder of
// its own with write, which returns the file's path, and fails unless
// every run wrote the same bytes. It returns the first run's path.
func sameBytesEveryRun(t *testing.T, write func(dir string) string) string {
	t.Helper()
	var first []byte
	var firstPath string
	for run := range 6 {
		path := write(t.TempDir())
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if run == 0 {
			first, firstPath = got, path
		} else if !bytes.Equal(got, first) {
			t.Fatalf("run %d wrote other bytes than run 0 (%d and %d bytes)", run, len(got), len(first))
		}
	}
	return firstPath
}

// checkNoFallback checks every column chunk of the Parquet file at path:
// a dictionary page exactly where wantDict says (by the schema's column
// names), and no chunk whose dictionary fell back to plain pages (more
// than two page encodings listed). It returns the row groups.
func checkNoFallback(t *testing.T, path string, schema *arrow.Schema, wantDict map[string]bool) int {
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
	for g := range rdr.NumRowGroups() {
		rg := rdr.MetaData().RowGroup(g)
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			name := schema.Field(c).Name
			if cc.HasDictionaryPage() != wantDict[name] {
				t.Errorf("row group %d, column %s: dictionary page %v, want %v", g, name, cc.HasDictionaryPage(), wantDict[name])
			}
			if n := len(cc.EncodingStats()); n > 2 {
				t.Errorf("row group %d, column %s: %d page encoding entries (a dictionary fell back)", g, name, n)
			}
		}
	}
	return rdr.NumRowGroups()
}
