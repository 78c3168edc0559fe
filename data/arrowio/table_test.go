package arrowio_test

import (
	"errors"
	"math"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/data/arrowio"
)

type place struct {
	id    string
	unit  int // -1: none
	secs  float64
	count int32
	open  bool
	loc   orb.Point
}

var units = []string{"u0", "u1"}

var placesTable = arrowio.NewTable(
	arrowio.String("id", "place id", func(p place) string { return p.id }),
	arrowio.OptString("unit_id", "unit, null outside", func(p place) (string, bool) {
		if p.unit < 0 {
			return "", false
		}
		return units[p.unit], true
	}),
	arrowio.Finite("seconds", arrowio.UnitSeconds, "time, null when unreached", func(p place) float64 { return p.secs }),
	arrowio.Float64("raw_seconds", arrowio.UnitSeconds, "time as it is", func(p place) float64 { return p.secs }),
	arrowio.Int32("count", arrowio.UnitCount, "a count", func(p place) int32 { return p.count }),
	arrowio.Int64("rank", "", "rank", func(p place) int32 { return p.count + 1 }),
	arrowio.OptBool("open", "open, null for u1", func(p place) (bool, bool) { return p.open, p.unit != 1 }),
	arrowio.WKB("geometry", "location", func(p place) (orb.Geometry, error) { return p.loc, nil }),
)

func TestTableSchemaAndRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rows := []place{
		{"a", 0, 12.5, 3, true, orb.Point{1, 2}},
		{"b", -1, math.Inf(1), 0, false, orb.Point{3, 4}},
		{"c", 1, math.NaN(), 7, true, orb.Point{5, 6}},
	}
	rec, err := placesTable.Build(mem, arrowio.Rows(len(rows), func(i int) place { return rows[i] }))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()

	s := placesTable.Schema()
	if !rec.Schema().Equal(s) {
		t.Fatalf("record schema %v, want the table's %v", rec.Schema(), s)
	}
	wantFields := []struct {
		name      string
		typ       arrow.DataType
		unit, doc string
	}{
		{"id", arrow.BinaryTypes.String, "", "place id"},
		{"unit_id", arrow.BinaryTypes.String, "", "unit, null outside"},
		{"seconds", arrow.PrimitiveTypes.Float64, "s", "time, null when unreached"},
		{"raw_seconds", arrow.PrimitiveTypes.Float64, "s", "time as it is"},
		{"count", arrow.PrimitiveTypes.Int32, "count", "a count"},
		{"rank", arrow.PrimitiveTypes.Int64, "", "rank"},
		{"open", arrow.FixedWidthTypes.Boolean, "", "open, null for u1"},
		{"geometry", arrow.BinaryTypes.Binary, "", "location"},
	}
	if s.NumFields() != len(wantFields) {
		t.Fatalf("%d fields, want %d", s.NumFields(), len(wantFields))
	}
	for i, w := range wantFields {
		f := s.Field(i)
		if want := arrowio.Field(w.name, w.typ, w.unit, w.doc); !f.Equal(want) {
			t.Errorf("field %d = %v, want %v", i, f, want)
		}
	}
	if rec.NumRows() != 3 {
		t.Fatalf("%d rows, want 3", rec.NumRows())
	}

	unit := rec.Column(1).(*array.String)
	if unit.Value(0) != "u0" || !unit.IsNull(1) || unit.Value(2) != "u1" {
		t.Errorf("unit_id = %v, want [u0 (null) u1]", unit)
	}
	secs := rec.Column(2).(*array.Float64)
	if secs.Value(0) != 12.5 || !secs.IsNull(1) || !secs.IsNull(2) {
		t.Errorf("seconds = %v, want [12.5 (null) (null)]", secs)
	}
	raw := rec.Column(3).(*array.Float64)
	if raw.IsNull(1) || !math.IsInf(raw.Value(1), 1) || !math.IsNaN(raw.Value(2)) {
		t.Errorf("raw_seconds = %v, want [12.5 +Inf NaN]", raw)
	}
	if got := rec.Column(5).(*array.Int64).Int64Values(); got[0] != 4 || got[1] != 1 || got[2] != 8 {
		t.Errorf("rank = %v, want [4 1 8]", got)
	}
	open := rec.Column(6).(*array.Boolean)
	if !open.Value(0) || open.Value(1) || !open.IsNull(2) {
		t.Errorf("open = %v, want [true false (null)]", open)
	}
	if g := rec.Column(7).(*array.Binary); g.NullN() != 0 || len(g.Value(0)) != 21 {
		t.Errorf("geometry: %d nulls, first value %d bytes, want 0 nulls and a 21-byte WKB point", g.NullN(), len(g.Value(0)))
	}
}

func TestTableBuildError(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	bad := errors.New("no polygon")
	tab := arrowio.NewTable(
		arrowio.String("id", "", func(i int) string { return "x" }),
		arrowio.WKB("geometry", "", func(i int) (orb.Geometry, error) {
			if i == 2 {
				return nil, bad
			}
			return orb.Point{0, 0}, nil
		}),
	)
	rec, err := tab.Build(mem, arrowio.Rows(4, func(i int) int { return i }))
	if !errors.Is(err, bad) || rec != nil {
		t.Fatalf("Build = %v, %v; want nil and an error wrapping %v", rec, err, bad)
	}
	if want := "column geometry: no polygon"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestTableRepeatedColumnPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewTable with a column named twice did not panic")
		}
	}()
	arrowio.NewTable(
		arrowio.String("id", "", func(int) string { return "" }),
		arrowio.Bool("id", "", func(int) bool { return false }),
	)
}

func TestRowsStopsEarly(t *testing.T) {
	n := 0
	for i := range arrowio.Rows(10, func(i int) int { return i }) {
		n++
		if i == 3 {
			break
		}
	}
	if n != 4 {
		t.Errorf("Rows yielded %d values before the break, want 4", n)
	}
}
