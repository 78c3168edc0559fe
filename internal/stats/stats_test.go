package stats_test

import (
	"math"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/stats"
)

func TestWeightedQuantiles(t *testing.T) {
	// 10 people at 60 s, 30 at 120 s, 60 at +Inf (unreachable), 5 with weight 0.
	v := []float64{120, math.Inf(1), 60, 1}
	w := []float64{30, 60, 10, 0}
	q := stats.WeightedQuantiles(v, w, 0.1, 0.4, 0.41, 1)
	if q[0] != 60 || q[1] != 120 || !math.IsInf(q[2], 1) || !math.IsInf(q[3], 1) {
		t.Errorf("quantiles = %v, want [60 120 +Inf +Inf]", q)
	}
	if q := stats.WeightedQuantiles([]float64{5}, []float64{0}, 0.5); !math.IsNaN(q[0]) {
		t.Errorf("no weight: %v, want NaN", q)
	}
}
