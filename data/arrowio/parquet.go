package arrowio

import (
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/compress"
	"github.com/paulmach/orb"
)

// GeoParquet footer: the key of the file's key-value metadata and the
// specification version written (https://geoparquet.org/releases/v1.1.0/).
const (
	GeoMetadataKey    = "geo"
	GeoParquetVersion = "1.1.0"
)

// ErrGeometry reports a geometry column that cannot be written as asked:
// missing, not binary, not WKB, or holding a geometry type it does not
// declare.
var ErrGeometry = errors.New("arrowio: bad geometry column")

// A GeoColumn names a record's geometry column for GeoParquet and GeoJSON.
// Name is a binary column of WKB geometries in [lon, lat] (OGC:CRS84), or
// "" for a record without geometry. Types lists the GeoJSON geometry type
// names it may hold ("Polygon", "MultiPolygon", ...); every geometry must
// be of one of them. Left empty, Types is taken from the data.
type GeoColumn struct {
	Name  string
	Types []string
}

// GeoMetadata is the GeoParquet "geo" footer value.
type GeoMetadata struct {
	Version       string                       `json:"version"`
	PrimaryColumn string                       `json:"primary_column"`
	Columns       map[string]GeoColumnMetadata `json:"columns"`
}

// GeoColumnMetadata describes one geometry column in GeoMetadata. CRS is
// omitted, which GeoParquet defines as OGC:CRS84 (lon/lat on WGS84). BBox
// is [minx, miny, maxx, maxy], absent when the column has no non-empty
// geometry.
type GeoColumnMetadata struct {
	Encoding      string    `json:"encoding"`
	GeometryTypes []string  `json:"geometry_types"`
	BBox          []float64 `json:"bbox,omitempty"`
}

// parquetProps are the Parquet writer settings: Snappy, the codec every
// Parquet reader has (GDAL, DuckDB, pyarrow, Spark), and dictionary
// encoding where it pays (the library's default).
func parquetProps(rec arrow.Record) *parquet.WriterProperties {
	if rec == nil {
		return propsFor(nil, nil)
	}
	return propsFor(rec.Schema(), dictionaryPlan(rec))
}

// propsFor is parquetProps with the dictionary off for the columns of
// schema whose dictionary could outgrow the library's dictionary page
// limit (dict[i] false, see stableDictionary).
func propsFor(schema *arrow.Schema, dict []bool) *parquet.WriterProperties {
	props := []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy)}
	for i, on := range dict {
		if !on {
			props = append(props, parquet.WithDictionaryFor(schema.Field(i).Name, false))
		}
	}
	return parquet.NewWriterProperties(props...)
}

// stableDictionary reports whether a column's Parquet dictionary stays
// under limit bytes, counting its distinct values at their physical
// width (4 bytes for 32-bit and narrower numbers, 8 for 64-bit, 4 plus the
// length for strings and binaries): an upper bound of what the writer
// stores. A dictionary past its page limit falls back to plain pages in
// the same column chunk, and arrow-go v17 then lists the chunk's two data
// page encodings from a Go map, in either order from run to run: the same
// table would give different footer bytes. Keeping such a column plain
// from the start makes every file a function of its table. Tables whose
// columns all stay under the limit (every sample's) are written exactly as
// before. Booleans, dictionaries and nested types keep the default.
func stableDictionary(col arrow.Array, limit int) bool {
	switch a := col.(type) {
	case *array.String:
		return distinctBytesUnder(col.Len(), limit, a.ValueLen, func(i int) string { return a.Value(i) }, a.IsNull)
	case *array.LargeString:
		return distinctBytesUnder(col.Len(), limit, a.ValueLen, func(i int) string { return a.Value(i) }, a.IsNull)
	case *array.Binary:
		return distinctBytesUnder(col.Len(), limit, a.ValueLen, func(i int) string { return string(a.Value(i)) }, a.IsNull)
	case *array.LargeBinary:
		return distinctBytesUnder(col.Len(), limit, a.ValueLen, func(i int) string { return string(a.Value(i)) }, a.IsNull)
	}
	var width int
	switch col.DataType().ID() {
	case arrow.INT8, arrow.UINT8, arrow.INT16, arrow.UINT16, arrow.INT32, arrow.UINT32,
		arrow.FLOAT32, arrow.DATE32, arrow.TIME32:
		width = 4
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIME64,
		arrow.TIMESTAMP, arrow.DURATION:
		width = 8
	default:
		return true
	}
	if (col.Len()-col.NullN())*width < limit {
		return true
	}
	// The values' bytes as a key: equal bits, one dictionary entry.
	buf := col.Data().Buffers()[1].Bytes()
	off := col.Data().Offset()
	size := col.DataType().(arrow.FixedWidthDataType).BitWidth() / 8
	seen := make(map[uint64]struct{}, limit/width+1)
	for i := 0; i < col.Len(); i++ {
		if col.IsNull(i) {
			continue
		}
		var k uint64
		for b, v := range buf[(off+i)*size : (off+i+1)*size] {
			k |= uint64(v) << (8 * b)
		}
		seen[k] = struct{}{}
		if len(seen)*width >= limit {
			return false
		}
	}
	return true
}

// distinctBytesUnder reports whether the distinct non-null values of a
// string or binary column of length n, 4 bytes of length each plus their
// bytes, stay under limit.
func distinctBytesUnder(n, limit int, valueLen func(int) int, value func(int) string, isNull func(int) bool) bool {
	all := 0
	for i := range n {
		if !isNull(i) {
			all += 4 + valueLen(i)
		}
	}
	if all < limit {
		return true
	}
	seen := map[string]struct{}{}
	total := 0
	for i := range n {
		if isNull(i) {
			continue
		}
		v := value(i)
		if _, ok := seen[v]; ok {
			continue
		}
		seen[v] = struct{}{}
		if total += 4 + len(v); total >= limit {
			return false
		}
	}
	return true
}

// WriteGeoParquet writes rec to path as Parquet, replacing path
// atomically. With a geometry column (geom.Name != "") the footer carries
// GeoParquet 1.1.0 "geo" metadata: encoding WKB, the geometry types and
// the bounding box computed from the data, CRS omitted (OGC:CRS84). With
// none it is plain Parquet. The Arrow schema is stored in the file too
// (ARROW:schema), so field metadata such as units and uint64 types come
// back as written through pqarrow and pyarrow.
func WriteGeoParquet(path string, rec arrow.Record, geom GeoColumn) error {
	if err := writeOne(path, &parquetSink{geom: geom}, rec); err != nil {
		return fmt.Errorf("write parquet: %w", err)
	}
	return nil
}

// binaryValues is what WKB columns offer: array.Binary and array.LargeBinary.
type binaryValues interface {
	arrow.Array
	Value(i int) []byte
}

// geomColumn returns rec's column name, checking it is binary.
func geomColumn(rec arrow.Record, name string) (binaryValues, error) {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) != 1 {
		return nil, fmt.Errorf("%w: record has %d columns named %q, want 1", ErrGeometry, len(idx), name)
	}
	col, ok := rec.Column(idx[0]).(binaryValues)
	if !ok {
		return nil, fmt.Errorf("%w: column %s has type %s, want binary WKB", ErrGeometry, name, rec.Column(idx[0]).DataType())
	}
	return col, nil
}

// isEmpty reports whether g has no coordinates (an empty bound would
// otherwise stretch the bbox to the origin).
func isEmpty(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.Point:
		return math.IsNaN(g[0]) || math.IsNaN(g[1]) // WKB's POINT EMPTY is NaN NaN
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) == 0
	case orb.MultiLineString:
		for _, ls := range g {
			if len(ls) > 0 {
				return false
			}
		}
		return true
	case orb.Polygon:
		return len(g) == 0 || len(g[0]) == 0
	case orb.MultiPolygon:
		for _, p := range g {
			if len(p) > 0 && len(p[0]) > 0 {
				return false
			}
		}
		return true
	case orb.Collection:
		for _, c := range g {
			if !isEmpty(c) {
				return false
			}
		}
		return true
	}
	return false
}
