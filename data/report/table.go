package report

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// table is one Arrow IPC file of a study output, read whole. Its column
// getters copy values into Go slices (nulls become NaN, "" or false) and
// remember the first problem, which err returns naming the file: a
// missing column, a column of another type, a geometry that is not WKB.
type table struct {
	path string
	recs []arrow.Record
	rows int
	err  error
}

// readTable reads dir/name.arrow. A missing file is an error naming it.
func readTable(dir, name string) (*table, error) {
	path := filepath.Join(dir, name+".arrow")
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s is missing (the output folder is incomplete: run 'rescuegrid analyze' again)", ErrNotOutput, path)
		}
		return nil, fmt.Errorf("read table: %w", err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		return nil, fmt.Errorf("%s: not an Arrow IPC file: %w", path, err)
	}
	defer r.Close()
	t := &table{path: path}
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.Record(i)
		if err != nil {
			t.release()
			return nil, fmt.Errorf("%s: record batch %d: %w", path, i, err)
		}
		rec.Retain()
		t.recs = append(t.recs, rec)
		t.rows += int(rec.NumRows())
	}
	return t, nil
}

func (t *table) release() {
	for _, r := range t.recs {
		r.Release()
	}
	t.recs = nil
}

// columns returns the chunks of the named column, checking its type.
func (t *table) columns(name string, want ...arrow.Type) []arrow.Array {
	if t.err != nil {
		return nil
	}
	var out []arrow.Array
	for _, rec := range t.recs {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) == 0 {
			t.err = fmt.Errorf("%s: no column %q (not a table of this rescuegrid version)", t.path, name)
			return nil
		}
		col := rec.Column(idx[0])
		ok := false
		for _, w := range want {
			ok = ok || col.DataType().ID() == w
		}
		if !ok {
			t.err = fmt.Errorf("%s: column %q is %s, want %s", t.path, name, col.DataType(), arrow.Type(want[0]))
			return nil
		}
		out = append(out, col)
	}
	return out
}

func (t *table) strings(name string) []string {
	out := make([]string, 0, t.rows)
	for _, c := range t.columns(name, arrow.STRING) {
		a := c.(*array.String)
		for i := 0; i < a.Len(); i++ {
			out = append(out, a.Value(i)) // "" for a null
		}
	}
	return out
}

func (t *table) floats(name string) []float64 {
	out := make([]float64, 0, t.rows)
	for _, c := range t.columns(name, arrow.FLOAT64) {
		a := c.(*array.Float64)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				out = append(out, math.NaN())
			} else {
				out = append(out, a.Value(i))
			}
		}
	}
	return out
}

func (t *table) ints(name string) []int64 {
	out := make([]int64, 0, t.rows)
	for _, c := range t.columns(name, arrow.INT64, arrow.INT32) {
		for i := 0; i < c.Len(); i++ {
			switch a := c.(type) {
			case *array.Int64:
				out = append(out, a.Value(i))
			case *array.Int32:
				out = append(out, int64(a.Value(i)))
			}
		}
	}
	return out
}

func (t *table) uints(name string) []uint64 {
	out := make([]uint64, 0, t.rows)
	for _, c := range t.columns(name, arrow.UINT64) {
		out = append(out, c.(*array.Uint64).Uint64Values()...)
	}
	return out
}

func (t *table) bools(name string) []bool {
	out := make([]bool, 0, t.rows)
	for _, c := range t.columns(name, arrow.BOOL) {
		a := c.(*array.Boolean)
		for i := 0; i < a.Len(); i++ {
			out = append(out, a.IsValid(i) && a.Value(i))
		}
	}
	return out
}

// geoms decodes a WKB column; a null is a nil geometry.
func (t *table) geoms(name string) []orb.Geometry {
	out := make([]orb.Geometry, 0, t.rows)
	for _, c := range t.columns(name, arrow.BINARY) {
		a := c.(*array.Binary)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				out = append(out, nil)
				continue
			}
			g, err := wkb.Unmarshal(a.Value(i))
			if err != nil {
				t.err = fmt.Errorf("%s: column %q row %d: %w", t.path, name, len(out), err)
				return nil
			}
			out = append(out, g)
		}
	}
	return out
}
