package arrowio

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sync"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/parquet"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
)

// BatchRows is the number of rows of the record batches a large table is
// built and written in (WriteAllBatches): every table of the sample and
// bench studies fits in one, so their files are those of a whole record;
// a larger table holds one batch at a time.
const BatchRows = 1 << 18

// errStopped ends a file whose table stopped coming (another format or
// the table's source failed): it is removed, not completed.
var errStopped = errors.New("arrowio: the table's writing stopped")

// A sink writes one format of a table batch by batch on the writer it is
// given (the same writer every call). The first batch starts the file
// (header, schema, settings); end finishes it. A sink is used by one
// goroutine at a time.
type sink interface {
	write(w io.Writer, rec arrow.Record) error
	end() error
}

// writeOne writes rec to path through s, replacing path atomically.
func writeOne(path string, s sink, rec arrow.Record) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if err := s.write(w, rec); err != nil {
			return err
		}
		return s.end()
	})
}

// WriteAllBatches is WriteAll for a table given as record batches: next
// returns the batches in order (the writer releases each) and nil after
// the last; there must be at least one, and all have the same schema.
// Each batch is written to every file at once, then released before the
// next is asked for, so that only one batch is held. The Parquet file has
// a row group per batch (or more, see parquetSink) and "geo" metadata over
// all of them; the CSV and GeoJSON files are the same bytes as one
// record's. An error of next or of any file's writing removes every file
// not yet complete: none is left partial, and none that was there is
// replaced by a shorter table. It returns the paths written, in WriteAll's
// order, and the first error (next's first).
func WriteAllBatches(dir, name string, geom GeoColumn, next func() (arrow.Record, error)) ([]string, error) {
	base := filepath.Join(dir, name)
	paths := []string{base + ".arrow", base + ".parquet", base + ".csv"}
	sinks := []sink{&ipcSink{}, &parquetSink{geom: geom}, &csvSink{geomName: geom.Name}}
	if geom.Name != "" {
		paths = append(paths, base+".geojson")
		sinks = append(sinks, &geoJSONSink{geomCol: geom.Name})
	}
	wrap := []string{"write arrow ipc file: %w", "write parquet: %w", "write csv: %w", "write geojson: %w"}
	n := len(sinks)
	chans := make([]chan arrow.Record, n)
	writeErr := make([]error, n) // set before a batch is acknowledged
	errs := make([]error, n)     // the file's outcome
	var acked, done sync.WaitGroup
	stopped := false // read by the sinks once their channel is closed
	for k := range n {
		chans[k] = make(chan arrow.Record)
		done.Add(1)
		go func() {
			defer done.Done()
			errs[k] = atomicfile.Write(paths[k], func(w io.Writer) error {
				for rec := range chans[k] {
					if writeErr[k] == nil {
						writeErr[k] = sinks[k].write(w, rec)
					}
					rec.Release()
					acked.Done()
				}
				if writeErr[k] != nil {
					return writeErr[k]
				}
				if stopped {
					return errStopped
				}
				return sinks[k].end()
			})
			// a file that could not even start still takes its batches
			for rec := range chans[k] {
				writeErr[k] = errs[k]
				rec.Release()
				acked.Done()
			}
		}()
	}
	var first error
	for batches := 0; ; batches++ {
		rec, err := next()
		if err == nil && rec == nil && batches == 0 {
			err = errors.New("arrowio: a table of no batches")
		}
		if err != nil || rec == nil {
			first = err
			stopped = err != nil
			break
		}
		for _, c := range rec.Columns() {
			c.NullN() // a slice counts its nulls on first ask: here, not in n sinks at once
		}
		acked.Add(n)
		for _, ch := range chans {
			rec.Retain()
			ch <- rec
		}
		rec.Release()
		acked.Wait()
		if slices.ContainsFunc(writeErr, func(e error) bool { return e != nil }) {
			stopped = true
			break
		}
	}
	for _, ch := range chans {
		close(ch)
	}
	done.Wait()
	var written []string
	for k, e := range errs {
		if e == nil {
			written = append(written, paths[k])
		} else if first == nil && !errors.Is(e, errStopped) {
			first = fmt.Errorf(wrap[k], e)
		}
	}
	return written, first
}

// ipcSink writes an Arrow IPC file, a record batch per batch.
type ipcSink struct{ fw *ipc.FileWriter }

func (s *ipcSink) write(w io.Writer, rec arrow.Record) error {
	if s.fw == nil {
		fw, err := ipc.NewFileWriter(&offsetWriter{w: w}, ipc.WithSchema(rec.Schema()))
		if err != nil {
			return err
		}
		s.fw = fw
	}
	if err := s.fw.Write(rec); err != nil {
		_ = s.fw.Close() // the write's error is the one to report
		return err
	}
	return nil
}

func (s *ipcSink) end() error { return s.fw.Close() }

// parquetSink writes (Geo)Parquet: the writer settings (which columns keep
// their dictionary, stableDictionary) are decided on the first batch and
// the "geo" footer metadata is gathered over every batch and written at
// the end. Each batch is a row group, except that a later batch in which a
// column that kept its dictionary could outgrow the dictionary page is
// written as halves, recursively, each its own row group: no column chunk
// ever falls back from its dictionary, so the file is a function of the
// table and the batch size, the same bytes every run. A table of one batch
// is written exactly as one record.
type parquetSink struct {
	geom GeoColumn
	fw   *pqarrow.FileWriter
	dict []bool // column keeps its dictionary
	geo  geoBounds
	rows int
}

func (s *parquetSink) write(w io.Writer, rec arrow.Record) error {
	if s.fw == nil {
		if s.geom.Name != "" {
			if _, ok := rec.Schema().Metadata().GetValue(GeoMetadataKey); ok {
				return fmt.Errorf("%w: the record's schema already has %q metadata", ErrGeometry, GeoMetadataKey)
			}
		}
		s.dict = dictionaryPlan(rec)
		fw, err := pqarrow.NewFileWriter(rec.Schema(), w, propsFor(rec.Schema(), s.dict),
			pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			return err
		}
		s.fw = fw
		s.geo = newGeoBounds()
		if err := s.add(rec); err != nil {
			return err
		}
		return s.fw.Write(rec)
	}
	if err := s.add(rec); err != nil {
		return err
	}
	return s.writeGroups(rec)
}

// add gathers rec's geometries into the "geo" metadata.
func (s *parquetSink) add(rec arrow.Record) error {
	if s.geom.Name != "" {
		if err := s.geo.add(rec, s.geom, s.rows); err != nil {
			return err
		}
	}
	s.rows += int(rec.NumRows())
	return nil
}

// writeGroups writes rec as one row group, or as two halves when a
// dictionary column could outgrow its page in it.
func (s *parquetSink) writeGroups(rec arrow.Record) error {
	if n := rec.NumRows(); n > 1 {
		for i, on := range s.dict {
			if on && !stableDictionary(rec.Column(i), dictionaryLimit) {
				for _, r := range [][2]int64{{0, n / 2}, {n / 2, n}} {
					part := rec.NewSlice(r[0], r[1])
					err := s.writeGroups(part)
					part.Release()
					if err != nil {
						return err
					}
				}
				return nil
			}
		}
	}
	return s.fw.Write(rec)
}

func (s *parquetSink) end() error {
	if s.geom.Name != "" {
		b, err := json.Marshal(s.geo.metadata(s.geom))
		if err != nil {
			_ = s.fw.Close() // the first error is the one to report
			return err
		}
		if err := s.fw.AppendKeyValueMetadata(GeoMetadataKey, string(b)); err != nil {
			_ = s.fw.Close() // the first error is the one to report
			return err
		}
	}
	return s.fw.Close()
}

// dictionaryLimit is the distinct-value size under which a Parquet column
// keeps its dictionary: half the library's dictionary page limit.
const dictionaryLimit = int(parquet.DefaultDictionaryPageSizeLimit / 2)

// dictionaryPlan says, per column of rec, whether its dictionary stays on.
func dictionaryPlan(rec arrow.Record) []bool {
	on := make([]bool, rec.NumCols())
	for i := range on {
		on[i] = stableDictionary(rec.Column(i), dictionaryLimit)
	}
	return on
}

// geoBounds gathers a geometry column's bounding box and types.
type geoBounds struct {
	bound orb.Bound
	seen  []string
}

func newGeoBounds() geoBounds {
	return geoBounds{bound: orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}}
}

// add takes in the geometries of rec, whose first row is row first of the
// table (for the messages).
func (g *geoBounds) add(rec arrow.Record, geom GeoColumn, first int) error {
	wkbs, err := geomColumn(rec, geom.Name)
	if err != nil {
		return err
	}
	for i := 0; i < wkbs.Len(); i++ {
		if wkbs.IsNull(i) {
			continue
		}
		gm, err := wkb.Unmarshal(wkbs.Value(i))
		if err != nil {
			return fmt.Errorf("%w: column %s row %d: %v", ErrGeometry, geom.Name, first+i, err)
		}
		typ := gm.GeoJSONType()
		if len(geom.Types) > 0 && !slices.Contains(geom.Types, typ) {
			return fmt.Errorf("%w: column %s row %d is a %s, not one of the declared %q", ErrGeometry, geom.Name, first+i, typ, geom.Types)
		}
		if !slices.Contains(g.seen, typ) {
			g.seen = append(g.seen, typ)
		}
		if !isEmpty(gm) {
			g.bound = g.bound.Union(gm.Bound())
		}
	}
	return nil
}

// metadata is the "geo" footer of what add took in.
func (g *geoBounds) metadata(geom GeoColumn) *GeoMetadata {
	types := slices.Clone(geom.Types)
	if len(types) == 0 {
		types = slices.Clone(g.seen)
		slices.Sort(types)
	}
	col := GeoColumnMetadata{Encoding: "WKB", GeometryTypes: types}
	if col.GeometryTypes == nil {
		col.GeometryTypes = []string{} // an empty list, not null: "any type"
	}
	if g.bound.Min[0] <= g.bound.Max[0] {
		col.BBox = []float64{g.bound.Min[0], g.bound.Min[1], g.bound.Max[0], g.bound.Max[1]}
	}
	return &GeoMetadata{
		Version:       GeoParquetVersion,
		PrimaryColumn: geom.Name,
		Columns:       map[string]GeoColumnMetadata{geom.Name: col},
	}
}

// csvSink writes CSV: the header from the first batch, then every row.
type csvSink struct {
	geomName string
	bw       *bufio.Writer
}

func (s *csvSink) write(w io.Writer, rec arrow.Record) error {
	cols, err := textColumns(rec, s.geomName)
	if err != nil {
		return err
	}
	if s.bw == nil {
		s.bw = bufio.NewWriterSize(w, 1<<16)
		if err := writeCSVHeader(s.bw, cols); err != nil {
			return err
		}
	}
	return writeCSVRows(s.bw, rec, cols)
}

func (s *csvSink) end() error { return s.bw.Flush() }

// geoJSONSink writes a GeoJSON FeatureCollection, a feature per row.
type geoJSONSink struct {
	geomCol string
	fw      *featureWriter
}

func (s *geoJSONSink) write(w io.Writer, rec arrow.Record) error {
	if _, err := geomColumn(rec, s.geomCol); err != nil {
		return err
	}
	cols, err := textColumns(rec, "")
	if err != nil {
		return err
	}
	if s.fw == nil {
		if s.fw, err = newFeatureWriter(w, cols, s.geomCol); err != nil {
			return err
		}
	}
	return s.fw.rows(rec, cols)
}

func (s *geoJSONSink) end() error { return s.fw.end() }
