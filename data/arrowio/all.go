package arrowio

import (
	"path/filepath"

	"github.com/apache/arrow/go/v17/arrow"
)

// WriteAll writes rec into dir as name.arrow (Arrow IPC file),
// name.parquet (GeoParquet when geom.Name is set, plain Parquet
// otherwise), name.csv (geometry as WKT) and, when there is a geometry
// column, name.geojson, each replaced atomically. It returns the paths
// written, in that order; on an error it stops and returns the paths
// written before it, which are complete files.
func WriteAll(dir, name string, rec arrow.Record, geom GeoColumn) ([]string, error) {
	base := filepath.Join(dir, name)
	var written []string
	type step struct {
		path  string
		write func(string) error
	}
	steps := []step{
		{base + ".arrow", func(p string) error { return WriteIPC(p, rec) }},
		{base + ".parquet", func(p string) error { return WriteGeoParquet(p, rec, geom) }},
		{base + ".csv", func(p string) error { return writeCSV(p, rec, geom.Name) }},
	}
	if geom.Name != "" {
		steps = append(steps, step{base + ".geojson", func(p string) error { return WriteGeoJSON(p, rec, geom.Name) }})
	}
	for _, s := range steps {
		if err := s.write(s.path); err != nil {
			return written, err
		}
		written = append(written, s.path)
	}
	return written, nil
}
