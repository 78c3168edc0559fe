// Package units reads reporting units: the townships (乡镇/街道), parishes
// or councils a study reports its results by, as polygons with an id, a
// name and a code.
//
// Units come from a GeoJSON file of Polygon and MultiPolygon features
// (ReadGeoJSON), with errors that name the file and the feature, or from
// the administrative boundaries of an OpenStreetMap extract (FromOSM). An
// Index answers which unit a point (a cell centre, a building) falls in.
//
// # Coordinates
//
// Coordinates are [lon, lat] degrees. OSM is WGS-84. Chinese boundary
// files are often in GCJ-02 (the shared China county files probably are),
// which is offset from WGS-84 by up to several hundred metres: name the
// system in GeoJSONOptions.CRS and they are converted on reading
// (geo/coordsys); otherwise they are taken as they are, and the cells along
// every border would land in the wrong unit.
//
// # Validity
//
// Polygons are checked with GEOS (github.com/twpayne/go-geos): a
// self-intersecting ring is refused with GEOS's reason, since a join on it
// would count some places twice or not at all. Each call that checks uses
// its own GEOS context, so the functions are safe to call from several
// goroutines.
package units
