package arrowio

import (
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/ipc"
)

// WriteIPC writes rec to path as an Arrow IPC file (the random-access
// "Feather v2" format, uncompressed), replacing path atomically. Every
// column, type and metadata key is kept.
func WriteIPC(path string, rec arrow.Record) error {
	if err := writeOne(path, &ipcSink{}, rec); err != nil {
		return fmt.Errorf("write arrow ipc file: %w", err)
	}
	return nil
}

// WriteIPCStream writes rec to w in the Arrow IPC stream format (media type
// application/vnd.apache.arrow.stream): the schema, one record batch and
// the end-of-stream marker. w is not closed.
func WriteIPCStream(w io.Writer, rec arrow.Record) error {
	sw := ipc.NewWriter(w, ipc.WithSchema(rec.Schema()))
	if err := sw.Write(rec); err != nil {
		sw.Close()
		return fmt.Errorf("write arrow ipc stream: %w", err)
	}
	if err := sw.Close(); err != nil {
		return fmt.Errorf("write arrow ipc stream: %w", err)
	}
	return nil
}

// offsetWriter gives a plain writer the one Seek that ipc.FileWriter
// makes, Seek(0, io.SeekCurrent), to learn the offset it writes at; that
// lets the IPC file go through atomicfile's buffered writer.
type offsetWriter struct {
	w   io.Writer
	off int64
}

func (o *offsetWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	o.off += int64(n)
	return n, err
}

func (o *offsetWriter) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekCurrent {
		return 0, errors.New("arrowio: offsetWriter can only report its offset")
	}
	return o.off, nil
}
