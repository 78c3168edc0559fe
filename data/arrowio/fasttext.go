package arrowio

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"

	"github.com/apache/arrow/go/v17/arrow/array"

	"github.com/rescuegrid/rescuegrid/data/csvio"
)

// The text formats' hot path: values appended to a byte buffer straight
// from the Arrow arrays, geometries straight from their WKB, with no
// decoded geometry, reflection or string per value. The bytes are those of
// csvValue and jsonValue with encoding/json, orb's WKT and GeoJSON
// (the tests compare them); anything off the common path (an empty or
// non-finite geometry, another WKB type, a string JSON would escape, an
// array type not listed) goes through those.

// appendCSV appends row i of c as one CSV field.
func (c textColumn) appendCSV(buf []byte, i int) ([]byte, error) {
	if c.arr.IsNull(i) {
		return buf, nil
	}
	if c.geom {
		if w, ok := c.arr.(binaryValues); ok {
			start := len(buf)
			if out, ok := appendWKBText(buf, w.Value(i), false); ok {
				// WKT holds no quote, line end or leading space: quoted
				// when it holds a comma, with nothing inside to double
				if bytes.IndexByte(out[start:], ',') >= 0 {
					out = append(out, 0, '"')
					copy(out[start+1:], out[start:len(out)-2])
					out[start] = '"'
				}
				return out, nil
			}
		}
	} else {
		switch a := c.arr.(type) {
		case *array.Uint64:
			if c.cell {
				return strconv.AppendUint(buf, a.Value(i), 16), nil
			}
			return strconv.AppendUint(buf, a.Value(i), 10), nil
		case *array.String:
			return csvio.AppendField(buf, a.Value(i)), nil
		case *array.Boolean:
			return strconv.AppendBool(buf, a.Value(i)), nil
		case *array.Float64:
			return appendFloat(buf, a.Value(i), 64), nil
		case *array.Int64:
			return strconv.AppendInt(buf, a.Value(i), 10), nil
		case *array.Int32:
			return strconv.AppendInt(buf, int64(a.Value(i)), 10), nil
		}
	}
	s, err := c.csvValue(i)
	if err != nil {
		return buf, err
	}
	return csvio.AppendField(buf, s), nil
}

// appendJSON appends row i of c as a JSON property value.
func (c textColumn) appendJSON(buf []byte, i int) ([]byte, error) {
	if c.arr.IsNull(i) {
		return append(buf, "null"...), nil
	}
	if !c.geom {
		switch a := c.arr.(type) {
		case *array.Uint64:
			if c.cell {
				buf = append(buf, '"')
				buf = strconv.AppendUint(buf, a.Value(i), 16)
				return append(buf, '"'), nil
			}
			return strconv.AppendUint(buf, a.Value(i), 10), nil
		case *array.String:
			if s := a.Value(i); plainJSON(s) {
				buf = append(buf, '"')
				buf = append(buf, s...)
				return append(buf, '"'), nil
			}
		case *array.Boolean:
			return strconv.AppendBool(buf, a.Value(i)), nil
		case *array.Float64:
			if v := a.Value(i); math.IsNaN(v) || math.IsInf(v, 0) {
				return append(buf, "null"...), nil
			} else {
				return appendFloat(buf, v, 64), nil
			}
		case *array.Int64:
			return strconv.AppendInt(buf, a.Value(i), 10), nil
		case *array.Int32:
			return strconv.AppendInt(buf, int64(a.Value(i)), 10), nil
		}
	}
	v, err := c.jsonValue(i)
	if err != nil {
		return buf, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return buf, err
	}
	return append(buf, b...), nil
}

// plainJSON reports whether encoding/json writes s as it is, in quotes:
// printable ASCII without the characters it escapes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// appendFloat is formatFloat, appending.
func appendFloat(buf []byte, v float64, bits int) []byte {
	if a := math.Abs(v); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.AppendFloat(buf, v, 'f', -1, bits)
	}
	return strconv.AppendFloat(buf, v, 'g', -1, bits)
}

// appendJSONFloat is encoding/json's float64 (finite v).
func appendJSONFloat(b []byte, v float64) []byte {
	abs := math.Abs(v)
	f := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		f = 'e'
	}
	b = strconv.AppendFloat(b, v, f, -1, 64)
	if f == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// WKB geometry types (ISO, 2D) the hot path writes.
const (
	wkbPoint        = 1
	wkbLineString   = 2
	wkbPolygon      = 3
	wkbMultiPolygon = 6
)

// appendWKBText appends the little-endian WKB geometry w as orb's WKT
// (json false) or as orb's
// GeoJSON geometry object (json true). ok is false, and buf unchanged,
// for what the hot path leaves to orb: another byte order or type, an
// empty part, a non-finite coordinate, bytes left over or missing.
func appendWKBText(buf []byte, w []byte, json bool) (out []byte, ok bool) {
	start := len(buf)
	typ, body, ok := wkbHeader(w)
	if !ok {
		return buf, false
	}
	var name, wktName string
	switch typ {
	case wkbPoint:
		name, wktName = "Point", "POINT"
	case wkbLineString:
		name, wktName = "LineString", "LINESTRING"
	case wkbPolygon:
		name, wktName = "Polygon", "POLYGON"
	case wkbMultiPolygon:
		name, wktName = "MultiPolygon", "MULTIPOLYGON"
	default:
		return buf, false
	}
	if json {
		buf = append(buf, `{"type":"`...)
		buf = append(buf, name...)
		buf = append(buf, `","coordinates":`...)
	} else {
		buf = append(buf, wktName...)
	}
	var rest []byte
	switch typ {
	case wkbPoint:
		if json {
			buf, rest, ok = appendPoints(buf, body, 1, json)
		} else {
			buf = append(buf, '(')
			buf, rest, ok = appendPoints(buf, body, 1, json)
			buf = append(buf, ')')
		}
	case wkbLineString:
		buf, rest, ok = appendLine(buf, body, json)
	case wkbPolygon:
		buf, rest, ok = appendPolygon(buf, body, json)
	case wkbMultiPolygon:
		var n uint32
		if n, rest, ok = count(body); !ok || n == 0 {
			return buf[:start], false
		}
		buf = append(buf, open(json))
		for k := range n {
			if k > 0 {
				buf = append(buf, ',')
			}
			var t uint32
			if t, rest, ok = wkbHeader(rest); !ok || t != wkbPolygon {
				return buf[:start], false
			}
			if buf, rest, ok = appendPolygon(buf, rest, json); !ok {
				return buf[:start], false
			}
		}
		buf = append(buf, closing(json))
	}
	if !ok || len(rest) != 0 {
		return buf[:start], false
	}
	if json {
		buf = append(buf, '}')
	}
	return buf, true
}

func open(json bool) byte {
	if json {
		return '['
	}
	return '('
}

func closing(json bool) byte {
	if json {
		return ']'
	}
	return ')'
}

// wkbHeader reads a little-endian WKB geometry's byte order and type.
func wkbHeader(w []byte) (typ uint32, body []byte, ok bool) {
	if len(w) < 5 || w[0] != 1 {
		return 0, nil, false
	}
	return binary.LittleEndian.Uint32(w[1:5]), w[5:], true
}

func count(w []byte) (uint32, []byte, bool) {
	if len(w) < 4 {
		return 0, nil, false
	}
	return binary.LittleEndian.Uint32(w), w[4:], true
}

// appendPolygon appends a polygon's rings (its count first in w).
func appendPolygon(buf, w []byte, json bool) ([]byte, []byte, bool) {
	n, w, ok := count(w)
	if !ok || n == 0 {
		return buf, nil, false
	}
	buf = append(buf, open(json))
	for k := range n {
		if k > 0 {
			buf = append(buf, ',')
		}
		if buf, w, ok = appendLine(buf, w, json); !ok {
			return buf, nil, false
		}
	}
	return append(buf, closing(json)), w, true
}

// appendLine appends a line or ring (its point count first in w).
func appendLine(buf, w []byte, json bool) ([]byte, []byte, bool) {
	n, w, ok := count(w)
	if !ok || n == 0 {
		return buf, nil, false
	}
	buf = append(buf, open(json))
	buf, w, ok = appendPoints(buf, w, int(n), json)
	return append(buf, closing(json)), w, ok
}

// appendPoints appends n points: "x y,x y" (WKT, as fmt's %g writes
// numbers) or "[x,y],[x,y]" (GeoJSON, as encoding/json does).
func appendPoints(buf, w []byte, n int, json bool) ([]byte, []byte, bool) {
	if n > len(w)/16 {
		return buf, nil, false
	}
	for k := range n {
		x := math.Float64frombits(binary.LittleEndian.Uint64(w[16*k:]))
		y := math.Float64frombits(binary.LittleEndian.Uint64(w[16*k+8:]))
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
			return buf, nil, false
		}
		if k > 0 {
			buf = append(buf, ',')
		}
		if json {
			buf = append(buf, '[')
			buf = appendJSONFloat(buf, x)
			buf = append(buf, ',')
			buf = appendJSONFloat(buf, y)
			buf = append(buf, ']')
		} else {
			buf = strconv.AppendFloat(buf, x, 'g', -1, 64)
			buf = append(buf, ' ')
			buf = strconv.AppendFloat(buf, y, 'g', -1, 64)
		}
	}
	return buf, w[16*n:], true
}
