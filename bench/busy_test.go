package bench_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/geo"
)

// baseTime is one base's time to a cell.
type baseTime struct {
	base int
	t    float64
}

// cellBaseTimes computes, directly and apart from package coverage, every
// cell's time from every base (one unbounded search per base, the cell's
// snapped road point plus the off-road walk), each cell's list sorted by
// time (ties by base). Cells without road access get an empty list.
func cellBaseTimes(tb testing.TB, in coverage.Input) [][]baseTime {
	tb.Helper()
	g, std := in.Graph, in.Standard
	opt := graph.SnapOptions{MaxDistanceM: std.Access.SnapDistanceM}
	walk := std.WalkMPS()
	snaps := make([]graph.Snap, len(in.Cells))
	ok := make([]bool, len(in.Cells))
	for i, c := range in.Cells {
		ctr, err := geo.CellCenter(c)
		if err != nil {
			tb.Fatal(err)
		}
		sn, err := g.Snap(ctr, opt)
		if err == nil {
			snaps[i], ok[i] = sn, true
		}
	}
	out := make([][]baseTime, len(in.Cells))
	s := route.NewSearch(g)
	for b, base := range in.Bases {
		sn, err := g.Snap(base.Loc, opt)
		if err != nil {
			continue
		}
		seeds := route.SnapSeeds(g, sn, int32(b), graph.Seconds(std.Rescue.TurnoutSeconds))
		if err := s.Run(context.Background(), seeds, route.Options{}); err != nil {
			tb.Fatal(err)
		}
		for i := range in.Cells {
			if !ok[i] {
				continue
			}
			if t, _, reached := route.PointTime(s, snaps[i]); reached {
				out[i] = append(out[i], baseTime{b, float64(t) + snaps[i].DistanceM/walk})
			}
		}
	}
	for i := range out {
		slices.SortFunc(out[i], func(a, b baseTime) int {
			if a.t != b.t {
				if a.t < b.t {
					return -1
				}
				return 1
			}
			return a.base - b.base
		})
	}
	return out
}

// TestBackupCoveragePortoAlegre checks backup coverage on Porto Alegre's
// grid with the peers' 12 sources against a direct count: for every cell,
// the bases whose own search reaches it within the circle; the residents
// by that count summed over the grid.
func TestBackupCoveragePortoAlegre(t *testing.T) {
	in := poaInput(t)
	res, err := coverage.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	target := in.Standard.RescueSeconds()
	times := cellBaseTimes(t, in)
	var want [coverage.BackupBands]float64
	mismatch := 0
	for i, list := range times {
		n := 0
		for _, bt := range list {
			if bt.t <= target {
				n++
			}
		}
		if got := int(res.Cells.CoveredBy[i]); got != n {
			// A time within float32 rounding of the circle may count either way.
			if mismatch++; mismatch <= 5 {
				t.Errorf("cell %s: %d bases within %v s, the direct count %d (times %v)", in.Cells[i], got, target, n, list)
			}
		}
		want[min(n, coverage.BackupBands-1)] += in.Pop[i]
	}
	got := res.Summary.Backup.ByBases
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-6 {
			t.Errorf("residents reached by %s bases = %.0f, the direct count %.0f", coverage.BandLabel(k), got[k], want[k])
		}
	}
	// The bands hold every resident once, no base is the residents outside
	// the circle, and the unit (all of Porto Alegre) says the same.
	if r := res.Summary.Backup.Residents(); math.Abs(r-res.Summary.Residents) > 1e-6 {
		t.Errorf("backup bands sum to %v, residents %v", r, res.Summary.Residents)
	}
	if math.Abs(got[0]-res.Summary.Outside) > 1e-6 {
		t.Errorf("residents no base reaches in time %v, outside the circle %v", got[0], res.Summary.Outside)
	}
	if res.Units[0].Backup != res.Summary.Backup {
		t.Errorf("unit backup %v, summary %v", res.Units[0].Backup, res.Summary.Backup)
	}
	t.Logf("Porto Alegre, 12 bases: residents by bases within 15 min: 0: %.0f, 1: %.0f, 2: %.0f, 3+: %.0f; two or more %.2f %%",
		got[0], got[1], got[2], got[3], 100*res.Summary.Backup.Share())
}
