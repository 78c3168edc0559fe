package service

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"testing"
)

// TestTileCacheCountsRealCost: the tile cache counts an entry at what it
// really costs on the heap, empty tiles included, so its byte bound holds.
func TestTileCacheCountsRealCost(t *testing.T) {
	svc := New(Config{Limits: DefaultLimits(), TileCacheBytes: 1 << 30}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sl := svc.Load(context.Background(), filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"))
	st, err := sl.Ready()
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	for i := 0; i < n; i++ {
		// z16 tiles over the Pacific: empty.
		if tl, err := st.Tile(context.Background(), TileQuery{Layer: string([]byte("cells")), Z: 16, X: i, Y: 30000}); err != nil || tl.Gzip != nil {
			t.Fatalf("tile %d: %v, %d bytes", i, err, len(tl.Gzip))
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	perEntry := float64(ms.HeapAlloc-before) / n
	counted := float64(svc.TileCacheStats().Bytes) / n
	t.Logf("an empty tile costs %.0f B on the heap, counted %.0f B", perEntry, counted)
	if counted < 0.9*perEntry || counted > 3*perEntry {
		t.Errorf("an empty tile is counted at %.0f B; it costs %.0f B", counted, perEntry)
	}
	runtime.KeepAlive(svc)
}
