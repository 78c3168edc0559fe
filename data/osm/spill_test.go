package osm

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// A full disk stops the pass with ErrTempSpace, naming the folder.
func TestSpillDiskFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	s, err := newNodeStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.file.close()
	s.file.f = full
	s.file.w.Reset(full)
	defer s.close()
	for i := range 1 << 20 {
		s.add(int64(i), 1, 2)
		if s.file.err != nil {
			break
		}
	}
	if !errors.Is(s.file.err, ErrTempSpace) || !strings.Contains(s.file.err.Error(), "TMPDIR") {
		t.Fatalf("writing to a full disk: %v, want ErrTempSpace saying what to do", s.file.err)
	}
	if err := s.resolve(context.Background(), []*nodeTable{{ids: []int64{1}}}); !errors.Is(err, ErrTempSpace) {
		t.Errorf("resolve after the failure = %v", err)
	}
}

// The way store gives back each asked way's refs, the later of two
// records with the same id winning.
func TestWayStoreLookup(t *testing.T) {
	s, err := newWayStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	s.add(5, []int64{100, 90, 1 << 40, 3})
	s.add(7, nil)
	s.add(9, []int64{1})
	s.add(5, []int64{4, 5})
	got, err := s.lookup(context.Background(), map[int64]bool{5: true, 7: true, 8: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[5]) != 2 || got[5][0] != 4 || got[5][1] != 5 || got[7] == nil || len(got[7]) != 0 {
		t.Errorf("lookup = %v", got)
	}
}
