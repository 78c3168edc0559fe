package arrowio

import (
	"github.com/apache/arrow/go/v17/arrow"
)

// WriteAll writes rec into dir as name.arrow (Arrow IPC file),
// name.parquet (GeoParquet when geom.Name is set, plain Parquet
// otherwise), name.csv (geometry as WKT) and, when there is a geometry
// column, name.geojson, each replaced atomically. The files are written at
// the same time: each reads rec, none copies it. It is WriteAllBatches of
// one batch. It returns the paths written, in that order; on an error it
// returns the first (in that order) with the paths of the files that were
// written, which are complete.
func WriteAll(dir, name string, rec arrow.Record, geom GeoColumn) ([]string, error) {
	done := false
	return WriteAllBatches(dir, name, geom, func() (arrow.Record, error) {
		if done {
			return nil, nil
		}
		done = true
		rec.Retain()
		return rec, nil
	})
}
