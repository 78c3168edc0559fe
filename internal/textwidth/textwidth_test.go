package textwidth_test

import (
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/textwidth"
)

func TestWidthPadTrim(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, s string
		width   int
	}{
		{"ascii", "road network", 12},
		{"han", "南头街道", 8},
		{"mixed", "OSM 区域", 8},
		{"full-width punctuation", "（路网）…", 9}, // "…" is narrow
	}
	for _, tt := range tests {
		if got := textwidth.Width(tt.s); got != tt.width {
			t.Errorf("%s: Width(%q) = %d, want %d", tt.name, tt.s, got, tt.width)
		}
		if got := textwidth.Width(textwidth.PadRight(tt.s, 20)); got != 20 {
			t.Errorf("%s: Width(PadRight(%q, 20)) = %d, want 20", tt.name, tt.s, got)
		}
		if got := textwidth.Width(textwidth.PadLeft(tt.s, 20)); got != 20 {
			t.Errorf("%s: Width(PadLeft(%q, 20)) = %d, want 20", tt.name, tt.s, got)
		}
	}
	if got, want := textwidth.Trim("深圳市南山区南头街道", 9), "深圳市南…"; got != want {
		t.Errorf("Trim(深圳市南山区南头街道, 9) = %q, want %q", got, want)
	}
	if got := textwidth.Trim("南头", 4); got != "南头" {
		t.Errorf("Trim(南头, 4) = %q, want it whole", got)
	}
}
