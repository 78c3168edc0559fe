// Package arrowio is rescuegrid's Arrow output layer: it writes an
// arrow.Record, a study's result table, as an Arrow IPC file or stream,
// GeoParquet, CSV and GeoJSON, and sets the schema conventions those
// tables follow. It does not compute anything, read any of these formats
// back, or know about HTTP; the server streams records with
// WriteIPCStream and the command line writes files with WriteAll.
//
// # Schema convention
//
// Every column documents itself through arrow.Field metadata, which Arrow
// IPC keeps and Parquet keeps too (the Arrow schema is stored in the file,
// under the ARROW:schema key):
//
//   - "unit": the unit of the values, from the Unit constants: "s"
//     (seconds), "m" (metres), "m2" (square metres), "people" (residents),
//     "count"; absent for identifiers and text.
//   - "doc": one sentence saying what the column holds.
//   - "kind": "h3" on a uint64 column of H3 cell indexes (CellField), which
//     text formats write as the usual hexadecimal strings.
//   - "ARROW:extension:name": "geoarrow.wkb" on a binary column of WKB
//     geometries in lon/lat (GeomField), the GeoArrow convention, so that
//     GeoArrow-aware readers see geometry without GeoParquet's footer.
//
// Build fields with Field, CellField and GeomField rather than by hand.
//
// # Formats
//
// IPC and Parquet keep every column and type as is; the Parquet file gets
// the GeoParquet 1.1.0 "geo" footer when it has a geometry column. CSV and
// GeoJSON are for people and desktop GIS: H3 cells become hexadecimal
// strings, CSV writes geometry as WKT in a column of the same name, and
// GeoJSON makes the geometry column each feature's geometry and every
// other column a property. File writers replace their file atomically
// (a temporary file in the same folder, renamed when complete), so a
// reader never sees half a file.
//
// # Memory and concurrency
//
// The writers read the record and never retain or release it: the caller
// keeps ownership. They are safe for concurrent use on distinct paths.
// WriteAllBatches writes a table too large to hold whole (a study's cells)
// as record batches of BatchRows rows, each released once written to
// every file: the Arrow IPC file gets a record batch and the Parquet file
// a row group (or more) per batch, the CSV and GeoJSON files are the same
// bytes as one record's. A table of one batch is written exactly as one
// record.
package arrowio
