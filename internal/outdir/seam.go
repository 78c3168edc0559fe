package outdir

import (
	"bufio"
	"context"
	"io"
)

// hook, when set, is called at every point of a write: kind "step" between
// stages (name: "folder-created", "files-written", "manifest-written",
// "swap", "swapped", "old-moved", "done", "file-created", "file-written",
// "file-swap", "file-done"), kind "op" before each file-system operation
// (name: "create", "write", "sync", "rename"). An error it returns is
// returned as that point's error. It is the fault-injection seam of the
// tests and of the kill trial (killtrial.go); nil in a normal build.
var hook func(kind, name string) error

func step(name string) error {
	if hook == nil {
		return nil
	}
	return hook("step", name)
}

func fault(op string) error {
	if hook == nil {
		return nil
	}
	return hook("op", op)
}

// ctxWriter fails writes once ctx is done, so a cancelled command stops
// inside a long write.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if err := fault("write"); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// bufSize is the write buffer: the context and the fault seam are checked
// once per buffer, not per small write.
const bufSize = 1 << 20

func newBufWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, bufSize) }
