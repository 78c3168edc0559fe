// Package tiles renders a coverage study as Mapbox Vector Tiles (MVT 2.1,
// gzip-compressed, extent 4096), describes each layer with a TileJSON 3.0.0
// document, and exports a layer's tiles to a PMTiles v3 archive for static
// hosting.
//
// It is the tile core of `rescuegrid serve` and `rescuegrid tiles export`,
// and it knows nothing about HTTP: a handler parses the request path with
// [ParseTilePath], calls [Set.Tile] and maps the sentinel errors to status
// codes ([ErrBadPath] 404, [ErrOutOfRange] 400, [ErrUnknownLayer] 404,
// [ErrEmptyTile] 204 or an empty 200). The caching headers (ETag,
// Cache-Control) are the handler's; the bytes of a tile are deterministic
// for a given study and options, so a hash of them is a valid ETag.
//
// # Layers
//
// A [Set] holds five layers, one per URL (/tiles/{layer}/{z}/{x}/{y}.mvt):
//
//   - cells: the study's H3 cells coloured by travel time. At the study
//     resolution a feature is one cell; at low zooms cells are aggregated to
//     a parent resolution (see [CellRes]) so that a tile stays small:
//     population is summed, seconds is the population-weighted mean of the
//     reached children and max_seconds their maximum, within_share the share
//     of residents inside the rescue circle, within true only when all of them
//     are.
//   - isochrones: the dissolved cells reached within each band of the
//     standard (minutes), for all bases together (base_id "all") and for each
//     base.
//   - bases: points.
//   - units: the reporting units with their coverage share.
//   - gaps: connected patches of cells outside the rescue circle, by rank.
//
// The property names and types of every layer are in the TileJSON document
// ([Set.TileJSON]). MVT has no null: a property that is null in the study
// tables (an unreached cell's seconds) is left out of the feature.
//
// # Geometry
//
// Coordinates are projected to Web Mercator (EPSG:3857) tiles in the XYZ
// scheme (y = 0 at the north edge), clipped to the tile plus a buffer
// (Options.Buffer, 64 of 4096 units by default) and rounded to integers.
// Polygon rings are oriented as MVT 2.1 requires: exterior rings with a
// positive area by the surveyor's formula in tile coordinates (clockwise on
// screen), holes negative. Rings that rounding collapses are dropped.
//
// Every polygon is valid for GEOS (and so for GDAL and PostGIS): the convex
// H3 cells are clipped with orb's ring clipper; the concave layers (units,
// isochrones, gaps) with GEOS ClipByRect, and when rounding makes one of them
// invalid it is snap-rounded to the integer grid by GEOS instead (see
// robustPolygons). A Set holds a pool of GEOS contexts for this.
//
// # What it is not
//
// It does not simplify geometry beyond rounding to the tile grid, does not
// cache rendered tiles (a Set renders on each call, 0.2 to 6 ms a tile on
// the sample: a server keeps an LRU of tiles or serves an export), and does
// not read PMTiles archives.
package tiles
