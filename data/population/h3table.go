package population

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/limits"
)

// Column names ReadH3 accepts, in order of preference (matched without
// regard to case or surrounding spaces). The first name present wins, so a
// file with both "h3" and "id" columns takes its cells from "h3".
var (
	cellColumns = []string{"cell", "h3", "h3_index", "hex", "id"}
	popColumns  = []string{"population", "pop", "residents"}
)

// Errors of ReadH3. They arrive wrapped in a *RowError when they belong to
// one row of the file; an invalid cell wraps geo.ErrBadCell.
var (
	ErrNoColumn      = errors.New("population: required column missing")
	ErrNoRows        = errors.New("population: no rows")
	ErrBadPopulation = errors.New("population: population must be a finite number >= 0")
	ErrMixedRes      = errors.New("population: cells of different resolutions in one table")
	ErrCoarseTable   = errors.New("population: table is coarser than the study resolution")
	ErrDuplicateCell = errors.New("population: duplicate cell")
)

// A RowError is a problem with one row of an H3 population table. Line is
// 1-based: the text line of a CSV file (the header is line 1), or the row
// number of a Parquet file (Parquet is then true).
type RowError struct {
	Path    string
	Line    int
	Parquet bool
	Err     error
}

func (e *RowError) Error() string {
	if e.Parquet {
		return fmt.Sprintf("%s: row %d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// ReadH3 reads resident population on H3 cells from path: Parquet when the
// name ends in .parquet or .pq, CSV otherwise. It needs a cell column (named
// cell, h3, h3_index, hex or id, preferred in that order, any case) and a
// population column (population, pop or residents); other columns are
// ignored. Cells are hexadecimal strings ("89a901291abffff") in CSV; in
// Parquet they are strings or 64-bit integer indexes (uint64 or int64).
// Population is residents per cell, a finite number >= 0 (fractions are
// kept: areal estimates are not whole people).
//
// All cells must have one resolution. When it is finer than res the
// population is summed onto the parents at res; a table coarser than res is
// refused, since splitting a cell's residents among its children would need
// an assumption about where they live. res must be a study resolution
// (geo.CheckRes). Cells with 0 residents are kept.
//
// Errors name the file and line (or Parquet row): an invalid cell, a bad
// population value, a cell of another resolution than the first row's, and
// a duplicate cell (with the line where it first appeared); they are
// *RowError values wrapping the sentinels above. The returned Table's
// Source is "h3 table <base name of path>".
func ReadH3(path string, res int) (*Table, error) {
	t, _, err := readH3(path, res, "")
	return t, err
}

// ReadH3Column is ReadH3 reading the counts from the named column (any
// case) instead of the population column: workers by place of work
// ("jobs"), for a day population. "" means ReadH3's population columns.
// Source names the column when one is given. Unlike ReadH3 it counts an
// empty value of a CSV file as 0 (a grid with no workers recorded in a
// cell) and returns the lines where it did, for a note.
func ReadH3Column(path string, res int, column string) (*Table, []int, error) {
	if strings.TrimSpace(column) == "" {
		return nil, nil, fmt.Errorf("read h3 table %s: %w: no column named", path, ErrNoColumn)
	}
	return readH3(path, res, column)
}

func readH3(path string, res int, column string) (*Table, []int, error) {
	t, b, err := readH3Builder(path, res, column)
	if err != nil {
		return nil, nil, err
	}
	return t, b.empty, nil
}

func readH3Builder(path string, res int, column string) (*Table, *h3Builder, error) {
	if err := geo.CheckRes(res); err != nil {
		return nil, nil, fmt.Errorf("read h3 table %s: %w", path, err)
	}
	b := &h3Builder{column: strings.TrimSpace(column), path: path, res: res, lines: make(map[h3.Cell]int), pop: make(map[h3.Cell]float64)}
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".pq":
		b.parquet = true
		err = b.readParquet()
	default:
		err = b.readCSV()
	}
	if err != nil {
		return nil, nil, err
	}
	if len(b.lines) == 0 {
		return nil, nil, fmt.Errorf("read h3 table %s: %w", path, ErrNoRows)
	}
	src := "h3 table " + filepath.Base(path)
	if b.column != "" {
		src += " column " + b.column
	}
	t, err := FromMap(b.pop, res, src)
	if err != nil { // cannot happen: every key is a parent at res
		return nil, nil, fmt.Errorf("read h3 table %s: %w", path, err)
	}
	return t, b, nil
}

// h3Builder applies ReadH3's rules row by row, whatever the file format.
type h3Builder struct {
	column  string // the count column; "" means one of popColumns
	empty   []int  // lines whose count was empty, counted as 0 (column only)
	path    string
	res     int // study resolution
	parquet bool

	fileRes   int // resolution of the first row's cell
	firstLine int
	lines     map[h3.Cell]int     // cell as read -> line, to name duplicates
	pop       map[h3.Cell]float64 // parent at res -> residents
}

func (b *h3Builder) rowErr(line int, err error) error {
	return &RowError{Path: b.path, Line: line, Parquet: b.parquet, Err: err}
}

func (b *h3Builder) lineWord() string {
	if b.parquet {
		return "row"
	}
	return "line"
}

// add checks one row's cell and population and adds it to the table.
// MaxCellPopulation bounds the residents of one row of a population table:
// 1e9, above any city; values near float64's limit (1e308) overflow sums.
const MaxCellPopulation = 1e9

func (b *h3Builder) add(line int, c h3.Cell, pop float64) error {
	if math.IsNaN(pop) || math.IsInf(pop, 0) || pop < 0 {
		return b.rowErr(line, fmt.Errorf("%w: got %v", ErrBadPopulation, pop))
	}
	if pop > MaxCellPopulation {
		return b.rowErr(line, fmt.Errorf("%w: got %v, more than %g, the limit of one row (sums of such values overflow)", ErrBadPopulation, pop, MaxCellPopulation))
	}
	r := c.Resolution()
	if len(b.lines) == 0 {
		if r < b.res {
			return b.rowErr(line, fmt.Errorf("%w: cell %s has resolution %d, study resolution is %d; "+
				"a coarse cell's residents cannot be split among its children without knowing where they live, "+
				"so read the table at resolution %d or coarser", ErrCoarseTable, c, r, b.res, r))
		}
		b.fileRes, b.firstLine = r, line
	} else if r != b.fileRes {
		return b.rowErr(line, fmt.Errorf("%w: cell %s has resolution %d, but the cell on %s %d has resolution %d",
			ErrMixedRes, c, r, b.lineWord(), b.firstLine, b.fileRes))
	}
	if prev, dup := b.lines[c]; dup {
		return b.rowErr(line, fmt.Errorf("%w %s: also on %s %d", ErrDuplicateCell, c, b.lineWord(), prev))
	}
	b.lines[c] = line
	p := c
	if r > b.res {
		var err error
		if p, err = c.Parent(b.res); err != nil {
			return b.rowErr(line, fmt.Errorf("%w: parent of %s at resolution %d: %v", geo.ErrBadCell, c, b.res, err))
		}
	}
	b.pop[p] += pop
	return nil
}

// pickColumn returns the index in names of the first of want present, or -1.
func pickColumn(names []string, want []string) int {
	for _, w := range want {
		for i, n := range names {
			if strings.EqualFold(strings.TrimSpace(n), w) {
				return i
			}
		}
	}
	return -1
}

func (b *h3Builder) columns(names []string) (cellCol, popCol int, err error) {
	pc := popColumns
	if b.column != "" {
		pc = []string{b.column}
	}
	cellCol, popCol = pickColumn(names, cellColumns), pickColumn(names, pc)
	switch {
	case cellCol < 0:
		err = fmt.Errorf("%w: no cell column (one of %s) among %s", ErrNoColumn, strings.Join(cellColumns, ", "), limits.ExcerptList(names, 8))
	case popCol < 0:
		err = fmt.Errorf("%w: no population column (one of %s) among %s", ErrNoColumn, strings.Join(pc, ", "), limits.ExcerptList(names, 8))
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read h3 table %s: %w", b.path, err)
	}
	return cellCol, popCol, nil
}

func (b *h3Builder) readCSV() error {
	f, err := os.Open(b.path)
	if err != nil {
		return fmt.Errorf("read h3 table: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(&limits.LineReader{Name: b.path, R: f})
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return fmt.Errorf("read h3 table %s: %w: empty file, want a header line", b.path, ErrNoRows)
	}
	if err != nil {
		return fmt.Errorf("read h3 table %s: %w", b.path, err)
	}
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\ufeff") // spreadsheet exports start with a BOM
	cellCol, popCol, err := b.columns(header)
	if err != nil {
		return err
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read h3 table %s: %w", b.path, err) // *csv.ParseError has the line
		}
		line, _ := r.FieldPos(cellCol)
		c, err := geo.ParseCell(strings.TrimSpace(rec[cellCol]))
		if err != nil {
			return b.rowErr(line, err)
		}
		s := strings.TrimSpace(rec[popCol])
		if s == "" && b.column != "" {
			b.empty = append(b.empty, line)
			s = "0"
		}
		pop, err := strconv.ParseFloat(s, 64)
		if err != nil {
			pline, _ := r.FieldPos(popCol)
			return b.rowErr(pline, fmt.Errorf("%w: got %q", ErrBadPopulation, s))
		}
		if err := b.add(line, c, pop); err != nil {
			return err
		}
	}
}

// parquetBatchRows is the number of rows decoded at a time: large enough to
// amortise the per-batch cost, small enough to keep the two columns of a
// country-sized table (millions of rows) out of memory at once.
const parquetBatchRows = 64 << 10

func (b *h3Builder) readParquet() error {
	rdr, err := file.OpenParquetFile(b.path, false)
	if err != nil {
		return fmt.Errorf("read h3 table %s: %w", b.path, err)
	}
	defer rdr.Close()
	sc := rdr.MetaData().Schema
	root := sc.Root()
	names := make([]string, root.NumFields())
	for i := range names {
		names[i] = root.Field(i).Name()
	}
	cellField, popField, err := b.columns(names)
	if err != nil {
		return err
	}
	cellIdx, popIdx := sc.ColumnIndexByName(names[cellField]), sc.ColumnIndexByName(names[popField])
	if cellIdx < 0 || popIdx < 0 {
		return fmt.Errorf("read h3 table %s: %w: columns %q and %q must be plain (not nested) columns",
			b.path, ErrNoColumn, names[cellField], names[popField])
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: parquetBatchRows}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("read h3 table %s: %w", b.path, err)
	}
	rr, err := fr.GetRecordReader(context.Background(), []int{cellIdx, popIdx}, nil)
	if err != nil {
		return fmt.Errorf("read h3 table %s: %w", b.path, err)
	}
	defer rr.Release()
	row := 0
	for rr.Next() {
		rec := rr.Record()
		if err := b.addParquetBatch(rec, row); err != nil {
			return err
		}
		row += int(rec.NumRows())
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return fmt.Errorf("read h3 table %s: %w", b.path, err)
	}
	return nil
}

// addParquetBatch adds the rows of rec (columns: cell, population), whose
// first row is row 1+row0 of the file.
func (b *h3Builder) addParquetBatch(rec arrow.Record, row0 int) error {
	cells, pops := rec.Column(0), rec.Column(1)
	cellName, popName := rec.ColumnName(0), rec.ColumnName(1)
	for i := 0; i < int(rec.NumRows()); i++ {
		line := row0 + i + 1
		if cells.IsNull(i) {
			return b.rowErr(line, fmt.Errorf("%w: column %s is null", geo.ErrBadCell, cellName))
		}
		var c h3.Cell
		switch a := cells.(type) {
		case *array.String:
			var err error
			if c, err = geo.ParseCell(strings.TrimSpace(a.Value(i))); err != nil {
				return b.rowErr(line, err)
			}
		case *array.LargeString:
			var err error
			if c, err = geo.ParseCell(strings.TrimSpace(a.Value(i))); err != nil {
				return b.rowErr(line, err)
			}
		case *array.Uint64:
			c = h3.Cell(a.Value(i))
		case *array.Int64:
			c = h3.Cell(uint64(a.Value(i)))
		default:
			return fmt.Errorf("read h3 table %s: cell column %s has type %s, want string, uint64 or int64",
				b.path, cellName, cells.DataType())
		}
		if !c.IsValid() {
			return b.rowErr(line, fmt.Errorf("%w: %d (%#x)", geo.ErrBadCell, uint64(c), uint64(c)))
		}
		if pops.IsNull(i) {
			return b.rowErr(line, fmt.Errorf("%w: column %s is null", ErrBadPopulation, popName))
		}
		var pop float64
		switch a := pops.(type) {
		case *array.Float64:
			pop = a.Value(i)
		case *array.Float32:
			pop = float64(a.Value(i))
		case *array.Int64:
			pop = float64(a.Value(i))
		case *array.Int32:
			pop = float64(a.Value(i))
		case *array.Int16:
			pop = float64(a.Value(i))
		case *array.Int8:
			pop = float64(a.Value(i))
		case *array.Uint64:
			pop = float64(a.Value(i))
		case *array.Uint32:
			pop = float64(a.Value(i))
		case *array.Uint16:
			pop = float64(a.Value(i))
		case *array.Uint8:
			pop = float64(a.Value(i))
		default:
			return fmt.Errorf("read h3 table %s: population column %s has type %s, want a number",
				b.path, popName, pops.DataType())
		}
		if err := b.add(line, c, pop); err != nil {
			return err
		}
	}
	return nil
}
