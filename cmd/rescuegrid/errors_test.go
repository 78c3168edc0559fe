package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runErr(args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = run(context.Background(), args, &env{stdout: &o, stderr: &e})
	return o.String(), e.String(), err
}

func TestHelpForEveryCommand(t *testing.T) {
	out, _, err := runErr("help")
	if err != nil || !strings.Contains(out, "Commands:") {
		t.Fatalf("help = %v\n%s", err, out)
	}
	for _, c := range commands() {
		if c.name == "version" {
			continue
		}
		args := []string{c.name, "--help"}
		if c.name == "network" {
			args = []string{"network", "build", "--help"}
		}
		out, _, err := runErr(args...)
		if err != nil || !strings.Contains(out, "Example") || !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help = %v; want usage with an example:\n%s", c.name, err, out)
		}
	}
}

func TestCommandLineMistakes(t *testing.T) {
	g := cliAndorraGraph(t)
	for _, args := range [][]string{
		{},
		{"fly"},
		{"network", "build", "--pbf", "x.pbf"},
		{"network", "frobnicate"},
		{"reach", "--graph", g, "--sources", "s.csv", "--out", "o.csv", "--max-minutes", "-1"},
		{"reach", "--graph", g, "--sources", "s.csv", "--out", "o.csv", "extra"},
		{"reach", "--graph", g, "--sources", "s.csv", "--out", "o.csv", "--method", "fast"},
		{"isochrone", "--graph", g, "--lon", "1.5"},
		{"analyze", "study.yaml"},
		{"extract", "--pbf", "x.pbf", "--tag", "amenity", "--out", "o.csv"},
		{"analyze", "study.yaml", "--out", "o", "--critical-segments", "100000"},
		{"site", "study.yaml", "--out", "o", "--add", "0"},
		{"site", "study.yaml", "--out", "o", "--relocate", "-1"},
		{"site", "study.yaml", "--out", "o", "--relocate", "1", "--objective", "all"},
		{"site", "study.yaml", "--out", "o", "--team-size", "-5"},
	} {
		if _, _, err := runErr(args...); !errors.Is(err, errUsage) {
			t.Errorf("rescuegrid %v = %v, want a usage error", args, err)
		}
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	g := cliAndorraGraph(t)
	out := filepath.Join(dir, "out.rgraph")
	if _, _, err := runErr("--quiet", "network", "build", "--pbf", filepath.Join(dir, "missing.pbf"), "--out", out); err == nil || !strings.Contains(err.Error(), "missing.pbf") {
		t.Errorf("build from a missing PBF = %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed build left %s behind", out)
	}
	b, _ := os.ReadFile(g)
	corrupt := filepath.Join(dir, "corrupt.rgraph")
	b[len(b)/2] ^= 1
	os.WriteFile(corrupt, b, 0o644)
	if _, _, err := runErr("network", "info", corrupt); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("info on a corrupt graph = %v, want a checksum error", err)
	}
	trunc := filepath.Join(dir, "trunc.rgraph")
	os.WriteFile(trunc, b[:100], 0o644)
	if _, _, err := runErr("network", "info", trunc); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("info on a truncated graph = %v", err)
	}

	src := filepath.Join(dir, "sources.csv")
	os.WriteFile(src, []byte("id,lon,lat\nmassana,1.5199,42.5458\nbad,1.5,north\n"), 0o644)
	reachOut := filepath.Join(dir, "reach.csv")
	if _, _, err := runErr("--quiet", "reach", "--graph", g, "--sources", src, "--out", reachOut); err == nil || !strings.Contains(err.Error(), "sources.csv:3") {
		t.Errorf("reach with a bad row = %v, want sources.csv:3", err)
	}
	if _, err := os.Stat(reachOut); !os.IsNotExist(err) {
		t.Error("a failed reach left its output behind")
	}
	// One source 50 km away: a warning, and the others still count.
	os.WriteFile(src, []byte("id,lon,lat\nmassana,1.5199,42.5458\nfar,2.2,42.9\n"), 0o644)
	_, stderr, err := runErr("reach", "--graph", g, "--sources", src, "--out", reachOut)
	if err != nil || !strings.Contains(stderr, "warning:") || !strings.Contains(stderr, `"far"`) || !strings.Contains(stderr, "1 of 2 sources") {
		t.Errorf("reach with a far source = %v, stderr:\n%s", err, stderr)
	}
	os.WriteFile(src, []byte("id,lon,lat\nfar,2.2,42.9\n"), 0o644)
	if _, _, err := runErr("--quiet", "reach", "--graph", g, "--sources", src, "--out", reachOut); err == nil || !strings.Contains(err.Error(), "none of the 1 sources") {
		t.Errorf("reach with no placeable source = %v", err)
	}
	os.WriteFile(src, []byte("id,lon,lat\na,1.5199,42.5458\na,1.52,42.5\n"), 0o644)
	if _, _, err := runErr("--quiet", "reach", "--graph", g, "--sources", src, "--out", reachOut); err == nil || !strings.Contains(err.Error(), "duplicate id") {
		t.Errorf("reach with duplicate ids = %v", err)
	}
}

// TestStoppedWhere: the signal message names where the command was when the
// error says more than that the context was cancelled.
func TestStoppedWhere(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"bare", context.Canceled, ""},
		{"wrapped", fmt.Errorf("build graph from m.pbf: %w", fmt.Errorf("graph: contraction stopped after 256 of 900 core nodes: %w", context.Canceled)),
			" (build graph from m.pbf: graph: contraction stopped after 256 of 900 core nodes)"},
		{"write", fmt.Errorf("write out.csv: %w", context.Canceled), " (write out.csv)"},
	}
	for _, c := range cases {
		if got := stoppedWhere(c.err); got != c.want {
			t.Errorf("%s: stoppedWhere(%q) = %q, want %q", c.name, c.err, got, c.want)
		}
	}
}
