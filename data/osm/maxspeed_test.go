package osm_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/osm"
)

// TestParseMaxspeedTable is the table of shared/reference/SPEED_MODEL.md §3:
// every example it gives, parseable or not, and the edges of its rule.
func TestParseMaxspeedTable(t *testing.T) {
	tests := []struct {
		name string
		in   string
		kph  float64 // wanted value when ok
		ok   bool
	}{
		// Parseable, km/h as written.
		{"integer", "50", 50, true},
		{"decimal", "12.5", 12.5, true},
		{"leading zeros", "007", 7, true},
		{"fast", "130", 130, true},
		{"below one", "0.5", 0.5, true},
		{"long decimal", "12.500", 12.5, true},
		// Parseable, mph times 1.609344.
		{"mph with a space", "30 mph", 48.28032, true},
		{"mph without a space", "30mph", 48.28032, true},
		{"decimal mph", "12.5 mph", 12.5 * 1.609344, true},
		// Not parseable: the examples of §3.
		{"two values", "50;30", 0, false},
		{"signals", "signals", 0, false},
		{"none", "none", 0, false},
		{"walk", "walk", 0, false},
		{"zone", "RU:urban", 0, false},
		{"km/h unit", "50 km/h", 0, false},
		{"kmh unit", "50 kmh", 0, false},
		{"leading space", " 50", 0, false},
		{"decimal comma", "50,5", 0, false},
		{"no integer part", ".5", 0, false},
		{"no fraction digits", "5.", 0, false},
		{"exponent", "1e2", 0, false},
		{"negative", "-20", 0, false},
		{"upper-case MPH", "30 MPH", 0, false},
		{"two spaces before mph", "30  mph", 0, false},
		{"zero", "0", 0, false},
		{"zero mph", "0 mph", 0, false},
		{"empty", "", 0, false},
		// Not parseable: the rule's edges.
		{"trailing space", "50 ", 0, false},
		{"space after mph", "30 mph ", 0, false},
		{"tab before mph", "30\tmph", 0, false},
		{"mph alone", "mph", 0, false},
		{"zero decimal", "0.0", 0, false},
		{"plus sign", "+50", 0, false},
		{"hexadecimal", "0x32", 0, false},
		{"underscore", "5_0", 0, false},
		{"infinity", "Inf", 0, false},
		{"not a number", "NaN", 0, false},
		{"Arabic-Indic digits", "٥٠", 0, false},
		{"fullwidth digits", "５０", 0, false},
		{"newline", "50\n", 0, false},
		{"too large for float64", "2" + strings.Repeat("0", 308), 0, false},
		{"too large once in km/h", "12" + strings.Repeat("0", 307) + " mph", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kph, ok := osm.ParseMaxspeed(tt.in)
			if ok != tt.ok {
				t.Fatalf("ParseMaxspeed(%q) = %v, %t; want ok %t", tt.in, kph, ok, tt.ok)
			}
			if ok && math.Abs(kph-tt.kph) > 1e-12*tt.kph {
				t.Errorf("ParseMaxspeed(%q) = %v km/h, want %v", tt.in, kph, tt.kph)
			}
		})
	}
}

// maxspeedOracle is the rule of SPEED_MODEL.md §3 written out by hand, as an
// independent check of ParseMaxspeed's regular expressions.
func maxspeedOracle(s string) (kph float64, ok bool) {
	num, factor := s, 1.0
	if rest, found := strings.CutSuffix(s, "mph"); found {
		num, factor = strings.TrimSuffix(rest, " "), osm.MphToKph
	}
	digits := func(d string) bool {
		if d == "" {
			return false
		}
		for i := 0; i < len(d); i++ {
			if d[i] < '0' || d[i] > '9' {
				return false
			}
		}
		return true
	}
	whole, frac, dotted := strings.Cut(num, ".")
	if !digits(whole) || (dotted && !digits(frac)) {
		return 0, false
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v > 0) {
		return 0, false
	}
	kph = v * factor
	return kph, !math.IsInf(kph, 0)
}

// FuzzParseMaxspeedContract: ParseMaxspeed never panics, agrees with the
// rule written out by hand, and what it accepts is a finite speed > 0 with
// no space around it.
func FuzzParseMaxspeedContract(f *testing.F) {
	for _, s := range []string{"50", "12.5", "007", "30 mph", "30mph", "50;30", "none", " 50", "50 ", "1e2", "-20",
		"30  mph", "0", "0 mph", ".5", "5.", "RU:urban", "", "1" + strings.Repeat("9", 308) + " mph",
		"12" + strings.Repeat("0", 307) + " mph"} { // a finite mph, an infinite km/h: accepted once
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kph, ok := osm.ParseMaxspeed(s)
		want, wantOK := maxspeedOracle(s)
		if ok != wantOK || (ok && kph != want) {
			t.Fatalf("ParseMaxspeed(%q) = %v, %t; the rule gives %v, %t", s, kph, ok, want, wantOK)
		}
		if !ok {
			return
		}
		if !(kph > 0) || math.IsInf(kph, 0) {
			t.Fatalf("ParseMaxspeed(%q) = %v, want a finite speed > 0", s, kph)
		}
		if strings.TrimSpace(s) != s {
			t.Fatalf("ParseMaxspeed(%q) accepted a value with a leading or trailing space", s)
		}
	})
}
