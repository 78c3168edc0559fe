package arrowio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"

	"github.com/rescuegrid/rescuegrid/data/csvio"
)

// numbers are coordinates and values on and around every formatting
// cut-off: exponents below 1e-6 and from 1e21, negative zero, integers.
func numbers(rng *rand.Rand) []float64 {
	out := []float64{0, math.Copysign(0, -1), 1, -1, 1e-6, 9.99e-7, 1e-7, 1.5e-7, 1e21, 9.99e20, 1.5e300, -2.5e-300,
		-51.2034567891234, 41.15, 179.99999999999997, -8.6101, 1500000, 123456789012345680000}
	for range 200 {
		out = append(out, (rng.Float64()-0.5)*math.Pow(10, float64(rng.IntN(50)-25)))
	}
	return out
}

func ring(rng *rand.Rand, nums []float64, n int) orb.Ring {
	r := make(orb.Ring, n)
	for i := range r {
		r[i] = orb.Point{nums[rng.IntN(len(nums))], nums[rng.IntN(len(nums))]}
	}
	return r
}

// TestWKBTextIsOrbs checks the WKB-to-text hot path against orb's WKT and
// GeoJSON (through encoding/json) on points, lines, polygons with holes
// and multipolygons, and that it leaves empty, non-finite and other
// geometries to orb.
func TestWKBTextIsOrbs(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	nums := numbers(rng)
	var geoms []orb.Geometry
	for range 300 {
		poly := orb.Polygon{ring(rng, nums, 1+rng.IntN(8))}
		for range rng.IntN(3) {
			poly = append(poly, ring(rng, nums, 1+rng.IntN(5)))
		}
		mp := orb.MultiPolygon{poly, {ring(rng, nums, 4)}}
		geoms = append(geoms, orb.Point{nums[rng.IntN(len(nums))], nums[rng.IntN(len(nums))]},
			orb.LineString(ring(rng, nums, 1+rng.IntN(4))), poly, mp, orb.MultiPolygon{poly})
	}
	for _, g := range geoms {
		w, err := wkb.Marshal(g, binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendWKBText([]byte("x"), w, false)
		if !ok || string(got) != "x"+wkt.MarshalString(g) {
			t.Fatalf("WKT of %v: %q (%v), orb %q", g, got, ok, wkt.MarshalString(g))
		}
		want, err := json.Marshal(geojson.NewGeometry(g))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok = appendWKBText(nil, w, true); !ok || !bytes.Equal(got, want) {
			t.Fatalf("GeoJSON of %v: %s (%v), orb %s", g, got, ok, want)
		}
	}
	for _, g := range []orb.Geometry{orb.MultiPolygon{}, orb.Polygon{}, orb.LineString{}, orb.Polygon{{}},
		orb.Point{math.NaN(), math.NaN()}, orb.Point{math.Inf(1), 0}, orb.MultiPoint{{1, 2}}, orb.Collection{orb.Point{1, 2}}} {
		w, err := wkb.Marshal(g, binary.LittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		if out, ok := appendWKBText([]byte("x"), w, false); ok || string(out) != "x" {
			t.Fatalf("%#v: hot path took it (%q)", g, out)
		}
	}
	w, _ := wkb.Marshal(orb.Point{1, 2}, binary.BigEndian)
	if _, ok := appendWKBText(nil, w, true); ok {
		t.Fatal("hot path took big-endian WKB")
	}
}

// TestAppendValuesAreSlowPaths checks every column type's CSV field and
// JSON value against csvValue (through csvio) and jsonValue (through
// encoding/json), with nulls, NaN and infinities, and strings that CSV
// quotes and JSON escapes.
func TestAppendValuesAreSlowPaths(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	nums := append(numbers(rng), math.NaN(), math.Inf(1), math.Inf(-1))
	strs := []string{"", "plain", "a,b", `say "hi"`, " lead", `\.`, "<b>&amp;</b>", "tab\there", "line\nend", "Zhōngshān 中山", "\x7f", "back\\slash"}
	mem := memory.NewGoAllocator()
	sc := arrow.NewSchema([]arrow.Field{
		Field("f", arrow.PrimitiveTypes.Float64, "", ""),
		Field("i", arrow.PrimitiveTypes.Int64, "", ""),
		Field("i32", arrow.PrimitiveTypes.Int32, "", ""),
		Field("u", arrow.PrimitiveTypes.Uint64, "", ""),
		CellField("cell", ""),
		Field("b", arrow.FixedWidthTypes.Boolean, "", ""),
		Field("s", arrow.BinaryTypes.String, "", ""),
		Field("f32", arrow.PrimitiveTypes.Float32, "", ""),
		GeomField("g", ""),
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	n := 400
	for i := range n {
		null := i%7 == 3
		for j := range sc.NumFields() {
			if null {
				b.Field(j).AppendNull()
			}
		}
		if null {
			continue
		}
		b.Field(0).(*array.Float64Builder).Append(nums[rng.IntN(len(nums))])
		b.Field(1).(*array.Int64Builder).Append(rng.Int64() - math.MaxInt64/2)
		b.Field(2).(*array.Int32Builder).Append(rng.Int32() - math.MaxInt32/2)
		b.Field(3).(*array.Uint64Builder).Append(rng.Uint64())
		b.Field(4).(*array.Uint64Builder).Append(0x89a901291abffff + uint64(i)<<12)
		b.Field(5).(*array.BooleanBuilder).Append(rng.IntN(2) == 0)
		b.Field(6).(*array.StringBuilder).Append(strs[rng.IntN(len(strs))])
		b.Field(7).(*array.Float32Builder).Append(float32(nums[rng.IntN(len(nums))]))
		AppendWKB(b.Field(8).(*array.BinaryBuilder), orb.Polygon{ring(rng, nums[:len(nums)-3], 4)})
	}
	rec := b.NewRecord()
	defer rec.Release()
	cols, err := textColumns(rec, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		for i := range n {
			s, err := c.csvValue(i)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.appendCSV([]byte("x"), i)
			if err != nil || string(got) != "x"+csvio.Field(s) {
				t.Fatalf("column %s row %d CSV: %q, slow path %q", c.name, i, got, csvio.Field(s))
			}
			v, err := c.jsonValue(i)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if got, err = c.appendJSON([]byte("x"), i); err != nil || string(got) != "x"+string(want) {
				t.Fatalf("column %s row %d JSON: %q, slow path %q", c.name, i, got, want)
			}
		}
	}
}
