package osm

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"runtime"
	"slices"

	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"
)

// A Reader reads an OSM file once for every extraction asked of it: ask
// for graphs, areas, features, a base map and way labels, then Run, then
// take each result. See the package documentation for how one pass serves
// them all in bounded memory.
//
// A Reader is used once, from one goroutine.
type Reader struct {
	path string
	opt  Options
	jobs []job
	ran  bool
}

// NewReader returns a Reader of the OSM file (PBF or XML) at path.
func NewReader(path string, opt Options) *Reader {
	return &Reader{path: path, opt: opt}
}

// job is one extraction of a pass. The pass shows it the objects it asks
// for in file order, then the member ways its relations named, then the
// locations of the nodes it needs, and finally lets it finish.
type job interface {
	// wants says which kinds of object the job reads, and whether it
	// needs node locations.
	wants() kinds
	node(n *osm.Node)
	way(w *osm.Way)
	relation(r *osm.Relation)
	// members returns the ids of the ways whose refs the job needs from
	// the way store (the members of its relations), nil for none.
	members() map[int64]bool
	setMembers(refs map[int64][]int64)
	// locations returns the table of the nodes it needs located (sorted
	// unique ids); the pass fills it in.
	locations() *nodeTable
	finish(ctx context.Context, src source) error
	fail(err error)
}

// kinds are what a job reads: nodes (with their tags; their locations
// come later from the node index), ways, relations, whether it needs the
// refs of its relations' member ways (the way store) and the locations of
// nodes its ways or relations use (the node index).
type kinds struct {
	nodes, ways, relations, members, locations bool
}

// source describes the file a pass read.
type source struct {
	path   string
	bytes  int64
	sha256 string
}

// Run reads the file once and completes every extraction asked for. The
// error is the pass's (the file cannot be read, is not OSM, is truncated,
// the context was cancelled, the temporary disk is full); each extraction
// also returns it from its result, or its own error. Temporary files are
// gone when Run returns, whatever happened.
func (r *Reader) Run(ctx context.Context) (err error) {
	if r.ran {
		return errors.New("osm: Reader.Run called twice")
	}
	r.ran = true
	defer func() {
		if err != nil {
			for _, j := range r.jobs {
				j.fail(err)
			}
		}
	}()
	info, err := os.Stat(r.path)
	if err != nil {
		return fmt.Errorf("open osm file: %w", err)
	}
	if info.IsDir() {
		return fmt.Errorf("open osm file %s: is a directory", r.path)
	}
	if info.Size() == 0 {
		return fmt.Errorf("%s: %w", r.path, ErrEmptyInput)
	}
	kind, err := sniff(r.path)
	if err != nil {
		return err
	}
	var wantNodes, wantWays, wantRels, wantMembers, wantLocs bool
	for _, j := range r.jobs {
		k := j.wants()
		wantNodes, wantWays, wantRels = wantNodes || k.nodes, wantWays || k.ways, wantRels || k.relations
		wantMembers, wantLocs = wantMembers || k.members, wantLocs || k.locations
	}
	var nodes *nodeStore
	if wantLocs {
		if nodes, err = newNodeStore(r.opt.TempDir); err != nil {
			return err
		}
		defer nodes.close()
		wantNodes = true
	}
	var ways *wayStore
	if wantMembers {
		if ways, err = newWayStore(r.opt.TempDir); err != nil {
			return err
		}
		defer ways.close()
		wantWays = true
	}
	var refs []int64
	sum, err := r.scan(ctx, kind, info.Size(), wantNodes, wantWays, wantRels, func(o osm.Object) error {
		switch o := o.(type) {
		case *osm.Node:
			if nodes != nil {
				// osmpbf decodes 1e-9·(offset + granularity·raw);
				// rounding to the 1e-7 grid gives back the stored
				// fixed-point value exactly (SPEED_MODEL §9).
				nodes.add(int64(o.ID), int32(math.Round(o.Lon*1e7)), int32(math.Round(o.Lat*1e7)))
				if nodes.file.err != nil {
					return nodes.file.err
				}
			}
			for _, j := range r.jobs {
				j.node(o)
			}
		case *osm.Way:
			if ways != nil {
				refs = refs[:0]
				for _, n := range o.Nodes {
					refs = append(refs, int64(n.ID))
				}
				ways.add(int64(o.ID), refs)
				if ways.file.err != nil {
					return ways.file.err
				}
			}
			for _, j := range r.jobs {
				j.way(o)
			}
		case *osm.Relation:
			for _, j := range r.jobs {
				j.relation(o)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ways != nil {
		want := map[int64]bool{}
		for _, j := range r.jobs {
			for id := range j.members() {
				want[id] = true
			}
		}
		found, err := ways.lookup(ctx, want)
		if err != nil {
			return err
		}
		ways.close()
		for _, j := range r.jobs {
			j.setMembers(found)
		}
	}
	if nodes != nil {
		var tables []*nodeTable
		for _, j := range r.jobs {
			if t := j.locations(); t != nil && len(t.ids) > 0 {
				tables = append(tables, t)
			}
		}
		if err := nodes.resolve(ctx, tables); err != nil {
			return err
		}
		nodes.close()
	}
	src := source{path: r.path, bytes: info.Size(), sha256: sum}
	for _, j := range r.jobs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := j.finish(ctx, src); err != nil {
			j.fail(err)
		}
	}
	return nil
}

// scan streams the objects of the file to fn in file order, decoding only
// the kinds asked for (a PBF scan skips the others' blocks undecoded), and
// returns the SHA-256 of the whole file, read on the way. It stops at the
// first error fn returns.
func (r *Reader) scan(ctx context.Context, kind fileKind, size int64, nodes, ways, rels bool, fn func(osm.Object) error) (string, error) {
	f, err := os.Open(r.path)
	if err != nil {
		return "", fmt.Errorf("open osm file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	progress := r.opt.Progress
	if progress != nil {
		progress = func(_ int, done, total int64) { r.opt.Progress(1, done, total) }
	}
	cr := &countingReader{r: io.TeeReader(bufio.NewReaderSize(f, 1<<20), h), total: size, fn: progress}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var sc osm.Scanner
	switch kind {
	case kindPBF:
		procs := r.opt.Procs
		if procs <= 0 {
			procs = runtime.GOMAXPROCS(0)
		}
		ps := osmpbf.New(ctx, cr, procs)
		ps.SkipNodes = !nodes
		ps.SkipWays = !ways
		ps.SkipRelations = !rels
		sc = ps
	case kindXML:
		sc = osmxml.New(ctx, cr)
	}
	var fnErr error
	for sc.Scan() {
		if fnErr = fn(sc.Object()); fnErr != nil {
			break
		}
	}
	scanErr := sc.Err()
	_ = sc.Close() // stops the decoders; the scan's error is scanErr
	if fnErr != nil {
		return "", fnErr
	}
	if scanErr != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if errors.Is(scanErr, io.ErrUnexpectedEOF) {
			return "", fmt.Errorf("read %s: file is truncated: %w", r.path, scanErr)
		}
		return "", fmt.Errorf("read %s: %w", r.path, scanErr)
	}
	return finishHash(h, cr, r.path)
}

// finishHash hashes what the decoder left unread (an XML file's trailing
// bytes) so that the sum is the whole file's.
func finishHash(h hash.Hash, r io.Reader, path string) (string, error) {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return "", fmt.Errorf("read osm file %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// nodeTable holds the locations of the nodes an extraction needs, by
// sorted id, on the file's 1e-7 degree grid.
type nodeTable struct {
	ids          []int64
	lonE7, latE7 []int32
	has          []bool
}

// newNodeTable makes the table of ids (sorted and made unique here).
func newNodeTable(ids []int64) nodeTable {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return nodeTable{ids: ids, lonE7: make([]int32, len(ids)), latE7: make([]int32, len(ids)), has: make([]bool, len(ids))}
}
