package textwidth

import (
	"strings"
)

// Width is the number of terminal columns s takes: East Asian wide and
// full-width characters (Chinese, full-width punctuation) take two.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if wide(r) {
			n++
		}
	}
	return n
}

func wide(r rune) bool {
	return (r >= 0x1100 && r <= 0x115F) || (r >= 0x2E80 && r <= 0xA4CF && r != 0x303F) ||
		(r >= 0xAC00 && r <= 0xD7A3) || (r >= 0xF900 && r <= 0xFAFF) || (r >= 0xFE30 && r <= 0xFE4F) ||
		(r >= 0xFF00 && r <= 0xFF60) || (r >= 0xFFE0 && r <= 0xFFE6) || (r >= 0x20000 && r <= 0x3FFFD)
}

// PadRight pads s with spaces to w columns.
func PadRight(s string, w int) string { return s + strings.Repeat(" ", max(0, w-Width(s))) }

// PadLeft pads s with spaces on the left to w columns.
func PadLeft(s string, w int) string { return strings.Repeat(" ", max(0, w-Width(s))) + s }

// Trim shortens s to at most w columns, ending in "…" when cut.
func Trim(s string, w int) string {
	if Width(s) <= w {
		return s
	}
	n := 0
	for i, r := range s {
		rw := 1
		if wide(r) {
			rw = 2
		}
		if n+rw > w-1 {
			return s[:i] + "…"
		}
		n += rw
	}
	return s
}
