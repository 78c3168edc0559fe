package study

import (
	"math"
	"testing"
)

// TestDurNeverReadsInside: a time is printed rounded up to the second, so a
// cell outside a 5-minute circle never prints as 5:00.
func TestDurNeverReadsInside(t *testing.T) {
	for _, c := range []struct {
		sec  float64
		want string
	}{
		{300, "5:00"}, {300.84, "5:01"}, {300.0001, "5:01"}, {299.2, "5:00"}, {0, "0:00"}, {59.5, "1:00"},
		{math.NaN(), "-"}, {math.Inf(1), "unreached"},
	} {
		if got := dur(c.sec); got != c.want {
			t.Errorf("dur(%v) = %q, want %q", c.sec, got, c.want)
		}
	}
}
