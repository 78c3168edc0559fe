package report

import (
	"math"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"people", people(77543.00000000003), "77,543"},
		{"people rounds", people(2070.5), "2,071"},
		{"people negative", people(-4182.15), "-4,182"},
		{"people NaN", people(math.NaN()), "–"},
		{"pct", pct(0.973302615974881), "97.3 %"},
		{"pct never reaches a missed target", pct(0.99996), "99.9 %"},
		{"pct whole", pct(1), "100.0 %"},
		{"target", target(0.15), "15 %"},
		{"dur cuts like the printed summary", dur(568.8088628871055), "9:28"},
		{"dur hours", dur(3725), "1:02:05"},
		{"dur unreached", dur(math.NaN()), "not reached"},
		{"signed", signed(-4182.15), "−4,182"},
		{"signed zero", signed(0.2), "0"},
		{"tenths", string(appendTenths(appendTenths(appendTenths(nil, 125), -5), 30)), "12.5-.53"},
		{"scale bar", distanceLabel(niceLength(2400)), "2 km"},
		{"scale bar metres", distanceLabel(niceLength(730)), "500 m"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// TestBands: the inside classes follow the standard's isochrone minutes up
// to the circle; a time exactly on the circle is inside, as within_target is.
func TestBands(t *testing.T) {
	tests := []struct {
		name   string
		target float64
		iso    []float64
		labels string
	}{
		{"cn-grassroots", 15, []float64{5, 10, 15}, "0–5 min|5–10 min|10–15 min|15–30 min|over 30 min|not reached|no road access"},
		{"nfpa1710", 4, []float64{4, 8}, "0–4 min|4–8 min|over 8 min|not reached|no road access"},
		{"isochrones beyond the circle", 10, []float64{5, 15, 30}, "0–5 min|5–10 min|10–20 min|over 20 min|not reached|no road access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := bands(tt.target, tt.iso)
			var labels []string
			for _, b := range bs {
				labels = append(labels, b.Label)
			}
			if got := strings.Join(labels, "|"); got != tt.labels {
				t.Errorf("bands = %s, want %s", got, tt.labels)
			}
			at := func(c Cell) string { return bs[bandOf(bs, &c)].Label }
			if got := at(Cell{Seconds: tt.target * 60}); !bs[bandOf(bs, &Cell{Seconds: tt.target * 60})].Inside {
				t.Errorf("a cell exactly on the circle is in %s, want inside", got)
			}
			if got := at(Cell{Seconds: tt.target*60 + 0.001}); got != labels[len(labels)-4] {
				t.Errorf("a cell just outside is in %s, want %s", got, labels[len(labels)-4])
			}
			if got := at(Cell{Seconds: math.NaN()}); got != "not reached" {
				t.Errorf("an unreached cell is in %s", got)
			}
			if got := at(Cell{Seconds: 10, NoRoad: true}); got != "no road access" {
				t.Errorf("a cell without road access is in %s", got)
			}
		})
	}
}
