package study_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/rescuegrid/rescuegrid/internal/arrowtest"
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
			in, rs := computeStudy(t, tc.path)
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
			_, err := study.Write(ctx, several, in, rs, "test", nil)
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

			ipcOne, n1 := arrowtest.ReadIPC(t, mem, filepath.Join(one, "cells.arrow"))
			ipcSeveral, nk := arrowtest.ReadIPC(t, mem, filepath.Join(several, "cells.arrow"))
			if want := (len(in.Coverage.Cells) + small - 1) / small; n1 != 1 || nk != want {
				t.Errorf("cells.arrow record batches %d and %d, want 1 and %d", n1, nk, want)
			}
			arrowtest.TablesEqual(t, "cells.arrow (one batch)", ipcOne, whole, mem)
			arrowtest.TablesEqual(t, "cells.arrow", ipcSeveral, whole, mem)
			pqOne, geoOne, _ := arrowtest.ReadParquet(t, mem, filepath.Join(one, "cells.parquet"))
			pqSeveral, geoSeveral, _ := arrowtest.ReadParquet(t, mem, filepath.Join(several, "cells.parquet"))
			arrowtest.TablesEqual(t, "cells.parquet (one batch)", pqOne, whole, mem)
			arrowtest.TablesEqual(t, "cells.parquet", pqSeveral, whole, mem)
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

// computeStudy loads the study file at path, reads its inputs and computes
// its results, as analyze does, failing the test on any error.
func computeStudy(t *testing.T, path string) (*study.Inputs, *study.Results) {
	t.Helper()
	st, err := study.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in, err := study.Read(ctx, st, study.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := study.Compute(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return in, rs
}
