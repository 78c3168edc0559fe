package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// TestCLINetworkTurnRestrictions builds Andorra with --turn-restrictions:
// network info prints the turns line (text) and the counts (JSON stats); the
// plain drive graph has neither and is the same file as before (no turn rule
// in its profile); walk refuses the flag.
func TestCLINetworkTurnRestrictions(t *testing.T) {
	pbf := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	dir := t.TempDir()
	plain, turns := filepath.Join(dir, "plain.rgraph"), filepath.Join(dir, "turns.rgraph")
	if r := cli("--quiet", "network", "build", "--pbf", pbf, "--out", plain); r.err != nil {
		t.Fatal(r.err)
	}
	if r := cli("--quiet", "network", "build", "--pbf", pbf, "--turn-restrictions", "--out", turns); r.err != nil {
		t.Fatal(r.err)
	}
	if r := cli("network", "info", plain); r.err != nil || strings.Contains(r.stdout, "turns ") || strings.Contains(r.stdout, "restrictions_") {
		t.Errorf("network info of a drive graph = %v, want no turn restriction line or count:\n%s", r.err, r.stdout)
	}
	r := cli("network", "info", turns)
	if r.err != nil {
		t.Fatal(r.err)
	}
	// Andorra: 66 relations, 64 built, 2 cut off by the extract.
	want := `(?m)^turns +64 of 66 restrictions applied \(62 via nodes split, 132 node copies, 139 turn edges, 0 via-way path copies\); skipped: 2 \(missing member 2\)$`
	if !regexp.MustCompile(want).MatchString(r.stdout) {
		t.Errorf("network info %s has no line matching %s:\n%s", turns, want, r.stdout)
	}
	r = cli("network", "info", turns, "--json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var info struct {
		Stats map[string]int64 `json:"stats"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatal(err)
	}
	if info.Stats["restrictions_applied"] != 64 || info.Stats["restrictions_skipped_missing_member"] != 2 {
		t.Errorf("network info --json stats %v", info.Stats)
	}
	if r := cli("--quiet", "network", "build", "--pbf", pbf, "--profile", "walk", "--turn-restrictions", "--out", filepath.Join(dir, "walk.rgraph")); r.err == nil || !strings.Contains(r.err.Error(), "walk") {
		t.Errorf("network build --profile walk --turn-restrictions = %v, want a usage error naming walk", r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "walk.rgraph")); err == nil {
		t.Error("a refused build wrote its output")
	}
}
