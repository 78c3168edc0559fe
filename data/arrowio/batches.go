package arrowio

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/parquet/pqarrow"
)

// A BatchFormat is a columnar file format a BatchWriter writes.
type BatchFormat int

// The formats.
const (
	BatchArrow   BatchFormat = iota + 1 // Arrow IPC file (.arrow, .feather)
	BatchStream                         // Arrow IPC stream (.arrows)
	BatchParquet                        // Parquet (.parquet, .pq), a row group per batch
)

// FormatOf returns the columnar format a file name asks for, if any.
func FormatOf(path string) (BatchFormat, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".arrow", ".feather":
		return BatchArrow, true
	case ".arrows":
		return BatchStream, true
	case ".parquet", ".pq":
		return BatchParquet, true
	}
	return 0, false
}

// A BatchWriter writes a table record batch by record batch, so a large
// table is never held whole: each batch may be released once written. It
// is not safe for concurrent use. Close writes the footer; w is not closed.
type BatchWriter struct {
	ipcFile   *ipc.FileWriter
	ipcStream *ipc.Writer
	pq        *pqarrow.FileWriter
}

// NewBatchWriter starts a table of schema in format f on w.
func NewBatchWriter(w io.Writer, schema *arrow.Schema, f BatchFormat) (*BatchWriter, error) {
	bw := &BatchWriter{}
	var err error
	switch f {
	case BatchArrow:
		bw.ipcFile, err = ipc.NewFileWriter(&offsetWriter{w: w}, ipc.WithSchema(schema))
	case BatchStream:
		bw.ipcStream = ipc.NewWriter(w, ipc.WithSchema(schema))
	case BatchParquet:
		bw.pq, err = pqarrow.NewFileWriter(schema, w, parquetProps(nil), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	default:
		err = fmt.Errorf("arrowio: unknown batch format %d", f)
	}
	if err != nil {
		return nil, err
	}
	return bw, nil
}

// Write appends one record batch.
func (bw *BatchWriter) Write(rec arrow.Record) error {
	switch {
	case bw.ipcFile != nil:
		return bw.ipcFile.Write(rec)
	case bw.ipcStream != nil:
		return bw.ipcStream.Write(rec)
	default:
		return bw.pq.Write(rec)
	}
}

// Close ends the table (footer, end-of-stream marker).
func (bw *BatchWriter) Close() error {
	switch {
	case bw.ipcFile != nil:
		return bw.ipcFile.Close()
	case bw.ipcStream != nil:
		return bw.ipcStream.Close()
	default:
		return bw.pq.Close()
	}
}
