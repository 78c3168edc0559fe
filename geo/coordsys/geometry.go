package coordsys

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Geometry returns a copy of g with every vertex converted from system from
// to system to; g is not modified. When from == to it returns g itself.
// A nil geometry is returned as nil; a geometry type orb does not define
// panics (a programmer error).
func Geometry(from, to System, g orb.Geometry) orb.Geometry {
	if from == to || g == nil {
		return g
	}
	conv := func(p orb.Point) orb.Point { return Point(from, to, p) }
	return mapGeometry(g, conv)
}

func mapPoints(ps []orb.Point, f func(orb.Point) orb.Point) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[i] = f(p)
	}
	return out
}

func mapRings(rs []orb.Ring, f func(orb.Point) orb.Point) []orb.Ring {
	out := make([]orb.Ring, len(rs))
	for i, r := range rs {
		out[i] = orb.Ring(mapPoints(r, f))
	}
	return out
}

func mapGeometry(g orb.Geometry, f func(orb.Point) orb.Point) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		return orb.MultiPoint(mapPoints(g, f))
	case orb.LineString:
		return orb.LineString(mapPoints(g, f))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = orb.LineString(mapPoints(l, f))
		}
		return out
	case orb.Ring:
		return orb.Ring(mapPoints(g, f))
	case orb.Polygon:
		return orb.Polygon(mapRings(g, f))
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = orb.Polygon(mapRings(p, f))
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, c := range g {
			out[i] = mapGeometry(c, f)
		}
		return out
	case orb.Bound:
		// A bound's corners move differently; return the bound of the
		// moved corners and edge midpoints.
		pts := []orb.Point{g.Min, g.Max, {g.Min[0], g.Max[1]}, {g.Max[0], g.Min[1]}}
		b := orb.Bound{Min: f(pts[0]), Max: f(pts[0])}
		for _, p := range pts[1:] {
			b = b.Extend(f(p))
		}
		return b
	default:
		panic(fmt.Sprintf("coordsys: unsupported geometry %T", g))
	}
}

// FeatureCollection returns a copy of fc whose geometries are converted
// from system from to system to; properties are shared with fc (not
// copied), bounding boxes are dropped. fc is not modified.
func FeatureCollection(from, to System, fc *geojson.FeatureCollection) *geojson.FeatureCollection {
	if from == to || fc == nil {
		return fc
	}
	out := geojson.NewFeatureCollection()
	out.ExtraMembers = fc.ExtraMembers
	for _, f := range fc.Features {
		nf := *f
		nf.BBox = nil
		nf.Geometry = Geometry(from, to, f.Geometry)
		out.Append(&nf)
	}
	return out
}
