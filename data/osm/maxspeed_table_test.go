package osm_test

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/geo"
)

func uint32ID(i int) graph.NodeID      { return graph.NodeID(i) }
func haversine(a, b orb.Point) float64 { return geo.Haversine(a, b) }
func abs(x float64) float64            { return math.Abs(x) }

// TestParseMaxspeedContract is the table of SPEED_MODEL.md §3.
func TestParseMaxspeedContract(t *testing.T) {
	ok := map[string]float64{"50": 50, "12.5": 12.5, "007": 7, "30 mph": 30 * 1.609344, "30mph": 30 * 1.609344, "130": 130, "0.5": 0.5}
	for in, want := range ok {
		if got, parsed := osm.ParseMaxspeed(in); !parsed || got != want {
			t.Errorf("ParseMaxspeed(%q) = %v, %v; want %v", in, got, parsed, want)
		}
	}
	for _, in := range []string{"50;30", "signals", "none", "walk", "RU:urban", "50 km/h", "50 kmh", " 50", "50 ", "50,5", ".5", "5.", "1e2", "-20", "30 MPH", "30  mph", "0", "0 mph", "", "٥٠"} {
		if got, parsed := osm.ParseMaxspeed(in); parsed {
			t.Errorf("ParseMaxspeed(%q) = %v, want not parseable", in, got)
		}
	}
}

func FuzzParseMaxspeed(f *testing.F) {
	for _, s := range []string{"50", "30 mph", "12.5", "none", " 50", "1e2", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kph, ok := osm.ParseMaxspeed(s)
		if !ok {
			return
		}
		if !(kph > 0) || math.IsInf(kph, 0) {
			t.Fatalf("ParseMaxspeed(%q) = %v", s, kph)
		}
		if strings.TrimSpace(s) != s || strings.ContainsAny(s, ";,eE-") {
			t.Fatalf("ParseMaxspeed(%q) accepted a value the contract refuses", s)
		}
	})
}
