package arrowio_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/file"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/arrowtest"
)

// fixture is a three-row study table over Porto Alegre: every column type
// the project writes, with a null in each nullable column and a NaN.
type fixture struct {
	cells []h3.Cell
	polys []orb.Geometry // nil where the geometry is null
	rec   arrow.Record
}

var studyMeta = arrow.NewMetadata([]string{"study"}, []string{"test"})

var schema = arrow.NewSchema([]arrow.Field{
	arrowio.Field("station", arrow.BinaryTypes.String, "", "nearest station"),
	arrowio.Field("residents", arrow.PrimitiveTypes.Int64, arrowio.UnitPeople, "residents of the cell"),
	arrowio.Field("time_s", arrow.PrimitiveTypes.Float64, arrowio.UnitSeconds, "drive time from the nearest station"),
	arrowio.CellField("cell", "H3 cell, resolution 9"),
	arrowio.Field("within_15min", arrow.FixedWidthTypes.Boolean, "", "reached within 15 minutes"),
	arrowio.GeomField("geometry", "cell boundary"),
}, &studyMeta)

// exact compares values exactly, with NaN equal to NaN.
var exact = []array.EqualOption{array.WithNaNsEqual(true), array.WithAbsTolerance(0)}

func newFixture(t *testing.T, mem memory.Allocator) *fixture {
	t.Helper()
	fx := &fixture{}
	for _, p := range []orb.Point{{-51.20, -30.05}, {-51.17, -30.02}, {-51.23, -30.08}} {
		c, err := geo.CellOf(p, 9)
		if err != nil {
			t.Fatal(err)
		}
		poly, err := geo.CellPolygon(c)
		if err != nil {
			t.Fatal(err)
		}
		fx.cells = append(fx.cells, c)
		fx.polys = append(fx.polys, poly)
	}
	// The third row's geometry is a MultiPolygon of two cells; make the
	// second row's null.
	fx.polys[2] = orb.MultiPolygon{fx.polys[2].(orb.Polygon), fx.polys[0].(orb.Polygon)}
	fx.polys[1] = nil

	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"Centro", "", "Zona \"Sul\", 2"}, []bool{true, false, true})
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{1500000, 0, -7}, nil)
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{412.25, math.NaN(), 0}, []bool{true, true, false})
	cb := b.Field(3).(*array.Uint64Builder)
	for _, c := range fx.cells {
		cb.Append(uint64(c))
	}
	b.Field(4).(*array.BooleanBuilder).AppendValues([]bool{true, false, false}, []bool{true, true, false})
	gb := b.Field(5).(*array.BinaryBuilder)
	for _, g := range fx.polys {
		arrowio.AppendWKB(gb, g)
	}
	fx.rec = b.NewRecord()
	return fx
}

func (fx *fixture) bbox() []float64 {
	var bound orb.Bound
	first := true
	for _, g := range fx.polys {
		if g == nil {
			continue
		}
		if first {
			bound, first = g.Bound(), false
		} else {
			bound = bound.Union(g.Bound())
		}
	}
	return []float64{bound.Min[0], bound.Min[1], bound.Max[0], bound.Max[1]}
}

// checkFieldMeta checks that got carries the unit, doc and kind metadata
// of want, field by field (Parquet adds keys of its own).
func checkFieldMeta(t *testing.T, format string, got, want *arrow.Schema) {
	t.Helper()
	if got.NumFields() != want.NumFields() {
		t.Fatalf("%s: %d fields, want %d", format, got.NumFields(), want.NumFields())
	}
	for i, wf := range want.Fields() {
		gf := got.Field(i)
		if gf.Name != wf.Name || !arrow.TypeEqual(gf.Type, wf.Type) {
			t.Errorf("%s field %d = %s %s, want %s %s", format, i, gf.Name, gf.Type, wf.Name, wf.Type)
		}
		for j, k := range wf.Metadata.Keys() {
			if v, ok := gf.Metadata.GetValue(k); !ok || v != wf.Metadata.Values()[j] {
				t.Errorf("%s field %s metadata %q = %q, want %q", format, wf.Name, k, v, wf.Metadata.Values()[j])
			}
		}
	}
}

func TestWriteAll(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fx := newFixture(t, mem)
	defer fx.rec.Release()

	dir := t.TempDir()
	geom := arrowio.GeoColumn{Name: "geometry", Types: []string{"Polygon", "MultiPolygon"}}
	paths, err := arrowio.WriteAll(dir, "reach", fx.rec, geom)
	if err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	if want := []string{"reach.arrow", "reach.parquet", "reach.csv", "reach.geojson"}; !slices.Equal(names, want) {
		t.Errorf("WriteAll wrote %q, want %q", names, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Errorf("WriteAll left %d files in the folder, want 4 (no temporary files)", len(entries))
	}

	t.Run("ipc", func(t *testing.T) { checkIPC(t, mem, paths[0], fx) })
	t.Run("parquet", func(t *testing.T) { checkParquet(t, mem, paths[1], fx) })
	t.Run("csv", func(t *testing.T) { checkCSV(t, paths[2], fx) })
	t.Run("geojson", func(t *testing.T) { checkGeoJSON(t, paths[3], fx) })
}

func checkIPC(t *testing.T, mem memory.Allocator, path string, fx *fixture) {
	got, n := arrowtest.ReadIPC(t, mem, path)
	defer got.Release()
	if n != 1 {
		t.Fatalf("%s has %d record batches, want 1", path, n)
	}
	want := array.NewTableFromRecords(fx.rec.Schema(), []arrow.Record{fx.rec})
	defer want.Release()
	arrowtest.TablesEqual(t, "IPC", got, want, mem)
	checkFieldMeta(t, "IPC", got.Schema(), fx.rec.Schema())
	if v, _ := got.Schema().Metadata().GetValue("study"); v != "test" {
		t.Errorf("IPC schema metadata study = %q, want %q", v, "test")
	}
}

func TestWriteIPCStream(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fx := newFixture(t, mem)
	defer fx.rec.Release()

	var buf bytes.Buffer
	if err := arrowio.WriteIPCStream(&buf, fx.rec); err != nil {
		t.Fatalf("WriteIPCStream: %v", err)
	}
	r, err := ipc.NewReader(&buf, ipc.WithAllocator(mem))
	if err != nil {
		t.Fatalf("ipc.NewReader: %v", err)
	}
	defer r.Release()
	n := 0
	for r.Next() {
		n++
		if !array.RecordApproxEqual(r.Record(), fx.rec, exact...) {
			t.Errorf("stream record = %v, want %v", r.Record(), fx.rec)
		}
		checkFieldMeta(t, "IPC stream", r.Record().Schema(), fx.rec.Schema())
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("stream has %d records, want 1", n)
	}
}

func checkParquet(t *testing.T, mem memory.Allocator, path string, fx *fixture) {
	tbl, geoJSON, _ := arrowtest.ReadParquet(t, mem, path)
	defer tbl.Release()
	if geoJSON == "" {
		t.Fatalf("%s has no %q footer metadata", path, arrowio.GeoMetadataKey)
	}
	var meta arrowio.GeoMetadata
	if err := json.Unmarshal([]byte(geoJSON), &meta); err != nil {
		t.Fatalf("geo metadata %s: %v", geoJSON, err)
	}
	if meta.Version != "1.1.0" || meta.PrimaryColumn != "geometry" {
		t.Errorf("geo metadata version %q, primary column %q; want 1.1.0, geometry", meta.Version, meta.PrimaryColumn)
	}
	col, ok := meta.Columns["geometry"]
	if !ok {
		t.Fatalf("geo metadata %s has no column geometry", geoJSON)
	}
	if col.Encoding != "WKB" || !slices.Equal(col.GeometryTypes, []string{"Polygon", "MultiPolygon"}) {
		t.Errorf("geo column = %+v, want WKB, [Polygon MultiPolygon]", col)
	}
	if got, want := col.BBox, fx.bbox(); !slices.Equal(got, want) {
		t.Errorf("geo bbox = %v, want %v", got, want)
	}
	// No crs key: absent means OGC:CRS84.
	if strings.Contains(geoJSON, "crs") {
		t.Errorf("geo metadata %s has a crs; want it omitted (OGC:CRS84)", geoJSON)
	}
	checkFieldMeta(t, "Parquet", tbl.Schema(), fx.rec.Schema())
	if got, want := tbl.NumRows(), fx.rec.NumRows(); got != want {
		t.Fatalf("Parquet has %d rows, want %d", got, want)
	}
	for j := 0; j < int(tbl.NumCols()); j++ {
		chunks := tbl.Column(j).Data().Chunks()
		if len(chunks) != 1 {
			t.Fatalf("Parquet column %d has %d chunks, want 1", j, len(chunks))
		}
		if !array.ApproxEqual(chunks[0], fx.rec.Column(j), exact...) {
			t.Errorf("Parquet column %s = %v, want %v", fx.rec.ColumnName(j), chunks[0], fx.rec.Column(j))
		}
	}
}

func checkCSV(t *testing.T, path string, fx *fixture) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(rows) != 4 {
		t.Fatalf("%s has %d lines, want 4", path, len(rows))
	}
	if got, want := rows[0], []string{"station", "residents", "time_s", "cell", "within_15min", "geometry"}; !slices.Equal(got, want) {
		t.Errorf("CSV header = %q, want %q", got, want)
	}
	want := [][]string{
		{"Centro", "1500000", "412.25", fx.cells[0].String(), "true"},
		{"", "0", "NaN", fx.cells[1].String(), "false"},
		{"Zona \"Sul\", 2", "-7", "", fx.cells[2].String(), ""},
	}
	for i, w := range want {
		if got := rows[i+1][:5]; !slices.Equal(got, w) {
			t.Errorf("CSV row %d = %q, want %q", i+1, got, w)
		}
		text := rows[i+1][5]
		if fx.polys[i] == nil {
			if text != "" {
				t.Errorf("CSV row %d geometry = %q, want empty (null)", i+1, text)
			}
			continue
		}
		g, err := wkt.Unmarshal(text)
		if err != nil {
			t.Fatalf("CSV row %d geometry %q: %v", i+1, text, err)
		}
		if !orb.Equal(g, fx.polys[i]) {
			t.Errorf("CSV row %d geometry = %v, want %v", i+1, g, fx.polys[i])
		}
	}
}

func checkGeoJSON(t *testing.T, path string, fx *fixture) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	if len(fc.Features) != 3 {
		t.Fatalf("%s has %d features, want 3", path, len(fc.Features))
	}
	want := []map[string]any{
		{"station": "Centro", "residents": 1500000.0, "time_s": 412.25, "cell": fx.cells[0].String(), "within_15min": true},
		{"station": nil, "residents": 0.0, "time_s": nil, "cell": fx.cells[1].String(), "within_15min": false},
		{"station": "Zona \"Sul\", 2", "residents": -7.0, "time_s": nil, "cell": fx.cells[2].String(), "within_15min": nil},
	}
	for i, f := range fc.Features {
		if len(f.Properties) != len(want[i]) {
			t.Errorf("feature %d properties = %v, want %v", i, f.Properties, want[i])
		}
		for k, w := range want[i] {
			if got, ok := f.Properties[k]; !ok || got != w {
				t.Errorf("feature %d property %s = %v, want %v", i, k, got, w)
			}
		}
		if fx.polys[i] == nil {
			if f.Geometry != nil {
				t.Errorf("feature %d geometry = %v, want null", i, f.Geometry)
			}
		} else if !orb.Equal(f.Geometry, fx.polys[i]) {
			t.Errorf("feature %d geometry = %v, want %v", i, f.Geometry, fx.polys[i])
		}
	}
	// Properties keep column order.
	first := strings.SplitN(string(data), "\n", 3)[1]
	if i, j := strings.Index(first, `"station"`), strings.Index(first, `"within_15min"`); i < 0 || j < i {
		t.Errorf("first feature %s: properties not in column order", first)
	}
}

func TestWriteAll_NoGeometry(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fx := newFixture(t, mem)
	defer fx.rec.Release()
	// Keep the first five columns: no geometry.
	cols := fx.rec.Columns()[:5]
	sc := arrow.NewSchema(fx.rec.Schema().Fields()[:5], nil)
	rec := array.NewRecord(sc, cols, fx.rec.NumRows())
	defer rec.Release()

	dir := t.TempDir()
	paths, err := arrowio.WriteAll(dir, "plain", rec, arrowio.GeoColumn{})
	if err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	if len(paths) != 3 {
		t.Errorf("WriteAll wrote %q, want .arrow, .parquet and .csv", paths)
	}
	rdr, err := file.OpenParquetFile(filepath.Join(dir, "plain.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	if v := rdr.MetaData().KeyValueMetadata().FindValue(arrowio.GeoMetadataKey); v != nil {
		t.Errorf("plain Parquet has geo metadata %s, want none", *v)
	}
	tbl, err := pqarrow.ReadTable(context.Background(), mustOpen(t, filepath.Join(dir, "plain.parquet")),
		parquet.NewReaderProperties(mem), pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if got := tbl.NumCols(); got != 5 {
		t.Errorf("plain Parquet has %d columns, want 5", got)
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestWriteGeoParquet_Errors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fx := newFixture(t, mem)
	defer fx.rec.Release()

	tests := []struct {
		name string
		geom arrowio.GeoColumn
		want string
	}{
		{"undeclared type", arrowio.GeoColumn{Name: "geometry", Types: []string{"Polygon"}}, "MultiPolygon"},
		{"no such column", arrowio.GeoColumn{Name: "geom"}, `"geom"`},
		{"not binary", arrowio.GeoColumn{Name: "station"}, "want binary WKB"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.parquet")
			err := arrowio.WriteGeoParquet(path, fx.rec, tt.geom)
			if !errors.Is(err, arrowio.ErrGeometry) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("WriteGeoParquet(%+v) error = %v, want ErrGeometry mentioning %s", tt.geom, err, tt.want)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("WriteGeoParquet(%+v) failed but left %s (stat: %v)", tt.geom, path, err)
			}
		})
	}
	if err := arrowio.WriteGeoJSON(filepath.Join(dir, "bad.geojson"), fx.rec, "residents"); !errors.Is(err, arrowio.ErrGeometry) {
		t.Errorf("WriteGeoJSON(geometry column residents) error = %v, want ErrGeometry", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left %d files", len(entries))
	}
}

func TestWriteGeoParquet_TypesFromData(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fx := newFixture(t, mem)
	defer fx.rec.Release()
	path := filepath.Join(t.TempDir(), "t.parquet")
	if err := arrowio.WriteGeoParquet(path, fx.rec, arrowio.GeoColumn{Name: "geometry"}); err != nil {
		t.Fatal(err)
	}
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	var meta arrowio.GeoMetadata
	if err := json.Unmarshal([]byte(*rdr.MetaData().KeyValueMetadata().FindValue("geo")), &meta); err != nil {
		t.Fatal(err)
	}
	if got, want := meta.Columns["geometry"].GeometryTypes, []string{"MultiPolygon", "Polygon"}; !slices.Equal(got, want) {
		t.Errorf("geometry_types from the data = %q, want %q", got, want)
	}
}

func TestField(t *testing.T) {
	tests := []struct {
		name      string
		field     arrow.Field
		wantKeys  []string
		wantVals  []string
		wantType  arrow.DataType
		wantNulls bool
	}{
		{"unit and doc", arrowio.Field("time_s", arrow.PrimitiveTypes.Float64, arrowio.UnitSeconds, "drive time"),
			[]string{"unit", "doc"}, []string{"s", "drive time"}, arrow.PrimitiveTypes.Float64, true},
		{"no unit", arrowio.Field("name", arrow.BinaryTypes.String, "", "station name"),
			[]string{"doc"}, []string{"station name"}, arrow.BinaryTypes.String, true},
		{"nothing", arrowio.Field("x", arrow.PrimitiveTypes.Int64, "", ""),
			nil, nil, arrow.PrimitiveTypes.Int64, true},
		{"cell", arrowio.CellField("cell", "H3 cell"),
			[]string{"doc", "kind"}, []string{"H3 cell", "h3"}, arrow.PrimitiveTypes.Uint64, true},
		{"geometry", arrowio.GeomField("geometry", "cell boundary"),
			[]string{"doc", "ARROW:extension:name", "ARROW:extension:metadata"},
			[]string{"cell boundary", "geoarrow.wkb", `{"crs":"OGC:CRS84","crs_type":"authority_code"}`}, arrow.BinaryTypes.Binary, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.field
			if !slices.Equal(f.Metadata.Keys(), tt.wantKeys) || !slices.Equal(f.Metadata.Values(), tt.wantVals) {
				t.Errorf("%s metadata = %v, want keys %q values %q", tt.name, f.Metadata, tt.wantKeys, tt.wantVals)
			}
			if !arrow.TypeEqual(f.Type, tt.wantType) || f.Nullable != tt.wantNulls {
				t.Errorf("%s = %s nullable %v, want %s nullable %v", tt.name, f.Type, f.Nullable, tt.wantType, tt.wantNulls)
			}
		})
	}
}

// An isochrone band that reaches no cell has a nil MultiPolygon. It must be
// written as valid WKB (MULTIPOLYGON EMPTY) that every output and reader
// takes, not as zero bytes, which the GeoParquet writer refused.
func TestWriteAll_EmptyGeometry(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sch := arrow.NewSchema([]arrow.Field{
		arrowio.Field("minutes", arrow.PrimitiveTypes.Float64, "min", "band"),
		arrowio.GeomField("geometry", "area reached"),
	}, nil)
	b := array.NewRecordBuilder(mem, sch)
	defer b.Release()
	cell, err := geo.CellOf(orb.Point{-51.20, -30.05}, 9)
	if err != nil {
		t.Fatal(err)
	}
	full, err := geo.CellsToMultiPolygon([]h3.Cell{cell})
	if err != nil {
		t.Fatal(err)
	}
	var none orb.MultiPolygon // what geo.CellsToMultiPolygon(nil) gives
	b.Field(0).(*array.Float64Builder).AppendValues([]float64{1, 5}, nil)
	arrowio.AppendWKB(b.Field(1).(*array.BinaryBuilder), none)
	arrowio.AppendWKB(b.Field(1).(*array.BinaryBuilder), full)
	rec := b.NewRecord()
	defer rec.Release()

	dir := t.TempDir()
	paths, err := arrowio.WriteAll(dir, "isochrones", rec, arrowio.GeoColumn{Name: "geometry", Types: []string{"MultiPolygon"}})
	if err != nil {
		t.Fatalf("WriteAll with an empty band: %v", err)
	}
	rdr, err := file.OpenParquetFile(paths[1], false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := rdr.Close(); err != nil {
			t.Error(err)
		}
	}()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, mem)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	col := tbl.Column(1).Data().Chunk(0).(*array.Binary)
	if col.IsNull(0) {
		t.Fatalf("the empty band was written as null, want MULTIPOLYGON EMPTY")
	}
	if got := wkt.MarshalString(mustWKB(t, col.Value(0))); got != "MULTIPOLYGON EMPTY" {
		t.Errorf("empty band read back as %q, want MULTIPOLYGON EMPTY", got)
	}
	if got := mustWKB(t, col.Value(1)); !orb.Equal(got, full) {
		t.Errorf("second band read back as %v, want %v", got, full)
	}
	var fc geojson.FeatureCollection
	raw, err := os.ReadFile(paths[3])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatalf("GeoJSON with an empty band does not parse: %v", err)
	}
	if len(fc.Features) != 2 {
		t.Errorf("GeoJSON has %d features, want 2", len(fc.Features))
	}
}

func mustWKB(t *testing.T, b []byte) orb.Geometry {
	t.Helper()
	g, err := wkb.Unmarshal(b)
	if err != nil {
		t.Fatalf("WKB %x: %v", b, err)
	}
	return g
}
