package flightapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/service"
)

var (
	sampleOnce sync.Once
	sampleSvc  *service.Service
)

// sample is the bundled sample study, loaded once for the test binary.
func sample(tb testing.TB) *service.Service {
	tb.Helper()
	sampleOnce.Do(func() {
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		sampleSvc = service.New(service.Config{Limits: service.DefaultLimits()}, logger)
		sampleSvc.Load(context.Background(), filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"))
	})
	if sampleSvc.Default().Study() == nil {
		tb.Fatalf("sample study did not load: %v", sampleSvc.Default().LoadError())
	}
	return sampleSvc
}

// FuzzFlightTicket: any ticket bytes give a table or an error that maps to
// a 4xx-like code, never a panic, and a ticket that parses names a table
// the answer comes from.
func FuzzFlightTicket(f *testing.F) {
	for _, s := range []string{"cells", "units", "", "{", `{"table":"cells","columns":["cell"]}`, `{"table":"cells","bbox":"1,42,2,43"}`,
		`{"table":"cells","bbox":"x"}`, `{"table":3}`, `{"study":"nope","table":"cells"}`, `{"table":"cells","unit":"relation/2804754"}`, "nope"} {
		f.Add([]byte(s))
	}
	svc := sample(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := ParseTicket(b)
		if err != nil {
			if !errors.Is(err, service.ErrInvalid) {
				t.Fatalf("ParseTicket(%q): %v, want an invalid argument", b, err)
			}
			return
		}
		st, err := svc.Ready(q.Study)
		if err != nil {
			return
		}
		rec, err := st.Query(context.Background(), q)
		if err != nil {
			if code, _ := service.Status(err); code >= 500 {
				t.Fatalf("Query(%+v): %v (%d), want a 4xx", q, err, code)
			}
			return
		}
		defer rec.Release()
		if rec.NumRows() > st.Tables[q.Table].NumRows() {
			t.Fatalf("Query(%+v): %d rows from a table of %d", q, rec.NumRows(), st.Tables[q.Table].NumRows())
		}
	})
}
