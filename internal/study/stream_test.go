package study_test

import (
	"bytes"
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

	"github.com/rescuegrid/rescuegrid/internal/study"
)

// The cells table written in batches of 100 rows (several per study) is
// the table Tables builds whole, with the busy-team and day columns:
// through the Arrow IPC reader and pqarrow it reads back equal to the
// one-batch write, its CSV and GeoJSON are the same bytes, and every
// other file is unchanged.
func TestWrite_CellsInBatches(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, path string }{
		{"andorra busy teams", busyStudy(t, []string{"0.3", "0.5", "0.2"}, "busy_teams: {}\n")},
		{"porto alegre day", poaDayStudy(t, "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := study.Load(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			in, err := study.Read(ctx, st, study.Options{})
			if err != nil {
				t.Fatal(err)
			}
			rs, err := study.Compute(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			const small = 100
			if n := len(in.Coverage.Cells); n <= 2*small {
				t.Fatalf("%d cells: too few for several batches", n)
			}
			one, several := filepath.Join(t.TempDir(), "one"), filepath.Join(t.TempDir(), "several")
			if _, err := study.Write(ctx, one, in, rs, "test", nil); err != nil {
				t.Fatal(err)
			}
			saved := *study.CellBatchRows
			*study.CellBatchRows = small
			_, err = study.Write(ctx, several, in, rs, "test", nil)
			*study.CellBatchRows = saved
			if err != nil {
				t.Fatal(err)
			}

			// the whole table, as Tables and DayTables build it
			mem := memory.NewGoAllocator()
			tables, err := study.Tables(mem, in, rs.Coverage)
			if err != nil {
				t.Fatal(err)
			}
			if g, err := study.DayTables(mem, tables, in, rs.Day); err != nil {
				t.Fatal(err)
			} else if g != nil {
				g.Release()
			}
			whole := array.NewTableFromRecords(tables["cells"].Schema(), []arrow.Record{tables["cells"]})
			var extra []string
			if rs.Coverage.Busy != nil {
				extra = append(extra, "expected")
			}
			if rs.Day != nil {
				extra = append(extra, "day_population")
			}
			if len(extra) != 1 {
				t.Fatalf("the study has columns %q added to its cells, want one of busy teams or day", extra)
			}
			if len(whole.Schema().FieldIndices(extra[0])) != 1 {
				t.Errorf("cells table has no %s column: %v", extra[0], whole.Schema())
			}

			ipcOne, n1 := readIPCTable(t, filepath.Join(one, "cells.arrow"))
			ipcSeveral, nk := readIPCTable(t, filepath.Join(several, "cells.arrow"))
			if want := (len(in.Coverage.Cells) + small - 1) / small; n1 != 1 || nk != want {
				t.Errorf("cells.arrow record batches %d and %d, want 1 and %d", n1, nk, want)
			}
			sameTable(t, "cells.arrow (one batch)", ipcOne, whole)
			sameTable(t, "cells.arrow", ipcSeveral, whole)
			pqOne, geoOne := readParquetTable(t, filepath.Join(one, "cells.parquet"))
			pqSeveral, geoSeveral := readParquetTable(t, filepath.Join(several, "cells.parquet"))
			sameTable(t, "cells.parquet (one batch)", pqOne, whole)
			sameTable(t, "cells.parquet", pqSeveral, whole)
			if geoOne == "" || geoSeveral != geoOne {
				t.Errorf("cells.parquet geo footer %s, want %s", geoSeveral, geoOne)
			}

			entries, err := os.ReadDir(one)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				switch n := e.Name(); n {
				case "cells.arrow", "cells.parquet", "summary.json":
				default:
					a, errA := os.ReadFile(filepath.Join(one, n))
					b, errB := os.ReadFile(filepath.Join(several, n))
					if errA != nil || errB != nil || !bytes.Equal(a, b) {
						t.Errorf("%s differs between the one-batch and the batched write (%v, %v)", n, errA, errB)
					}
				}
			}
		})
	}
}

func readIPCTable(t *testing.T, path string) (arrow.Table, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f)
	if err != nil {
		t.Fatal(err)
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
		recs = append(recs, rec)
	}
	return array.NewTableFromRecords(r.Schema(), recs), r.NumRecords()
}

func readParquetTable(t *testing.T, path string) (arrow.Table, string) {
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
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl, geo
}

// sameTable compares two tables' names, types and values, whatever their chunks.
func sameTable(t *testing.T, what string, got, want arrow.Table) {
	t.Helper()
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		t.Fatalf("%s: %d rows x %d columns, want %d x %d", what, got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	mem := memory.NewGoAllocator()
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
			t.Errorf("%s column %s differs", what, g.Name)
		}
	}
}
