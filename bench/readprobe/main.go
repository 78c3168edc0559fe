// Command readprobe measures where the memory of `network build` goes: it
// runs osm.Build on an extract and samples the Go heap in use every 50 ms,
// split at the moment the whole file is read (the one pass) and the rest
// (node locations and the graph build). With -read-only it cancels the
// build once the file is read, to measure the reading half of a network
// too big to build here (the few blocks still in flight are not processed).
//
//	go run ./bench/readprobe -pbf FILE.osm.pbf [-tmp DIR] [-read-only]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/rescuegrid/rescuegrid/data/osm"
)

func main() {
	pbf := flag.String("pbf", "", "OSM extract")
	tmp := flag.String("tmp", "", "folder for the node index (default TMPDIR)")
	readOnly := flag.Bool("read-only", false, "stop once the file is read, before building the graph")
	flag.Parse()
	if *pbf == "" {
		flag.Usage()
		os.Exit(2)
	}
	p, err := osm.BuiltinProfile("drive")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var phase atomic.Int32 // 0 reading, 1 after the file is read
	var peak [2]atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ph := phase.Load(); ms.HeapInuse > peak[ph].Load() {
				peak[ph].Store(ms.HeapInuse)
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t0 := time.Now()
	var read time.Duration
	g, err := osm.Build(ctx, *pbf, p, osm.Options{TempDir: *tmp, Progress: func(_ int, done, total int64) {
		if done >= total && phase.Load() == 0 {
			read = time.Since(t0)
			phase.Store(1)
			if *readOnly {
				cancel()
			}
		}
	}})
	close(stop)
	switch {
	case *readOnly && errors.Is(err, context.Canceled):
		fmt.Printf("file read in %.1f s; peak heap in use while reading %d MB\n", read.Seconds(), peak[0].Load()>>20)
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	default:
		fmt.Printf("%d nodes, %d edges, %d ways; file read in %.1f s, built in %.1f s; peak heap in use: reading %d MB, locations and graph build %d MB; graph arrays %d MB\n",
			g.NumNodes(), g.NumEdges(), g.NumWays(), read.Seconds(), time.Since(t0).Seconds(), peak[0].Load()>>20, peak[1].Load()>>20, g.MemoryBytes()>>20)
	}
}
