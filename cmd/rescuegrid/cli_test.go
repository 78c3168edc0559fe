package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/facility"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// cliResult is what one run of the command line gave.
type cliResult struct {
	stdout, stderr string
	err            error
}

// cli runs the command line with args, as main does, into buffers.
func cli(args ...string) cliResult {
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &env{stdout: &out, stderr: &errb})
	return cliResult{out.String(), errb.String(), err}
}

// cliGraph is the Andorra drive graph, built once per test binary by
// `network build` into a folder of its own (t.TempDir is per test).
var cliGraph struct {
	once sync.Once
	path string
	err  error
}

func cliAndorraGraph(tb testing.TB) string {
	tb.Helper()
	pbf := shared.Path(tb, "data", "andorra", "andorra.osm.pbf")
	cliGraph.once.Do(func() {
		dir, err := os.MkdirTemp("", "rescuegrid-cli-test-")
		if err != nil {
			cliGraph.err = err
			return
		}
		cliGraph.path = filepath.Join(dir, "andorra.rgraph")
		r := cli("--quiet", "network", "build", "--pbf", pbf, "--out", cliGraph.path)
		if r.err != nil {
			cliGraph.err = errors.New(r.err.Error() + "\n" + r.stderr)
		}
	})
	if cliGraph.err != nil {
		tb.Fatalf("network build of Andorra: %v", cliGraph.err)
	}
	return cliGraph.path
}

func writeTestFile(tb testing.TB, dir, name, body string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func assertNoFile(tb testing.TB, path string) {
	tb.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		tb.Errorf("%s exists after a failed run (Stat: %v)", path, err)
	}
}

// assertDirHolds fails tb unless dir holds exactly names: no temporary files.
func assertDirHolds(tb testing.TB, dir string, names ...string) {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		tb.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

func TestCLIHelp(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		mention []string
	}{
		{"help", []string{"help"}, []string{"Usage:", "Commands:", "Example", "network build", "--quiet"}},
		{"--help", []string{"--help"}, []string{"Usage:", "Commands:", "Example"}},
		{"-h", []string{"-h"}, []string{"Usage:", "Commands:", "Example"}},
		{"help reach", []string{"help", "reach"}, []string{"Usage:", "Example", "rescuegrid reach --graph"}},
		{"analyze --help", []string{"analyze", "--help"}, []string{"Usage:", "Example", "--out"}},
		{"network --help", []string{"network", "--help"}, []string{"Usage:", "network build", "network info"}},
		{"network build --help", []string{"network", "build", "--help"}, []string{"Usage:", "Example", "-pbf", "-profile"}},
		{"network info --help", []string{"network", "info", "--help"}, []string{"Usage:", "Example", "-json"}},
		{"reach --help", []string{"reach", "--help"}, []string{"Usage:", "Example", "-max-minutes", "-sources"}},
		{"reach -h", []string{"reach", "-h"}, []string{"Usage:", "Example"}},
		{"serve --help", []string{"serve", "--help"}, []string{"Usage:", "Example", "-addr"}},
		{"isochrone --help", []string{"isochrone", "--help"}, []string{"Usage:", "Example", "-minutes"}},
		{"extract --help", []string{"extract", "--help"}, []string{"Usage:", "Example", "-tag"}},
		{"--help after flags", []string{"reach", "--graph", "g.rgraph", "--help"}, []string{"Usage:", "Example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli(tt.args...)
			if r.err != nil {
				t.Fatalf("rescuegrid %s = %v, want nil", strings.Join(tt.args, " "), r.err)
			}
			for _, m := range tt.mention {
				if !strings.Contains(r.stdout, m) {
					t.Errorf("rescuegrid %s printed no %q:\n%s", strings.Join(tt.args, " "), m, r.stdout)
				}
			}
			if n := strings.Count(r.stdout, "Usage:"); n != 1 {
				t.Errorf("rescuegrid %s printed its usage %d times, want once:\n%s", strings.Join(tt.args, " "), n, r.stdout)
			}
		})
	}
	// Every command has a help text with an example (network's are on its
	// subcommands); version has no flags and prints the version.
	for _, c := range commands() {
		args := []string{c.name, "--help"}
		switch c.name {
		case "version":
			if r := cli("version"); r.err != nil || !strings.HasPrefix(r.stdout, "rescuegrid ") {
				t.Errorf("rescuegrid version = %q, %v", r.stdout, r.err)
			}
			continue
		case "network":
			args = []string{"network", "build", "--help"}
		}
		if r := cli(args...); r.err != nil || !strings.Contains(r.stdout, "Example") || strings.Count(r.stdout, "Example") != 1 {
			t.Errorf("rescuegrid %s = %v, want a usage with an example, printed once:\n%s", strings.Join(args, " "), r.err, r.stdout)
		}
	}
}

func TestCLIUsageErrors(t *testing.T) {
	g := cliAndorraGraph(t)
	dir := t.TempDir()
	pbf := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	src := writeTestFile(t, dir, "sources.csv", "id,lon,lat\nmassana,1.5199,42.5458\n")
	study := writeTestFile(t, dir, "study.yaml", "name: x\n")
	out := filepath.Join(dir, "out.csv")
	reach := func(extra ...string) []string {
		return append([]string{"reach", "--graph", g, "--sources", src, "--out", out}, extra...)
	}
	tests := []struct {
		name    string
		args    []string
		mention string
	}{
		{"no command", nil, "no command"},
		{"unknown command", []string{"fly"}, `"fly"`},
		{"unknown global flag", []string{"--loud", "reach"}, "--loud"},
		{"network without a subcommand", []string{"network"}, "build or info"},
		{"network unknown subcommand", []string{"network", "frobnicate"}, "frobnicate"},
		{"network build without --out", []string{"network", "build", "--pbf", pbf}, "--out"},
		{"network build without --pbf", []string{"network", "build", "--out", filepath.Join(dir, "g.rgraph")}, "--pbf"},
		{"network build, an extra argument", []string{"network", "build", "--pbf", pbf, "--out", filepath.Join(dir, "g.rgraph"), "drive"}, `"drive"`},
		{"network build, negative speed factor", []string{"network", "build", "--pbf", pbf, "--out", filepath.Join(dir, "g.rgraph"), "--speed-factor", "-1"}, "--speed-factor"},
		{"network build, walk speed for drive", []string{"network", "build", "--pbf", pbf, "--out", filepath.Join(dir, "g.rgraph"), "--walk-kph", "4"}, "--walk-kph"},
		{"network build, unknown flag", []string{"network", "build", "--pbf", pbf, "--out", filepath.Join(dir, "g.rgraph"), "--fast"}, "-fast"},
		{"network info without a file", []string{"network", "info"}, "one graph file"},
		{"network info with two files", []string{"network", "info", g, g}, "one graph file"},
		{"reach without --graph", []string{"reach", "--sources", src, "--out", out}, "--graph"},
		{"reach without --sources", []string{"reach", "--graph", g, "--out", out}, "--sources"},
		{"reach without --out", []string{"reach", "--graph", g, "--sources", src}, "--out"},
		{"reach --max-minutes -1", reach("--max-minutes", "-1"), "--max-minutes -1"},
		{"reach --max-minutes NaN", reach("--max-minutes", "NaN"), "--max-minutes"},
		{"reach --max-minutes +Inf", reach("--max-minutes", "+Inf"), "--max-minutes"},
		{"reach --max-minutes fifteen", reach("--max-minutes", "fifteen"), "max-minutes"},
		{"reach --snap-distance 0", reach("--snap-distance", "0"), "--snap-distance"},
		{"reach, an extra argument", reach("extra"), `"extra"`},
		{"reach, an unknown flag", reach("--minutes", "15"), "-minutes"},
		{"isochrone without --lat", []string{"isochrone", "--graph", g, "--lon", "1.52"}, "--lat"},
		{"isochrone, bad --minutes", []string{"isochrone", "--graph", g, "--lon", "1.52", "--lat", "42.55", "--minutes", "5,ten"}, "ten"},
		{"isochrone, an extra argument", []string{"isochrone", "--graph", g, "--lon", "1.52", "--lat", "42.55", "here"}, `"here"`},
		{"extract without --tag", []string{"extract", "--pbf", pbf, "--out", out}, "--tag"},
		{"extract, an extra argument", []string{"extract", "--pbf", pbf, "--tag", "amenity=fire_station", "--out", out, "more"}, `"more"`},
		{"analyze without --out", []string{"analyze", study}, "--out"},
		{"analyze without a study", []string{"analyze", "--out", dir}, "study"},
		{"serve, bad --tile-cache-mb", []string{"serve", study, "--tile-cache-mb", "-1"}, "tile-cache-mb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli(tt.args...)
			if !errors.Is(r.err, errUsage) {
				t.Fatalf("rescuegrid %s = %v, want a usage error", strings.Join(tt.args, " "), r.err)
			}
			if !strings.Contains(r.err.Error(), tt.mention) {
				t.Errorf("rescuegrid %s = %q, want it to mention %q", strings.Join(tt.args, " "), r.err, tt.mention)
			}
		})
	}
	assertNoFile(t, out)
}

func TestCLINetworkBuildFailures(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "andorra.rgraph")
	missing := filepath.Join(dir, "missing.osm.pbf")

	r := cli("--quiet", "network", "build", "--pbf", missing, "--out", out)
	if r.err == nil || errors.Is(r.err, errUsage) || !strings.Contains(r.err.Error(), missing) {
		t.Errorf("network build --pbf %s = %v, want an error naming the file", missing, r.err)
	}
	assertNoFile(t, out)

	notes := writeTestFile(t, dir, "notes.osm.pbf", "not a map\n")
	r = cli("--quiet", "network", "build", "--pbf", notes, "--out", out)
	if r.err == nil || !strings.Contains(r.err.Error(), "notes.osm.pbf") || !strings.Contains(r.err.Error(), "not an OSM") {
		t.Errorf("network build --pbf %s = %v, want an error saying the file is not OSM", notes, r.err)
	}
	assertNoFile(t, out)
	assertDirHolds(t, dir, "notes.osm.pbf")

	// A failed build leaves an earlier graph file as it was.
	old := writeTestFile(t, dir, "andorra.rgraph", "an earlier graph")
	if r := cli("--quiet", "network", "build", "--pbf", missing, "--out", old); r.err == nil {
		t.Fatal("network build from a missing file succeeded")
	}
	if b, err := os.ReadFile(old); err != nil || string(b) != "an earlier graph" {
		t.Errorf("after a failed build %s holds %q (%v), want the earlier content", old, b, err)
	}
	assertDirHolds(t, dir, "andorra.rgraph", "notes.osm.pbf")

	into := filepath.Join(dir, "no", "such", "folder", "g.rgraph")
	r = cli("--quiet", "network", "build", "--pbf", shared.Path(t, "data", "andorra", "andorra.osm.pbf"), "--out", into)
	if r.err == nil || !strings.Contains(r.err.Error(), filepath.Dir(into)) {
		t.Errorf("network build --out %s = %v, want an error naming the missing folder", into, r.err)
	}
	assertDirHolds(t, dir, "andorra.rgraph", "notes.osm.pbf")
}

func TestCLINetworkInfo(t *testing.T) {
	g := cliAndorraGraph(t)
	r := cli("network", "info", g, "--json")
	if r.err != nil {
		t.Fatalf("network info %s --json = %v", g, r.err)
	}
	var info struct {
		Nodes, Edges int
		Profile      string
		Hierarchy    struct {
			CoreNodes int `json:"core_nodes"`
			UpEdges   int `json:"up_edges"`
			DownEdges int `json:"down_edges"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || info.Nodes < 1000 || info.Edges < info.Nodes || info.Profile != "drive" {
		t.Errorf("network info --json = %+v (%v), want the Andorra drive graph:\n%s", info, err, r.stdout)
	}
	if h := info.Hierarchy; h.CoreNodes < 1 || h.CoreNodes >= info.Nodes || h.UpEdges < h.CoreNodes/2 || h.DownEdges < h.CoreNodes/2 {
		t.Errorf("network info --json hierarchy = %+v, want the built graph's contraction hierarchy", h)
	}

	good, err := os.ReadFile(g)
	if err != nil {
		t.Fatal(err)
	}
	pbf, err := os.ReadFile(shared.Path(t, "data", "andorra", "andorra.osm.pbf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x01
	v1 := bytes.Clone(good)
	binary.LittleEndian.PutUint32(v1[8:], 1)
	tests := []struct {
		name, file string
		body       []byte
		mention    []string
	}{
		{"flipped byte", "flipped.rgraph", flipped, []string{"flipped.rgraph", "checksum"}},
		{"truncated", "half.rgraph", good[:len(good)/2], []string{"half.rgraph", "truncated"}},
		{"header only", "header.rgraph", good[:72], []string{"header.rgraph", "truncated"}},
		{"empty", "empty.rgraph", nil, []string{"empty.rgraph", "not a rescuegrid graph"}},
		{"a pbf", "andorra.rgraph", pbf[:4096], []string{"andorra.rgraph", "not a rescuegrid graph"}},
		{"version 1", "v1.rgraph", v1, []string{"v1.rgraph", "version 1", "predates the contraction hierarchy", "network build"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTestFile(t, dir, tt.file, string(tt.body))
			r := cli("network", "info", path)
			if r.err == nil {
				t.Fatalf("network info %s = nil error:\n%s", tt.file, r.stdout)
			}
			for _, m := range tt.mention {
				if !strings.Contains(r.err.Error(), m) {
					t.Errorf("network info %s = %q, want it to mention %q", tt.file, r.err, m)
				}
			}
		})
	}
	missing := filepath.Join(dir, "missing.rgraph")
	if r := cli("network", "info", missing); r.err == nil || !strings.Contains(r.err.Error(), missing) {
		t.Errorf("network info %s = %v, want an error naming the file", missing, r.err)
	}
}

// reachRows reads a reach output: osm_id -> (seconds, source id).
func reachRows(tb testing.TB, path string) map[int64]struct {
	seconds float64
	source  string
} {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != "osm_id,seconds,source_id" {
		tb.Fatalf("%s has header %q, want osm_id,seconds,source_id", path, recs)
	}
	out := map[int64]struct {
		seconds float64
		source  string
	}{}
	for _, r := range recs[1:] {
		id, err1 := strconv.ParseInt(r[0], 10, 64)
		s, err2 := strconv.ParseFloat(r[1], 64)
		if err1 != nil || err2 != nil {
			tb.Fatalf("%s: bad row %q", path, r)
		}
		out[id] = struct {
			seconds float64
			source  string
		}{s, r[2]}
	}
	return out
}

func TestCLIReachSources(t *testing.T) {
	g := cliAndorraGraph(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "reach.csv")

	t.Run("a bad row", func(t *testing.T) {
		src := writeTestFile(t, dir, "bad-row.csv", "id,lon,lat\nmassana,1.5199,42.5458\nbad,1.5,north\n")
		r := cli("--quiet", "reach", "--graph", g, "--sources", src, "--out", out)
		var pe *facility.ParseError
		if !errors.As(r.err, &pe) || pe.Line != 3 || !strings.Contains(r.err.Error(), src+":3") || !strings.Contains(r.err.Error(), "lat") {
			t.Errorf("reach with a bad row = %v, want a parse error at %s:3 about lat", r.err, src)
		}
		assertNoFile(t, out)
	})

	t.Run("a bad feature", func(t *testing.T) {
		src := writeTestFile(t, dir, "bad.geojson", `{"type":"FeatureCollection","features":[`+
			`{"type":"Feature","properties":{"id":"massana"},"geometry":{"type":"Point","coordinates":[1.5199,42.5458]}},`+
			`{"type":"Feature","properties":{"id":"road"},"geometry":{"type":"LineString","coordinates":[[1.5,42.5],[1.6,42.6]]}}]}`)
		r := cli("--quiet", "reach", "--graph", g, "--sources", src, "--out", out)
		if r.err == nil || !strings.Contains(r.err.Error(), "bad.geojson: feature 2") {
			t.Errorf("reach with a LineString source = %v, want an error at feature 2", r.err)
		}
		assertNoFile(t, out)
	})

	t.Run("one source far away", func(t *testing.T) {
		// "far" lies 50 km north of La Massana, in France, beyond any road
		// of the Andorra graph; warnings print even with --quiet.
		src := writeTestFile(t, dir, "far.csv", "id,lon,lat\nmassana,1.5199,42.5458\nfar,1.5199,42.9955\n")
		r := cli("--quiet", "reach", "--graph", g, "--sources", src, "--max-minutes", "10", "--out", out)
		if r.err != nil {
			t.Fatalf("reach with one far source = %v\n%s", r.err, r.stderr)
		}
		if !strings.Contains(r.stderr, "warning:") || !strings.Contains(r.stderr, `"far"`) || !strings.Contains(r.stderr, src+":3") {
			t.Errorf("reach with one far source printed no warning naming it and its line:\n%s", r.stderr)
		}
		if strings.Contains(r.stderr, "massana") {
			t.Errorf("reach warned about the source that can be placed:\n%s", r.stderr)
		}
		rows := reachRows(t, out)
		if len(rows) < 100 {
			t.Fatalf("reach from massana reached %d nodes within 10 min, want many", len(rows))
		}
		zero := 0
		for id, row := range rows {
			if row.source != "massana" {
				t.Fatalf("node %d reached from %q, want massana (the only placed source)", id, row.source)
			}
			if row.seconds < 0 || row.seconds > 600 {
				t.Fatalf("node %d reached in %v s, want 0..600", id, row.seconds)
			}
			if row.seconds < 30 {
				zero++
			}
		}
		if zero == 0 {
			t.Error("no node within 30 s of massana: the source was not used where it is")
		}
	})

	t.Run("a pinned node not in the graph", func(t *testing.T) {
		src := writeTestFile(t, dir, "pinned.csv", "id,lon,lat,osm_node_id\nmassana,1.5199,42.5458,\nghost,1.52,42.55,1\n")
		r := cli("reach", "--graph", g, "--sources", src, "--max-minutes", "5", "--out", out)
		if r.err != nil {
			t.Fatalf("reach with a pin to a missing node = %v", r.err)
		}
		if !strings.Contains(r.stderr, "warning:") || !strings.Contains(r.stderr, `"ghost"`) || !strings.Contains(r.stderr, "1 of 2 sources") {
			t.Errorf("reach with a pin to a missing node: stderr\n%s\nwant a warning naming ghost and 1 of 2 sources used", r.stderr)
		}
	})

	t.Run("no source can be placed", func(t *testing.T) {
		if err := os.Remove(out); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		src := writeTestFile(t, dir, "all-far.csv", "id,lon,lat\nfar,1.5199,42.9955\nsea,3.5,42.0\n")
		r := cli("--quiet", "reach", "--graph", g, "--sources", src, "--out", out)
		if r.err == nil || !strings.Contains(r.err.Error(), "none of the 2 sources") || !strings.Contains(r.err.Error(), src) {
			t.Errorf("reach with no placeable source = %v, want an error saying none of the 2 sources in %s", r.err, src)
		}
		if !strings.Contains(r.stderr, `"far"`) || !strings.Contains(r.stderr, `"sea"`) {
			t.Errorf("reach with no placeable source warned about neither source:\n%s", r.stderr)
		}
		assertNoFile(t, out)
	})
}

// TestQuietAnywhere: --quiet (or -q) works before the command, among its
// flags and after its arguments, and silences the summary.
func TestQuietAnywhere(t *testing.T) {
	sample := filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")
	loud := cli("analyze", sample, "--out", filepath.Join(t.TempDir(), "loud"))
	if loud.err != nil || !strings.Contains(loud.stdout, "wrote") {
		t.Fatalf("analyze: %v, stdout %q", loud.err, loud.stdout)
	}
	for i, args := range [][]string{
		{"--quiet", "analyze", sample, "--out"},
		{"analyze", "--quiet", sample, "--out"},
		{"analyze", sample, "-q", "--out"},
	} {
		r := cli(append(args, filepath.Join(t.TempDir(), fmt.Sprint(i)))...)
		if r.err != nil || r.stdout != "" {
			t.Errorf("%q: err %v, stdout %q (want silent)", args, r.err, r.stdout)
		}
	}
}
