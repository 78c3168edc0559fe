package osm

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"syscall"
)

// ErrTempSpace is wrapped by the error of a pass whose temporary files
// could not be written: the disk (or quota) under Options.TempDir is full.
var ErrTempSpace = errors.New("osm: no space left for the temporary node index")

// spillFile is a temporary file a pass writes sequentially and reads back
// sequentially. It is unlinked as soon as it is created (on systems that
// allow it), so that nothing is left behind however the process ends: a
// panic, a signal, a kill. Where unlinking an open file fails (Windows)
// close removes it.
type spillFile struct {
	f       *os.File
	w       *bufio.Writer
	path    string // "" once unlinked
	dir     string
	written int64
	err     error // the first write error; later writes are no-ops
}

func newSpillFile(dir, pattern string) (*spillFile, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("create a temporary file in %s (Options.TempDir, --tmp-dir or TMPDIR): %w", dir, err)
	}
	s := &spillFile{f: f, w: bufio.NewWriterSize(f, 1<<20), path: f.Name(), dir: dir}
	if os.Remove(s.path) == nil {
		s.path = ""
	}
	return s, nil
}

func (s *spillFile) write(b []byte) {
	if s.err != nil {
		return
	}
	n, err := s.w.Write(b)
	s.written += int64(n)
	if err != nil {
		s.err = s.wrap(err)
	}
}

// wrap says which file failed and, when the disk is full, what to do.
func (s *spillFile) wrap(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w in %s after %d MB (point Options.TempDir, --tmp-dir or TMPDIR at a disk with room): %w",
			ErrTempSpace, s.dir, s.written>>20, err)
	}
	return fmt.Errorf("write temporary file in %s: %w", s.dir, err)
}

// reader flushes what was written and returns a buffered reader from the
// start of the file.
func (s *spillFile) reader() (*bufio.Reader, error) {
	if s.err != nil {
		return nil, s.err
	}
	if err := s.w.Flush(); err != nil {
		s.err = s.wrap(err)
		return nil, s.err
	}
	return bufio.NewReaderSize(io.NewSectionReader(s.f, 0, s.written), 1<<20), nil
}

func (s *spillFile) close() {
	if s == nil || s.f == nil {
		return
	}
	_ = s.f.Close() // a temporary file: nothing to keep
	if s.path != "" {
		_ = os.Remove(s.path)
	}
	s.f = nil
}

// nodeStore is the disk-backed index of node locations a pass builds as
// the nodes stream by: one 16-byte record (id, lon·1e7, lat·1e7) per node,
// appended in file order. A PBF lists nodes by ascending id, so the file is
// sorted and the locations a pass needs are found by one merge of the
// sorted needed ids with it (sequential reads, no random lookups); an
// unsorted file (hand-made XML) is read the same way with a binary search
// of each record in the needed ids. Either way, of two nodes with the same
// id the later one wins, as an in-memory table filled in file order would
// have it.
type nodeStore struct {
	file   *spillFile
	buf    [16]byte
	n      int64
	last   int64
	sorted bool
}

func newNodeStore(dir string) (*nodeStore, error) {
	f, err := newSpillFile(dir, "rescuegrid-nodes-*.bin")
	if err != nil {
		return nil, err
	}
	return &nodeStore{file: f, sorted: true}, nil
}

func (s *nodeStore) add(id int64, lonE7, latE7 int32) {
	if s.n > 0 && id <= s.last {
		s.sorted = false
	}
	s.last = id
	s.n++
	binary.LittleEndian.PutUint64(s.buf[0:], uint64(id))
	binary.LittleEndian.PutUint32(s.buf[8:], uint32(lonE7))
	binary.LittleEndian.PutUint32(s.buf[12:], uint32(latE7))
	s.file.write(s.buf[:])
}

// resolve fills the locations of the tables' ids (each sorted, unique)
// from the store in one sequential read: a merge with each table.
func (s *nodeStore) resolve(ctx context.Context, tables []*nodeTable) error {
	if len(tables) == 0 || s.n == 0 {
		return nil
	}
	r, err := s.file.reader()
	if err != nil {
		return err
	}
	var rec [16]byte
	pos := make([]int, len(tables)) // merge position in each table when the store is sorted
	for k := int64(0); k < s.n; k++ {
		if k&(1<<20-1) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return fmt.Errorf("read back the temporary node index: %w", err)
		}
		id := int64(binary.LittleEndian.Uint64(rec[0:]))
		lon := int32(binary.LittleEndian.Uint32(rec[8:]))
		lat := int32(binary.LittleEndian.Uint32(rec[12:]))
		done := true
		for ti, t := range tables {
			var i int
			if s.sorted {
				j := pos[ti]
				for j < len(t.ids) && t.ids[j] < id {
					j++
				}
				pos[ti] = j
				if j == len(t.ids) {
					continue
				}
				done = false
				if t.ids[j] != id {
					continue
				}
				i = j
			} else {
				done = false
				var hit bool
				if i, hit = slices.BinarySearch(t.ids, id); !hit {
					continue
				}
			}
			t.lonE7[i], t.latE7[i], t.has[i] = lon, lat, true
		}
		if done {
			break // every needed id is behind us
		}
	}
	return nil
}

func (s *nodeStore) close() {
	if s != nil {
		s.file.close()
	}
}

// wayStore keeps the node refs of every way of a pass on disk, for the
// relations that come after the ways and need some of them (multipolygons,
// boundaries): a record is the way id, the number of refs and the refs,
// delta-coded as varints (consecutive refs of a way are often close).
type wayStore struct {
	file *spillFile
	buf  []byte
	n    int64
}

func newWayStore(dir string) (*wayStore, error) {
	f, err := newSpillFile(dir, "rescuegrid-ways-*.bin")
	if err != nil {
		return nil, err
	}
	return &wayStore{file: f}, nil
}

func (s *wayStore) add(id int64, refs []int64) {
	b := binary.AppendVarint(s.buf[:0], id)
	b = binary.AppendUvarint(b, uint64(len(refs)))
	var prev int64
	for _, r := range refs {
		b = binary.AppendVarint(b, r-prev)
		prev = r
	}
	s.buf = b
	s.n++
	s.file.write(b)
}

// lookup returns the refs of the ways in want that the store holds, in one
// sequential read; of two ways with the same id the later one wins.
func (s *wayStore) lookup(ctx context.Context, want map[int64]bool) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(want))
	if len(want) == 0 || s.n == 0 {
		return out, nil
	}
	r, err := s.file.reader()
	if err != nil {
		return nil, err
	}
	bad := func(err error) error { return fmt.Errorf("read back the temporary way store: %w", err) }
	for k := int64(0); k < s.n; k++ {
		if k&(1<<16-1) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		id, err := binary.ReadVarint(r)
		if err != nil {
			return nil, bad(err)
		}
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, bad(err)
		}
		keep := want[id]
		var refs []int64
		if keep {
			refs = make([]int64, n)
		}
		var prev int64
		for i := range n {
			d, err := binary.ReadVarint(r)
			if err != nil {
				return nil, bad(err)
			}
			prev += d
			if keep {
				refs[i] = prev
			}
		}
		if keep {
			out[id] = refs
		}
	}
	return out, nil
}

func (s *wayStore) close() {
	if s != nil {
		s.file.close()
	}
}
