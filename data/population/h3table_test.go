package population_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// Porto Alegre's hexgrid, as counted in shared/data/porto-alegre/SOURCE.md.
const (
	poaCells     = 1227
	poaPopulated = 1124
	poaTotal     = 812935
)

func poaPath(tb testing.TB) string {
	tb.Helper()
	return shared.Path(tb, "data", "porto-alegre", "poa_hexgrid.csv")
}

func countPopulated(t *population.Table) int {
	n := 0
	for _, p := range t.Pop {
		if p > 0 {
			n++
		}
	}
	return n
}

func TestReadH3_PortoAlegre(t *testing.T) {
	path := poaPath(t)
	tab, err := population.ReadH3(path, 9)
	if err != nil {
		t.Fatalf("ReadH3(%s, 9): %v", path, err)
	}
	if got, want := len(tab.Cells), poaCells; got != want {
		t.Errorf("ReadH3(poa, 9) has %d cells, want %d", got, want)
	}
	if got, want := countPopulated(tab), poaPopulated; got != want {
		t.Errorf("ReadH3(poa, 9) has %d populated cells, want %d", got, want)
	}
	if got, want := tab.Total(), float64(poaTotal); got != want {
		t.Errorf("ReadH3(poa, 9).Total() = %v, want %v", got, want)
	}
	if got, want := tab.Source, "h3 table poa_hexgrid.csv"; got != want {
		t.Errorf("ReadH3(poa, 9).Source = %q, want %q", got, want)
	}
	if got, want := tab.Res, 9; got != want {
		t.Errorf("ReadH3(poa, 9).Res = %d, want %d", got, want)
	}
	c, err := geo.ParseCell("89a9012a3cfffff") // second data line: population 159
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tab.Lookup(c), 159.0; got != want {
		t.Errorf("Lookup(%s) = %v, want %v", c, got, want)
	}

	coarse, err := population.ReadH3(path, 8)
	if err != nil {
		t.Fatalf("ReadH3(%s, 8): %v", path, err)
	}
	if got, want := coarse.Total(), float64(poaTotal); got != want {
		t.Errorf("ReadH3(poa, 8).Total() = %v, want %v", got, want)
	}
	// A resolution-8 cell has 7 children at resolution 9, so at least
	// 1227/7 parents; fewer than 1227 since the grid is contiguous.
	if got := len(coarse.Cells); got >= poaCells || got < poaCells/7 {
		t.Errorf("ReadH3(poa, 8) has %d cells, want fewer than %d and at least %d", got, poaCells, poaCells/7)
	}
	for i, c := range coarse.Cells {
		if c.Resolution() != 8 {
			t.Fatalf("ReadH3(poa, 8).Cells[%d] = %s has resolution %d, want 8", i, c, c.Resolution())
		}
	}
	// Each parent holds the sum of its children.
	for _, parent := range coarse.Cells[:10] {
		kids, err := parent.Children(9)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, k := range kids {
			sum += tab.Lookup(k)
		}
		if got := coarse.Lookup(parent); got != sum {
			t.Errorf("ReadH3(poa, 8).Lookup(%s) = %v, want the sum of its children %v", parent, got, sum)
		}
	}

	if _, err := population.ReadH3(path, 10); !errors.Is(err, population.ErrCoarseTable) {
		t.Errorf("ReadH3(poa, 10) error = %v, want ErrCoarseTable", err)
	}
}

// writeParquet writes the columns to path as Parquet through pqarrow.
func writeParquet(t *testing.T, path string, mem memory.Allocator, fields []arrow.Field, cols []arrow.Array) {
	t.Helper()
	rec := array.NewRecord(arrow.NewSchema(fields, nil), cols, int64(cols[0].Len()))
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem)))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReadH3_Parquet(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	want, err := population.ReadH3(poaPath(t), 9)
	if err != nil {
		t.Fatal(err)
	}
	// Write the table in the three cell encodings, with the population as
	// float64 or int64, and with an ignored extra column.
	strB := array.NewStringBuilder(mem)
	defer strB.Release()
	u64B := array.NewUint64Builder(mem)
	defer u64B.Release()
	i64B := array.NewInt64Builder(mem)
	defer i64B.Release()
	popB := array.NewFloat64Builder(mem)
	defer popB.Release()
	popIB := array.NewInt64Builder(mem)
	defer popIB.Release()
	for i, c := range want.Cells {
		strB.Append(c.String())
		u64B.Append(uint64(c))
		i64B.Append(int64(c))
		popB.Append(want.Pop[i])
		popIB.Append(int64(want.Pop[i]))
	}
	strs := strB.NewArray()
	defer strs.Release()
	u64s := u64B.NewArray()
	defer u64s.Release()
	i64s := i64B.NewArray()
	defer i64s.Release()
	pops := popB.NewArray()
	defer pops.Release()
	popsI := popIB.NewArray()
	defer popsI.Release()

	tests := []struct {
		name   string
		file   string
		fields []arrow.Field
		cols   []arrow.Array
	}{
		{"string cells", "poa.parquet",
			[]arrow.Field{{Name: "h3_index", Type: arrow.BinaryTypes.String}, {Name: "extra", Type: arrow.PrimitiveTypes.Float64}, {Name: "population", Type: arrow.PrimitiveTypes.Float64}},
			[]arrow.Array{strs, pops, pops}},
		{"uint64 cells", "poa_u64.pq",
			[]arrow.Field{{Name: "Cell", Type: arrow.PrimitiveTypes.Uint64}, {Name: "pop", Type: arrow.PrimitiveTypes.Float64}},
			[]arrow.Array{u64s, pops}},
		{"int64 cells, int64 population", "poa_i64.PARQUET",
			[]arrow.Field{{Name: "residents", Type: arrow.PrimitiveTypes.Int64}, {Name: "h3", Type: arrow.PrimitiveTypes.Int64}},
			[]arrow.Array{popsI, i64s}},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			writeParquet(t, path, mem, tt.fields, tt.cols)
			got, err := population.ReadH3(path, 9)
			if err != nil {
				t.Fatalf("ReadH3(%s, 9): %v", tt.file, err)
			}
			if g, w := len(got.Cells), poaCells; g != w {
				t.Errorf("ReadH3(%s, 9) has %d cells, want %d", tt.file, g, w)
			}
			if g, w := countPopulated(got), poaPopulated; g != w {
				t.Errorf("ReadH3(%s, 9) has %d populated cells, want %d", tt.file, g, w)
			}
			if g, w := got.Total(), float64(poaTotal); g != w {
				t.Errorf("ReadH3(%s, 9).Total() = %v, want %v", tt.file, g, w)
			}
			if g, w := got.Source, "h3 table "+tt.file; g != w {
				t.Errorf("ReadH3(%s, 9).Source = %q, want %q", tt.file, g, w)
			}
			for i := range want.Cells {
				if got.Cells[i] != want.Cells[i] || got.Pop[i] != want.Pop[i] {
					t.Fatalf("ReadH3(%s, 9) row %d = %s %v, want %s %v (as from the CSV)",
						tt.file, i, got.Cells[i], got.Pop[i], want.Cells[i], want.Pop[i])
				}
			}
			at8, err := population.ReadH3(path, 8)
			if err != nil {
				t.Fatalf("ReadH3(%s, 8): %v", tt.file, err)
			}
			if g, w := at8.Total(), float64(poaTotal); g != w {
				t.Errorf("ReadH3(%s, 8).Total() = %v, want %v", tt.file, g, w)
			}
		})
	}
}

func testCells(t *testing.T) (a, b, parent h3.Cell) {
	t.Helper()
	var err error
	if a, err = geo.CellOf(orb.Point{-51.2, -30.05}, 9); err != nil {
		t.Fatal(err)
	}
	if b, err = geo.CellOf(orb.Point{-51.19, -30.04}, 9); err != nil {
		t.Fatal(err)
	}
	if parent, err = a.Parent(8); err != nil {
		t.Fatal(err)
	}
	return a, b, parent
}

func TestReadH3_BadCSV(t *testing.T) {
	a, b, parent := testCells(t)
	tests := []struct {
		name     string
		content  string
		res      int
		wantErr  error
		wantLine int      // 0: not a *RowError
		wantText []string // substrings of the message
	}{
		{"bad hex", "id,population\n" + a.String() + ",3\nzzz89,4\n", 9,
			geo.ErrBadCell, 3, []string{`"zzz89"`}},
		{"not a cell", "cell,pop\n" + a.String() + ",3\n8928308280fffff0,4\n", 9,
			geo.ErrBadCell, 3, []string{"8928308280fffff0"}},
		{"negative population", "h3,residents\n" + a.String() + ",3\n" + b.String() + ",-5\n", 9,
			population.ErrBadPopulation, 3, []string{"-5"}},
		{"NaN population", "h3,population\n" + a.String() + ",NaN\n", 9,
			population.ErrBadPopulation, 2, []string{"NaN"}},
		{"infinite population", "h3,population\n" + a.String() + ",+Inf\n", 9,
			population.ErrBadPopulation, 2, []string{"Inf"}},
		{"text population", "h3,population\n" + a.String() + ",many\n", 9,
			population.ErrBadPopulation, 2, []string{`"many"`}},
		{"empty population", "h3,population\n" + a.String() + ",\n", 9,
			population.ErrBadPopulation, 2, nil},
		{"mixed resolution", "hex,population\n" + a.String() + ",1\n" + b.String() + ",2\n" + parent.String() + ",3\n", 8,
			population.ErrMixedRes, 4, []string{parent.String(), "resolution 8", "line 2 has resolution 9"}},
		{"duplicate", "id,population\n" + a.String() + ",1\n" + b.String() + ",2\n" + a.String() + ",3\n", 9,
			population.ErrDuplicateCell, 4, []string{a.String(), "also on line 2"}},
		{"coarser than the study", "id,population\n" + parent.String() + ",1\n", 9,
			population.ErrCoarseTable, 2, []string{"resolution 8", "study resolution is 9"}},
		{"missing cell column", "lon,lat,population\n1,2,3\n", 9,
			population.ErrNoColumn, 0, []string{"cell column"}},
		{"missing population column", "h3_index,jobs\n" + a.String() + ",3\n", 9,
			population.ErrNoColumn, 0, []string{"population column"}},
		{"empty file", "", 9, population.ErrNoRows, 0, []string{"empty file"}},
		{"header only", "id,population\n", 9, population.ErrNoRows, 0, nil},
		{"study resolution out of range", "id,population\n" + a.String() + ",1\n", 12, geo.ErrBadResolution, 0, nil},
	}
	dir := t.TempDir()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := population.ReadH3(path, tt.res)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("case %d: ReadH3(%q) error = %v, want %v", i, tt.content, err, tt.wantErr)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, path) {
				t.Errorf("ReadH3 error %q does not name the file %s", msg, path)
			}
			var re *population.RowError
			if tt.wantLine > 0 {
				if !errors.As(err, &re) {
					t.Fatalf("ReadH3 error %q is not a *RowError", msg)
				}
				if re.Line != tt.wantLine {
					t.Errorf("ReadH3 error line = %d, want %d (%s)", re.Line, tt.wantLine, msg)
				}
			}
			for _, s := range tt.wantText {
				if !strings.Contains(msg, s) {
					t.Errorf("ReadH3 error %q does not contain %q", msg, s)
				}
			}
		})
	}
}

func uint64Array(mem memory.Allocator, v ...uint64) arrow.Array {
	b := array.NewUint64Builder(mem)
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}

func float64Array(mem memory.Allocator, v []float64, valid []bool) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.AppendValues(v, valid)
	return b.NewArray()
}

func stringArray(mem memory.Allocator, v ...string) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(v, nil)
	return b.NewArray()
}

func TestReadH3_BadParquet(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	a, b, parent := testCells(t)

	badCells := uint64Array(mem, uint64(a), 12345, uint64(b))
	defer badCells.Release()
	dupCells := uint64Array(mem, uint64(a), uint64(b), uint64(a))
	defer dupCells.Release()
	mixedCells := uint64Array(mem, uint64(a), uint64(parent), uint64(b))
	defer mixedCells.Release()
	pops := float64Array(mem, []float64{1, 2, 3}, nil)
	defer pops.Release()
	negPops := float64Array(mem, []float64{1, -2, 3}, nil)
	defer negPops.Release()
	nullPops := float64Array(mem, []float64{1, 0, 3}, []bool{true, false, true})
	defer nullPops.Release()
	strs := stringArray(mem, a.String(), "nothex", b.String())
	defer strs.Release()

	cellF := arrow.Field{Name: "h3", Type: arrow.PrimitiveTypes.Uint64}
	strF := arrow.Field{Name: "cell", Type: arrow.BinaryTypes.String}
	floatF := arrow.Field{Name: "cell", Type: arrow.PrimitiveTypes.Float64}
	popF := arrow.Field{Name: "population", Type: arrow.PrimitiveTypes.Float64, Nullable: true}
	tests := []struct {
		name     string
		fields   []arrow.Field
		cols     []arrow.Array
		wantErr  error
		wantRow  int // 0: not a *RowError
		wantText string
	}{
		{"invalid index", []arrow.Field{cellF, popF}, []arrow.Array{badCells, pops}, geo.ErrBadCell, 2, "12345"},
		{"bad hex string", []arrow.Field{strF, popF}, []arrow.Array{strs, pops}, geo.ErrBadCell, 2, `"nothex"`},
		{"negative", []arrow.Field{cellF, popF}, []arrow.Array{dupCells, negPops}, population.ErrBadPopulation, 2, "-2"},
		{"null population", []arrow.Field{cellF, popF}, []arrow.Array{dupCells, nullPops}, population.ErrBadPopulation, 2, "null"},
		{"mixed resolution", []arrow.Field{cellF, popF}, []arrow.Array{mixedCells, pops}, population.ErrMixedRes, 2, "row 1 has resolution 9"},
		{"duplicate", []arrow.Field{cellF, popF}, []arrow.Array{dupCells, pops}, population.ErrDuplicateCell, 3, "also on row 1"},
		{"float cells", []arrow.Field{floatF, popF}, []arrow.Array{pops, pops}, nil, 0, "want string, uint64 or int64"},
		{"missing population", []arrow.Field{cellF, {Name: "people", Type: arrow.PrimitiveTypes.Float64}}, []arrow.Array{dupCells, pops}, population.ErrNoColumn, 0, "population column"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".parquet")
			writeParquet(t, path, mem, tt.fields, tt.cols)
			_, err := population.ReadH3(path, 9)
			if err == nil {
				t.Fatalf("ReadH3(%s) error = nil, want an error", tt.name)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadH3(%s) error = %v, want %v", tt.name, err, tt.wantErr)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, path) || !strings.Contains(msg, tt.wantText) {
				t.Errorf("ReadH3(%s) error = %q, want the file name and %q", tt.name, msg, tt.wantText)
			}
			if tt.wantRow > 0 {
				var re *population.RowError
				if !errors.As(err, &re) || !re.Parquet || re.Line != tt.wantRow {
					t.Errorf("ReadH3(%s) error = %#v, want a Parquet *RowError on row %d", tt.name, err, tt.wantRow)
				}
			}
		})
	}
}

func BenchmarkReadH3_PortoAlegre(b *testing.B) {
	path := poaPath(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := population.ReadH3(path, 9); err != nil {
			b.Fatal(err)
		}
	}
}
