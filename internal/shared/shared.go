// Package shared finds the project's shared data folder (real OSM extracts,
// population, reference answers from peer tools) for tests and benchmarks.
// The folder sits beside the repository as ../shared; the environment
// variable RESCUEGRID_SHARED overrides that.
package shared

import (
	"compress/gzip"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Dir returns the shared data folder, failing tb if it cannot be found: the
// tests that need real data must not pass silently without it.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv(Env); d != "" {
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

// Env is the environment variable naming the shared folder; study files
// (bench/studies) name their inputs as ${RESCUEGRID_SHARED}/...
const Env = "RESCUEGRID_SHARED"

// Export returns Dir and, when RESCUEGRID_SHARED is unset, sets it to that
// folder for the whole test binary, so that study files using
// ${RESCUEGRID_SHARED}, in this process or in a command it starts, find the
// same shared data as the test.
func Export(tb testing.TB) string {
	tb.Helper()
	d := Dir(tb)
	if os.Getenv(Env) == "" {
		if err := os.Setenv(Env, d); err != nil {
			tb.Fatalf("set %s: %v", Env, err)
		}
	}
	return d
}

// Path joins elem onto the shared folder.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, elem...)...)
}

// ReferenceTimes reads the peers' answer for a region
// (reference/<region>/reference_times.csv.gz: osm_id,seconds_min): the time
// from the nearest source to every reachable OSM node. A malformed row
// fails tb.
func ReferenceTimes(tb testing.TB, region string) map[int64]float64 {
	tb.Helper()
	f, err := os.Open(Path(tb, "reference", region, "reference_times.csv.gz"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	ref := make(map[int64]float64, len(rows))
	for i, r := range rows[1:] {
		id, err1 := strconv.ParseInt(r[0], 10, 64)
		s, err2 := strconv.ParseFloat(r[1], 64)
		if err1 != nil || err2 != nil {
			tb.Fatalf("%s reference_times row %d: %q", region, i+2, r)
		}
		ref[id] = s
	}
	return ref
}
