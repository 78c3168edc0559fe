package arrowio

import (
	"cmp"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
)

// WriteAll writes rec into dir as name.arrow (Arrow IPC file),
// name.parquet (GeoParquet when geom.Name is set, plain Parquet
// otherwise), name.csv (geometry as WKT) and, when there is a geometry
// column, name.geojson, each replaced atomically. The files are written at
// the same time, as many at once as Go may run threads (GOMAXPROCS): each
// reads rec, none copies it. It returns the paths written, in that order;
// on an error it returns the first (in that order) with the paths of the
// files that were written, which are complete.
func WriteAll(dir, name string, rec arrow.Record, geom GeoColumn) ([]string, error) {
	base := filepath.Join(dir, name)
	type step struct {
		path  string
		write func(string) error
		err   error
	}
	steps := []step{
		{path: base + ".arrow", write: func(p string) error { return WriteIPC(p, rec) }},
		{path: base + ".parquet", write: func(p string) error { return WriteGeoParquet(p, rec, geom) }},
		{path: base + ".csv", write: func(p string) error { return writeCSV(p, rec, geom.Name) }},
	}
	if geom.Name != "" {
		steps = append(steps, step{path: base + ".geojson", write: func(p string) error { return WriteGeoJSON(p, rec, geom.Name) }})
	}
	// the largest first: GeoJSON, then CSV, then the columnar files
	order := make([]int, len(steps))
	for i := range order {
		order[i] = len(steps) - 1 - i
	}
	next := make(chan int, len(steps))
	for _, i := range order {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(steps)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				steps[i].err = steps[i].write(steps[i].path)
			}
		}()
	}
	wg.Wait()
	var written []string
	var first error
	for _, s := range steps {
		if s.err != nil {
			first = cmp.Or(first, s.err)
			continue
		}
		written = append(written, s.path)
	}
	return written, first
}
