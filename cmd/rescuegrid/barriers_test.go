package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// builtWith builds Andorra's drive graph twice into a folder of the test,
// plain and with a network build flag (--barriers, --turn-restrictions),
// checks that network info of the plain one prints none of notInPlain
// (what names them in a failure), and returns the extract, the folder, the
// graph built with the flag and its network info.
func builtWith(t *testing.T, flag, what string, notInPlain ...string) (pbf, dir, path, info string) {
	t.Helper()
	pbf = shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	dir = t.TempDir()
	plain, path := filepath.Join(dir, "plain.rgraph"), filepath.Join(dir, strings.TrimPrefix(flag, "--")+".rgraph")
	if r := cli("--quiet", "network", "build", "--pbf", pbf, "--out", plain); r.err != nil {
		t.Fatal(r.err)
	}
	if r := cli("--quiet", "network", "build", "--pbf", pbf, flag, "--out", path); r.err != nil {
		t.Fatal(r.err)
	}
	r := cli("network", "info", plain)
	found := false
	for _, s := range notInPlain {
		found = found || strings.Contains(r.stdout, s)
	}
	if r.err != nil || found {
		t.Errorf("network info of a drive graph = %v, want no %s:\n%s", r.err, what, r.stdout)
	}
	r = cli("network", "info", path)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return pbf, dir, path, r.stdout
}

// refusedForWalk: network build --profile walk with flag is a usage error
// naming walk.
func refusedForWalk(t *testing.T, pbf, dir, flag string) {
	t.Helper()
	if r := cli("--quiet", "network", "build", "--pbf", pbf, "--profile", "walk", flag, "--out", filepath.Join(dir, "walk.rgraph")); r.err == nil || !strings.Contains(r.err.Error(), "walk") {
		t.Errorf("network build --profile walk %s = %v, want a usage error naming walk", flag, r.err)
	}
}

// TestCLINetworkBarriers builds Andorra with and without --barriers and
// checks that network info reports the barriers of the one built with them
// only, and that --barriers is refused for the walk profile.
func TestCLINetworkBarriers(t *testing.T) {
	pbf, dir, bar, info := builtWith(t, "--barriers", "barrier line", "barriers")
	m := regexp.MustCompile(`(?m)^barriers +(\d+) applied \((\d+) node copies\); skipped: (\d+) let through by tags \([^)]*\), (\d+) not on a routable way, (\d+) of a passable kind$`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("network info %s has no barriers line:\n%s", bar, info)
	}
	for i, what := range []string{"applied", "node copies", "let through", "not on a routable way", "passable kind"} {
		if n, _ := strconv.Atoi(m[i+1]); n == 0 {
			t.Errorf("network info: %d barriers %s, want some on Andorra (%s)", n, what, m[0])
		}
	}
	refusedForWalk(t, pbf, dir, "--barriers")
}
