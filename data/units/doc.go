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
// Coordinates are [lon, lat] degrees, taken as they are in the input: no
// datum is converted. OSM is WGS-84. Chinese boundary files are often in
// GCJ-02 (the shared China county files probably are), which is offset
// from WGS-84 by up to several hundred metres; convert them before joining
// them with OSM roads or WGS-84 population grids, or the cells along every
// border will land in the wrong unit.
//
// # Validity
//
// Polygons are checked with GEOS (github.com/twpayne/go-geos): a
// self-intersecting ring is refused with GEOS's reason, since a join on it
// would count some places twice or not at all. Each call that checks uses
// its own GEOS context, so the functions are safe to call from several
// goroutines.
package units
