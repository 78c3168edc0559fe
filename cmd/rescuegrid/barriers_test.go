package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// TestCLINetworkBarriers builds Andorra with and without --barriers and
// checks that network info reports the barriers of the one built with them
// only, and that --barriers is refused for the walk profile.
func TestCLINetworkBarriers(t *testing.T) {
	pbf := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	dir := t.TempDir()
	plain, bar := filepath.Join(dir, "plain.rgraph"), filepath.Join(dir, "barriers.rgraph")
	if r := cli("--quiet", "network", "build", "--pbf", pbf, "--out", plain); r.err != nil {
		t.Fatal(r.err)
	}
	if r := cli("--quiet", "network", "build", "--pbf", pbf, "--barriers", "--out", bar); r.err != nil {
		t.Fatal(r.err)
	}
	if r := cli("network", "info", plain); r.err != nil || strings.Contains(r.stdout, "barriers") {
		t.Errorf("network info of a drive graph = %v, want no barrier line:\n%s", r.err, r.stdout)
	}
	r := cli("network", "info", bar)
	if r.err != nil {
		t.Fatal(r.err)
	}
	m := regexp.MustCompile(`(?m)^barriers +(\d+) applied \((\d+) node copies\); skipped: (\d+) let through by tags \([^)]*\), (\d+) not on a routable way, (\d+) of a passable kind$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("network info %s has no barriers line:\n%s", bar, r.stdout)
	}
	for i, what := range []string{"applied", "node copies", "let through", "not on a routable way", "passable kind"} {
		if n, _ := strconv.Atoi(m[i+1]); n == 0 {
			t.Errorf("network info: %d barriers %s, want some on Andorra (%s)", n, what, m[0])
		}
	}
	if r := cli("--quiet", "network", "build", "--pbf", pbf, "--profile", "walk", "--barriers", "--out", filepath.Join(dir, "walk.rgraph")); r.err == nil || !strings.Contains(r.err.Error(), "walk") {
		t.Errorf("network build --profile walk --barriers = %v, want a usage error naming walk", r.err)
	}
}
