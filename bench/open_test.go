package bench_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

var (
	portoFileOnce sync.Once
	portoFile     string
	portoFileErr  error
)

// portoGraphFile builds Porto's drive graph (273,243 nodes) once and writes
// it to a file shared by the benchmarks of one run.
func portoGraphFile(b *testing.B) string {
	b.Helper()
	portoFileOnce.Do(func() {
		p, err := osm.BuiltinProfile("drive")
		if err != nil {
			portoFileErr = err
			return
		}
		g, err := osm.Build(context.Background(), shared.Path(b, "data", "porto-portugal", "porto_portugal.osm.pbf"), p, osm.Options{})
		if err != nil {
			portoFileErr = err
			return
		}
		portoFile = filepath.Join(b.TempDir(), "porto.rgraph")
		portoFileErr = g.WriteFile(portoFile)
	})
	if portoFileErr != nil {
		b.Fatal(portoFileErr)
	}
	return portoFile
}

// BenchmarkLoad_Porto compares reading and decoding the graph file into the
// heap (ReadFile) with using it in place (Open: a mapping, the checksum pass
// and the core graph derived), and Open without the checksum.
func BenchmarkLoad_Porto(b *testing.B) {
	path := portoGraphFile(b)
	b.Run("ReadFile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := graph.ReadFile(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Open", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, err := graph.Open(path, graph.OpenOptions{})
			if err != nil {
				b.Fatal(err)
			}
			g.Close()
		}
	})
	b.Run("OpenNoChecksum", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, err := graph.Open(path, graph.OpenOptions{SkipChecksum: true})
			if err != nil {
				b.Fatal(err)
			}
			g.Close()
		}
	})
}
