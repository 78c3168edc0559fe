package arrowio

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// Field metadata keys of the schema convention (see the package doc).
const (
	MetaUnit = "unit"
	MetaDoc  = "doc"
	MetaKind = "kind"
)

// Units for MetaUnit.
const (
	UnitSeconds      = "s"
	UnitMinutes      = "min"
	UnitMetres       = "m"
	UnitSquareMetres = "m2"
	UnitPeople       = "people"
	UnitCount        = "count"
)

// KindH3 marks a uint64 column of H3 cell indexes.
const KindH3 = "h3"

// GeoArrow extension metadata marking a WKB geometry column in lon/lat
// (https://geoarrow.org/extension-types, "geoarrow.wkb"; the CRS is given
// as an authority code, as GeoArrow 0.2 allows).
const (
	extensionName     = "ARROW:extension:name"
	extensionMeta     = "ARROW:extension:metadata"
	geoArrowWKB       = "geoarrow.wkb"
	geoArrowWKBLonLat = `{"crs":"OGC:CRS84","crs_type":"authority_code"}`
)

// Field returns a nullable field with the "unit" and "doc" metadata of the
// schema convention; an empty unit or doc is left out. unit is one of the
// Unit constants for quantities and "" for identifiers and text.
func Field(name string, typ arrow.DataType, unit, doc string) arrow.Field {
	var keys, vals []string
	if unit != "" {
		keys, vals = append(keys, MetaUnit), append(vals, unit)
	}
	if doc != "" {
		keys, vals = append(keys, MetaDoc), append(vals, doc)
	}
	return arrow.Field{Name: name, Type: typ, Nullable: true, Metadata: arrow.NewMetadata(keys, vals)}
}

// CellField returns a nullable uint64 field of H3 cell indexes, marked
// "kind": "h3" so that CSV and GeoJSON write them as hexadecimal strings.
func CellField(name, doc string) arrow.Field {
	f := Field(name, arrow.PrimitiveTypes.Uint64, "", doc)
	f.Metadata = withMeta(f.Metadata, MetaKind, KindH3)
	return f
}

// GeomField returns a nullable binary field of WKB geometries in [lon, lat]
// (OGC:CRS84), marked as a GeoArrow "geoarrow.wkb" column. Fill it with
// AppendWKB.
func GeomField(name, doc string) arrow.Field {
	f := Field(name, arrow.BinaryTypes.Binary, "", doc)
	f.Metadata = withMeta(withMeta(f.Metadata, extensionName, geoArrowWKB), extensionMeta, geoArrowWKBLonLat)
	return f
}

// withMeta returns m with key set to val; m is not modified.
func withMeta(m arrow.Metadata, key, val string) arrow.Metadata {
	keys := append(slices.Clone(m.Keys()), key)
	vals := append(slices.Clone(m.Values()), val)
	return arrow.NewMetadata(keys, vals)
}

// isGeom reports whether f is marked as a WKB geometry column.
func isGeom(f arrow.Field) bool {
	v, ok := f.Metadata.GetValue(extensionName)
	return ok && v == geoArrowWKB
}

// isCell reports whether f is a uint64 column of H3 cells.
func isCell(f arrow.Field) bool {
	v, ok := f.Metadata.GetValue(MetaKind)
	return ok && v == KindH3 && f.Type.ID() == arrow.UINT64
}

// AppendWKB appends g to b as little-endian ISO WKB, or a null when g is
// nil. Coordinates are written as they are ([lon, lat] in this project).
// It panics if g is not one of orb's geometry types, a programmer error.
func AppendWKB(b *array.BinaryBuilder, g orb.Geometry) {
	if g == nil {
		b.AppendNull()
		return
	}
	buf, err := wkb.Marshal(emptyIfNil(g), binary.LittleEndian)
	if err != nil {
		panic(fmt.Sprintf("arrowio: AppendWKB(%T): %v", g, err))
	}
	b.Append(buf)
}

// emptyIfNil turns a nil slice geometry (an isochrone band that reached no
// cell, say) into the empty geometry of its type: orb encodes a nil
// MultiPolygon as zero bytes, which no WKB reader accepts, while the empty
// one is valid WKB ("MULTIPOLYGON EMPTY").
func emptyIfNil(g orb.Geometry) orb.Geometry {
	switch v := g.(type) {
	case orb.MultiPolygon:
		if v == nil {
			return orb.MultiPolygon{}
		}
	case orb.Polygon:
		if v == nil {
			return orb.Polygon{}
		}
	case orb.MultiLineString:
		if v == nil {
			return orb.MultiLineString{}
		}
	case orb.LineString:
		if v == nil {
			return orb.LineString{}
		}
	case orb.MultiPoint:
		if v == nil {
			return orb.MultiPoint{}
		}
	case orb.Ring:
		if v == nil {
			return orb.Ring{}
		}
	case orb.Collection:
		if v == nil {
			return orb.Collection{}
		}
	}
	return g
}
