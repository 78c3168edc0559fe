// Package shared finds the project's shared data folder (real OSM extracts,
// population, reference answers from peer tools) for tests and benchmarks.
// The folder sits beside the repository as ../shared; the environment
// variable RESCUEGRID_SHARED overrides that.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared data folder, failing tb if it cannot be found: the
// tests that need real data must not pass silently without it.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("RESCUEGRID_SHARED"); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			tb.Fatalf("RESCUEGRID_SHARED=%s: %v", d, err)
		}
		return abs
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared")
			if _, err := os.Stat(filepath.Join(s, "reference")); err != nil {
				tb.Fatalf("shared data not found at %s (set RESCUEGRID_SHARED): %v", s, err)
			}
			return s
		}
		if filepath.Dir(d) == d {
			tb.Fatalf("no go.mod above %s; set RESCUEGRID_SHARED", wd)
		}
	}
}

// Path joins elem onto the shared folder.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, elem...)...)
}
