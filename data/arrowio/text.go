package arrowio

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"

	"github.com/rescuegrid/rescuegrid/data/csvio"
)

// textColumn is one column as the text formats see it.
type textColumn struct {
	name string
	arr  arrow.Array
	geom bool // WKB geometry: WKT in CSV, the feature geometry or WKT in GeoJSON
	cell bool // H3 cell index: hexadecimal
}

// textColumns classifies rec's columns; geomName, if not "", is a geometry
// column even without GeomField's marking.
func textColumns(rec arrow.Record, geomName string) ([]textColumn, error) {
	sc := rec.Schema()
	cols := make([]textColumn, rec.NumCols())
	for j := range cols {
		f := sc.Field(j)
		c := textColumn{name: f.Name, arr: rec.Column(j), geom: isGeom(f) || (geomName != "" && f.Name == geomName), cell: isCell(f)}
		if _, ok := c.arr.(binaryValues); c.geom && !ok {
			return nil, fmt.Errorf("%w: column %s has type %s, want binary WKB", ErrGeometry, f.Name, f.Type)
		}
		cols[j] = c
	}
	return cols, nil
}

// geometry decodes row i of a geometry column (nil for null).
func (c textColumn) geometry(i int) (orb.Geometry, error) {
	if c.arr.IsNull(i) {
		return nil, nil
	}
	g, err := wkb.Unmarshal(c.arr.(binaryValues).Value(i))
	if err != nil {
		return nil, fmt.Errorf("%w: column %s row %d: %v", ErrGeometry, c.name, i, err)
	}
	return g, nil
}

// formatFloat writes v in the shortest form that reads back exactly,
// without an exponent in the range people read (1e-6 to 1e21, as
// JavaScript does), so spreadsheets see 1500000, not 1.5e+06.
func formatFloat(v float64, bits int) string {
	if a := math.Abs(v); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(v, 'f', -1, bits)
	}
	return strconv.FormatFloat(v, 'g', -1, bits)
}

// csvValue renders row i of c for CSV: "" for null, WKT for geometry,
// hexadecimal for H3 cells and other binary, numbers in full precision.
func (c textColumn) csvValue(i int) (string, error) {
	if c.arr.IsNull(i) {
		return "", nil
	}
	if c.geom {
		g, err := c.geometry(i)
		if err != nil {
			return "", err
		}
		return wkt.MarshalString(g), nil
	}
	switch a := c.arr.(type) {
	case *array.Uint64:
		if c.cell {
			return strconv.FormatUint(a.Value(i), 16), nil
		}
		return strconv.FormatUint(a.Value(i), 10), nil
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i)), nil
	case *array.Float64:
		return formatFloat(a.Value(i), 64), nil
	case *array.Float32:
		return formatFloat(float64(a.Value(i)), 32), nil
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10), nil
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10), nil
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10), nil
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10), nil
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10), nil
	case *array.Uint16:
		return strconv.FormatUint(uint64(a.Value(i)), 10), nil
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10), nil
	case binaryValues:
		return hex.EncodeToString(a.Value(i)), nil
	}
	return c.arr.ValueStr(i), nil
}

// jsonValue returns row i of c as a value for encoding/json: null for null
// and for NaN or infinite numbers (JSON has neither), WKT for a geometry
// that is not the feature's, hexadecimal for H3 cells and other binary.
func (c textColumn) jsonValue(i int) (any, error) {
	if c.arr.IsNull(i) {
		return nil, nil
	}
	if c.geom || c.cell {
		return c.csvValue(i)
	}
	switch a := c.arr.(type) {
	case *array.Float64:
		v := a.Value(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil
		}
		return json.Number(formatFloat(v, 64)), nil
	case *array.Float32:
		v := float64(a.Value(i))
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil
		}
		return json.Number(formatFloat(v, 32)), nil
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Int64, *array.Int32, *array.Int16, *array.Int8,
		*array.Uint64, *array.Uint32, *array.Uint16, *array.Uint8, binaryValues:
		s, err := c.csvValue(i)
		if _, isBin := a.(binaryValues); isBin {
			return s, err
		}
		return json.Number(s), err
	}
	return c.arr.GetOneForMarshal(i), nil
}

// WriteCSV writes rec to path as CSV (RFC 4180, comma, "\n" line ends),
// replacing path atomically. The header holds the column names. A null is
// an empty field; numbers are written in full precision without needless
// exponents; booleans as true/false; H3 cell columns (CellField) as
// hexadecimal strings; geometry columns (GeomField) as WKT in [lon, lat],
// in a column of the same name, which QGIS, GDAL and spreadsheets read;
// other binary columns as hexadecimal.
func WriteCSV(path string, rec arrow.Record) error {
	return writeCSV(path, rec, "")
}

func writeCSV(path string, rec arrow.Record, geomName string) error {
	if err := writeOne(path, &csvSink{geomName: geomName}, rec); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// encodeCSV writes the header and the rows of rec as CSV (see data/csvio).
func encodeCSV(w io.Writer, rec arrow.Record, cols []textColumn) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := writeCSVHeader(bw, cols); err != nil {
		return err
	}
	if err := writeCSVRows(bw, rec, cols); err != nil {
		return err
	}
	return bw.Flush()
}

// writeCSVHeader writes the CSV header line of cols.
func writeCSVHeader(bw *bufio.Writer, cols []textColumn) error {
	row := make([]string, len(cols))
	for j, c := range cols {
		row[j] = c.name
	}
	_, err := bw.Write(csvio.AppendRow(nil, row...))
	return err
}

// writeCSVRows writes the rows of rec (columns cols) as CSV lines.
func writeCSVRows(bw *bufio.Writer, rec arrow.Record, cols []textColumn) error {
	var buf []byte
	for i := 0; i < int(rec.NumRows()); i++ {
		buf = buf[:0]
		for j, c := range cols {
			if j > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = c.appendCSV(buf, i); err != nil {
				return err
			}
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// WriteGeoJSON writes rec to path as a GeoJSON FeatureCollection (RFC
// 7946), one feature per row and per line, replacing path atomically.
// Column geomCol (WKB in [lon, lat]) is each feature's geometry, null
// where the value is null; every other column is a property, in column
// order, with null for nulls and for NaN or infinite numbers, H3 cells as
// hexadecimal strings and other geometry columns as WKT.
func WriteGeoJSON(path string, rec arrow.Record, geomCol string) error {
	if err := writeOne(path, &geoJSONSink{geomCol: geomCol}, rec); err != nil {
		return fmt.Errorf("write geojson: %w", err)
	}
	return nil
}

// A featureWriter writes a GeoJSON FeatureCollection, rows batch by batch.
type featureWriter struct {
	bw      *bufio.Writer
	keys    [][]byte // the properties' JSON keys, by column
	geomCol string
	n       int // features written
}

// newFeatureWriter starts the collection of columns cols on w.
func newFeatureWriter(w io.Writer, cols []textColumn, geomCol string) (*featureWriter, error) {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
	}
	fw := &featureWriter{bw: bw, keys: make([][]byte, len(cols)), geomCol: geomCol}
	for j, c := range cols {
		if c.name == geomCol {
			continue
		}
		k, err := json.Marshal(c.name)
		if err != nil {
			return nil, err
		}
		fw.keys[j] = k
	}
	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return nil, err
	}
	return fw, nil
}

// rows writes a feature per row of rec, whose columns are cols (the same
// names as the first batch's).
func (fw *featureWriter) rows(rec arrow.Record, cols []textColumn) error {
	var geomIdx int
	for j, c := range cols {
		if c.name == fw.geomCol {
			geomIdx = j
		}
	}
	var buf []byte
	gc := cols[geomIdx]
	wkbs := gc.arr.(binaryValues)
	for i := 0; i < int(rec.NumRows()); i++ {
		buf = buf[:0]
		if fw.n > 0 {
			buf = append(buf, ',')
		}
		fw.n++
		buf = append(buf, "\n{\"type\":\"Feature\",\"geometry\":"...)
		var ok bool
		if !wkbs.IsNull(i) {
			buf, ok = appendWKBText(buf, wkbs.Value(i), true)
		}
		if !ok {
			g, err := gc.geometry(i)
			if err != nil {
				return err
			}
			if g == nil {
				buf = append(buf, "null"...)
			} else {
				b, err := json.Marshal(geojson.NewGeometry(g))
				if err != nil {
					return fmt.Errorf("column %s row %d: %w", gc.name, i, err)
				}
				buf = append(buf, b...)
			}
		}
		buf = append(buf, `,"properties":{`...)
		first := true
		for j, c := range cols {
			if j == geomIdx {
				continue
			}
			if !first {
				buf = append(buf, ',')
			}
			first = false
			buf = append(buf, fw.keys[j]...)
			buf = append(buf, ':')
			var err error
			if buf, err = c.appendJSON(buf, i); err != nil {
				return fmt.Errorf("column %s row %d: %w", c.name, i, err)
			}
		}
		buf = append(buf, "}}"...)
		if _, err := fw.bw.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// end closes the collection.
func (fw *featureWriter) end() error {
	if _, err := fw.bw.WriteString("\n]}\n"); err != nil {
		return err
	}
	return fw.bw.Flush()
}

// writeFeatures writes rec as a GeoJSON FeatureCollection.
func writeFeatures(w io.Writer, rec arrow.Record, cols []textColumn, geomCol string) error {
	fw, err := newFeatureWriter(w, cols, geomCol)
	if err != nil {
		return err
	}
	if err := fw.rows(rec, cols); err != nil {
		return err
	}
	return fw.end()
}

// EncodeGeoJSON writes rec to w as a GeoJSON FeatureCollection, as
// WriteGeoJSON does to a file (for HTTP responses).
func EncodeGeoJSON(w io.Writer, rec arrow.Record, geomCol string) error {
	if _, err := geomColumn(rec, geomCol); err != nil {
		return fmt.Errorf("encode geojson: %w", err)
	}
	cols, err := textColumns(rec, "")
	if err != nil {
		return fmt.Errorf("encode geojson: %w", err)
	}
	bw := bufio.NewWriter(w)
	if err := writeFeatures(bw, rec, cols, geomCol); err != nil {
		return err
	}
	return bw.Flush()
}

// EncodeCSV writes rec to w as CSV, as WriteCSV does to a file.
func EncodeCSV(w io.Writer, rec arrow.Record) error {
	cols, err := textColumns(rec, "")
	if err != nil {
		return fmt.Errorf("encode csv: %w", err)
	}
	return encodeCSV(w, rec, cols)
}
