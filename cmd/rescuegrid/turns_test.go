package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestCLINetworkTurnRestrictions builds Andorra with --turn-restrictions:
// network info prints the turns line (text) and the counts (JSON stats); the
// plain drive graph has neither and is the same file as before (no turn rule
// in its profile); walk refuses the flag.
func TestCLINetworkTurnRestrictions(t *testing.T) {
	pbf, dir, turns, info := builtWith(t, "--turn-restrictions", "turn restriction line or count", "turns ", "restrictions_")
	// Andorra: 66 relations, 64 built, 2 cut off by the extract.
	want := `(?m)^turns +64 of 66 restrictions applied \(62 via nodes split, 132 node copies, 139 turn edges, 0 via-way path copies\); skipped: 2 \(missing member 2\)$`
	if !regexp.MustCompile(want).MatchString(info) {
		t.Errorf("network info %s has no line matching %s:\n%s", turns, want, info)
	}
	r := cli("network", "info", turns, "--json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var stats struct {
		Stats map[string]int64 `json:"stats"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &stats); err != nil {
		t.Fatal(err)
	}
	if stats.Stats["restrictions_applied"] != 64 || stats.Stats["restrictions_skipped_missing_member"] != 2 {
		t.Errorf("network info --json stats %v", stats.Stats)
	}
	refusedForWalk(t, pbf, dir, "--turn-restrictions")
	if _, err := os.Stat(filepath.Join(dir, "walk.rgraph")); err == nil {
		t.Error("a refused build wrote its output")
	}
}
