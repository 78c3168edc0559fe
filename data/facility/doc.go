// Package facility reads point inputs (rescue team bases, depots, shelters,
// search sources) from CSV with lon/lat columns or from GeoJSON, with errors
// that name the file and the line or feature at fault.
package facility
