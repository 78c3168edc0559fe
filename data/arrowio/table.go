package arrowio

import (
	"fmt"
	"iter"
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
)

// A Column is one column of a table whose rows are values of type R: its
// field (name, type, and the unit and doc of the schema convention) and how
// a row fills it. Make columns with String, Float64, Int64 and the other
// constructors of this file, and tables of them with NewTable.
type Column[R any] struct {
	Field arrow.Field
	// bind takes the column's builder once per record and returns the
	// function that appends one row's value to it.
	bind func(b array.Builder) func(r R) error
}

// A Table is a list of columns: it makes both the schema and the records,
// so that the two cannot drift apart. A Table is immutable and safe for
// concurrent use.
type Table[R any] struct {
	schema *arrow.Schema
	cols   []Column[R]
}

// NewTable returns the table of the columns, in order. Column names must be
// distinct; a repeated name is a programmer error and panics.
func NewTable[R any](cols ...Column[R]) *Table[R] {
	fields := make([]arrow.Field, len(cols))
	seen := map[string]bool{}
	for i, c := range cols {
		if seen[c.Field.Name] {
			panic(fmt.Sprintf("arrowio: column %q twice in a table", c.Field.Name))
		}
		seen[c.Field.Name] = true
		fields[i] = c.Field
	}
	return &Table[R]{schema: arrow.NewSchema(fields, nil), cols: cols}
}

// Schema returns the table's schema.
func (t *Table[R]) Schema() *arrow.Schema { return t.schema }

// Build appends one row per value of rows and returns the record; the
// caller releases it. The first error of a column stops the build.
func (t *Table[R]) Build(mem memory.Allocator, rows iter.Seq[R]) (arrow.Record, error) {
	b := array.NewRecordBuilder(mem, t.schema)
	defer b.Release()
	appends := make([]func(R) error, len(t.cols))
	for i, c := range t.cols {
		appends[i] = c.bind(b.Field(i))
	}
	for r := range rows {
		for i, add := range appends {
			if err := add(r); err != nil {
				return nil, fmt.Errorf("column %s: %w", t.cols[i].Field.Name, err)
			}
		}
	}
	return b.NewRecord(), nil
}

// MustBuild is Build for tables whose columns cannot fail (no geometry
// column that computes its value); an error is a programmer error and
// panics.
func (t *Table[R]) MustBuild(mem memory.Allocator, rows iter.Seq[R]) arrow.Record {
	rec, err := t.Build(mem, rows)
	if err != nil {
		panic(err)
	}
	return rec
}

// Rows yields one row per index 0..n-1, made by row: the usual way to
// feed Build from parallel slices.
func Rows[R any](n int, row func(i int) R) iter.Seq[R] {
	return func(yield func(R) bool) {
		for i := 0; i < n; i++ {
			if !yield(row(i)) {
				return
			}
		}
	}
}

// column makes a column of Arrow type typ whose builder is a B.
func column[R any, B array.Builder](name string, typ arrow.DataType, unit, doc string, add func(b B, r R) error) Column[R] {
	return Column[R]{
		Field: Field(name, typ, unit, doc),
		bind: func(b array.Builder) func(R) error {
			tb := b.(B)
			return func(r R) error { return add(tb, r) }
		},
	}
}

// String is a text column.
func String[R any](name, doc string, get func(R) string) Column[R] {
	return column(name, arrow.BinaryTypes.String, "", doc, func(b *array.StringBuilder, r R) error {
		b.Append(get(r))
		return nil
	})
}

// OptString is a text column, null where get says !ok.
func OptString[R any](name, doc string, get func(R) (s string, ok bool)) Column[R] {
	return column(name, arrow.BinaryTypes.String, "", doc, func(b *array.StringBuilder, r R) error {
		if s, ok := get(r); ok {
			b.Append(s)
		} else {
			b.AppendNull()
		}
		return nil
	})
}

// Float64 is a column of numbers in unit (one of the Unit constants, or ""
// for ratios), written as they are (NaN stays NaN).
func Float64[R any](name, unit, doc string, get func(R) float64) Column[R] {
	return column(name, arrow.PrimitiveTypes.Float64, unit, doc, func(b *array.Float64Builder, r R) error {
		b.Append(get(r))
		return nil
	})
}

// Finite is a column of numbers in unit, null where the value is NaN or
// infinite (a time no base reaches, a ratio of nothing).
func Finite[R any](name, unit, doc string, get func(R) float64) Column[R] {
	return column(name, arrow.PrimitiveTypes.Float64, unit, doc, func(b *array.Float64Builder, r R) error {
		if v := get(r); math.IsNaN(v) || math.IsInf(v, 0) {
			b.AppendNull()
		} else {
			b.Append(v)
		}
		return nil
	})
}

// OptFloat64 is a column of numbers in unit, null where get says !ok.
func OptFloat64[R any](name, unit, doc string, get func(R) (v float64, ok bool)) Column[R] {
	return column(name, arrow.PrimitiveTypes.Float64, unit, doc, func(b *array.Float64Builder, r R) error {
		if v, ok := get(r); ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
		return nil
	})
}

// Integer is the integer types the integer columns take values of.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint8 | ~uint16 | ~uint32
}

// Int64 is an int64 column (counts, ranks, OSM ids).
func Int64[R any, I Integer](name, unit, doc string, get func(R) I) Column[R] {
	return column(name, arrow.PrimitiveTypes.Int64, unit, doc, func(b *array.Int64Builder, r R) error {
		b.Append(int64(get(r)))
		return nil
	})
}

// Int32 is an int32 column.
func Int32[R any](name, unit, doc string, get func(R) int32) Column[R] {
	return column(name, arrow.PrimitiveTypes.Int32, unit, doc, func(b *array.Int32Builder, r R) error {
		b.Append(get(r))
		return nil
	})
}

// Uint64 is a uint64 column.
func Uint64[R any](name, doc string, get func(R) uint64) Column[R] {
	return column(name, arrow.PrimitiveTypes.Uint64, "", doc, func(b *array.Uint64Builder, r R) error {
		b.Append(get(r))
		return nil
	})
}

// Bool is a boolean column.
func Bool[R any](name, doc string, get func(R) bool) Column[R] {
	return column(name, arrow.FixedWidthTypes.Boolean, "", doc, func(b *array.BooleanBuilder, r R) error {
		b.Append(get(r))
		return nil
	})
}

// OptBool is a boolean column, null where get says !ok.
func OptBool[R any](name, doc string, get func(R) (v, ok bool)) Column[R] {
	return column(name, arrow.FixedWidthTypes.Boolean, "", doc, func(b *array.BooleanBuilder, r R) error {
		if v, ok := get(r); ok {
			b.Append(v)
		} else {
			b.AppendNull()
		}
		return nil
	})
}

// WKB is a binary column of geometries in lon/lat as WKB (null for a nil
// geometry); get may fail, as turning cells into polygons can.
func WKB[R any](name, doc string, get func(R) (orb.Geometry, error)) Column[R] {
	return column(name, arrow.BinaryTypes.Binary, "", doc, func(b *array.BinaryBuilder, r R) error {
		g, err := get(r)
		if err != nil {
			return err
		}
		AppendWKB(b, g)
		return nil
	})
}
