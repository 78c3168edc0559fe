package reliability

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// badInput is one row of the bad-input table: a command line built in a
// fresh folder, the exit status it must end with and what its message must
// (and must not) say.
type badInput struct {
	name    string
	setup   func(t *testing.T, dir string) []string // the arguments
	status  int                                     // 1: error, 2: usage error
	want    []string
	notWant []string
	// keep: a path (under dir) whose content must not change.
	keep string
}

// write puts content into dir/name and returns the path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// studyWith writes a study of the sample's network and bases with the
// given extra YAML (population, standards…) and returns its path.
func studyWith(t *testing.T, dir, yaml string) string {
	t.Helper()
	if !strings.Contains(yaml, "population:") {
		yaml += "population:\n  buildings:\n    scale_to: 77543\n"
	}
	return write(t, dir, "study.yaml", fmt.Sprintf(`name: bad-input
network:
  pbf: %s
facilities:
  bases:
    - file: %s
      team_size: 30
units:
  osm_admin_level: 7
%s`, sample("andorra.osm.pbf"), sample("fire_stations.csv"), yaml))
}

// sourcesCSV is the sample's bases with one more row.
func sourcesCSV(t *testing.T, dir, row string) string {
	t.Helper()
	b, err := os.ReadFile(sample("fire_stations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return write(t, dir, "sources.csv", string(b)+row+"\n")
}

// graphFile builds the sample's graph once per test binary.
var graphPath string

func sampleGraph(t *testing.T) string {
	t.Helper()
	if graphPath != "" {
		return graphPath
	}
	dir, err := os.MkdirTemp("", "rescuegrid-reliability-graph-")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "andorra.rgraph")
	if b, err := exec.Command(bin, "-q", "network", "build", "--pbf", sample("andorra.osm.pbf"), "--out", p).CombinedOutput(); err != nil {
		t.Fatalf("network build: %v\n%s", err, b)
	}
	graphPath = p
	return p
}

func badInputs() []badInput {
	reach := func(t *testing.T, dir string, extra ...string) []string {
		return append([]string{"reach", "--graph", sampleGraph(t), "--sources", sample("fire_stations.csv"), "--out", filepath.Join(dir, "reach.csv")}, extra...)
	}
	reachSources := func(t *testing.T, dir, sources string) []string {
		return []string{"reach", "--graph", sampleGraph(t), "--sources", sources, "--out", filepath.Join(dir, "reach.csv")}
	}
	iso := func(t *testing.T, extra ...string) []string {
		return append([]string{"isochrone", "--graph", sampleGraph(t), "--lon", "1.5212", "--lat", "42.5063"}, extra...)
	}
	hugeID := strings.Repeat("x", 20<<10)
	return []badInput{
		// Outputs: never delete or damage what rescuegrid did not write.
		{name: "analyze onto a folder holding any summary.json", status: 1,
			setup: func(t *testing.T, dir string) []string {
				write(t, dir, "out/summary.json", "{}")
				write(t, dir, "out/thesis.tex", "years of work")
				return []string{"analyze", sample("study.yaml"), "--out", filepath.Join(dir, "out"), "--force"}
			},
			want: []string{"holds a summary.json but no rescuegrid-output.json", "nothing was changed"}, keep: "out/thesis.tex"},
		{name: "analyze --out ..", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return []string{"analyze", sample("study.yaml"), "--out", ".."}
			},
			want: []string{"output .. is not a folder name of its own", "nothing was changed"}},
		{name: "site onto an analyze output", status: 1,
			setup: func(t *testing.T, dir string) []string {
				write(t, dir, "out/a.csv", "x")
				write(t, dir, "out/rescuegrid-output.json", `{"tool":"rescuegrid","command":"analyze","study":"Andorra","files":["a.csv","rescuegrid-output.json"]}`)
				return []string{"site", sample("study.yaml"), "--add", "1", "--out", filepath.Join(dir, "out")}
			},
			want: []string{"holds the output of 'rescuegrid analyze' of study \"Andorra\", not of 'site'", "--force"}, keep: "out/a.csv"},
		{name: "reach --out a FIFO", status: 1,
			setup: func(t *testing.T, dir string) []string {
				if err := syscall.Mkfifo(filepath.Join(dir, "reach.csv"), 0o644); err != nil {
					t.Fatal(err)
				}
				return reach(t, dir)
			},
			want: []string{"is a FIFO"}},
		{name: "reach --out a symbolic link", status: 1,
			setup: func(t *testing.T, dir string) []string {
				target := write(t, dir, "precious.csv", "mine")
				if err := os.Symlink(target, filepath.Join(dir, "reach.csv")); err != nil {
					t.Fatal(err)
				}
				return reach(t, dir)
			},
			want: []string{"is a symbolic link"}, keep: "precious.csv"},
		{name: "report --out a device", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return []string{"report", sample("study.yaml"), "--out", "/dev/null"}
			},
			want: []string{"output /dev/null is a device"}},

		// Bounds.
		{name: "sources read from /dev/zero", status: 1,
			setup: func(t *testing.T, dir string) []string { return reachSources(t, dir, "/dev/zero") },
			want:  []string{"/dev/zero: line 1: not a text file (a NUL byte)"}},
		{name: "a graph read from /dev/zero", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return []string{"reach", "--graph", "/dev/zero", "--sources", sample("fire_stations.csv"), "--out", filepath.Join(dir, "reach.csv")}
			},
			want: []string{"--graph /dev/zero is a device: not a regular file"}},
		{name: "a line longer than 1 MiB", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return reachSources(t, dir, sourcesCSV(t, dir, "x,1.5,42.5,"+strings.Repeat("n", 2<<20)+",node,1,fire_station"))
			},
			want: []string{"sources.csv: line 7: over a limit: longer than 1048576 bytes, the limit of a line"}},
		{name: "a field longer than 64 KiB", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return reachSources(t, dir, sourcesCSV(t, dir, "x,1.5,42.5,"+strings.Repeat("n", 100<<10)+",node,1,fire_station"))
			},
			want: []string{"sources.csv:7", "field 4 is 102400 bytes, more than 65536, the limit of a field"}},
		{name: "a source id of 20 KiB", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return reachSources(t, dir, sourcesCSV(t, dir, hugeID+",1.5,42.5,,node,1,fire_station"))
			},
			want: []string{"sources.csv:7", "an id of 20480 bytes", "the limit of an id"}, notWant: []string{hugeID[:100]}},
		{name: "--workers 100000", status: 2,
			setup: func(t *testing.T, dir string) []string {
				return []string{"analyze", sample("study.yaml"), "--out", filepath.Join(dir, "o"), "--workers", "100000"}
			},
			want: []string{"--workers 100000: want 0 (all cores) to 256, the limit"}},
		{name: "isochrone --res 15", status: 1,
			setup: func(t *testing.T, dir string) []string { return iso(t, "--res", "15", "--minutes", "120") },
			want:  []string{"15 (isochrones: 0 to 12, the limit)"}},
		{name: "isochrone with 13 bands", status: 1,
			setup: func(t *testing.T, dir string) []string { return iso(t, "--minutes", "1,2,3,4,5,6,7,8,9,10,11,12,13") },
			want:  []string{"13 bands, more than the limit of 12"}},
		{name: "isochrone of 1000 minutes", status: 1,
			setup: func(t *testing.T, dir string) []string { return iso(t, "--minutes", "5,1000") },
			want:  []string{"1000 min is more than the limit of 240"}},
		{name: "study isochrone minutes over the limit", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return []string{"analyze", studyWith(t, dir, "standards:\n  isochrone_minutes: [5, 10, 100000]\n"), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"standards: isochrone_minutes = [5 10 100000]", "100000 min is more than the limit of 240"}},

		// No silent wrong answers.
		{name: "network.graph with speed_factor", status: 1,
			setup: func(t *testing.T, dir string) []string {
				b := strings.Replace(string(must(os.ReadFile(studyWith(t, dir, "")))), "  pbf: "+sample("andorra.osm.pbf"), "  graph: "+sampleGraph(t)+"\n  speed_factor: 0.8", 1)
				b = strings.Replace(b, "population:\n  buildings:\n    scale_to: 77543\n", "population:\n  h3: "+write(t, dir, "pop.csv", "h3,population\n89396220093ffff,100\n")+"\n", 1)
				b = strings.Replace(b, "units:\n  osm_admin_level: 7\n", "units:\n  file: "+sample("whole_country.geojson")+"\n", 1)
				return []string{"analyze", write(t, dir, "study.yaml", b), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"network.speed_factor: 0.8: applies when the graph is built from network.pbf"}},
		{name: "a walk graph used for driving", status: 1,
			setup: func(t *testing.T, dir string) []string {
				walk := filepath.Join(dir, "walk.rgraph")
				if b, err := exec.Command(bin, "-q", "network", "build", "--profile", "walk", "--pbf", sample("andorra.osm.pbf"), "--out", walk).CombinedOutput(); err != nil {
					t.Fatalf("network build: %v\n%s", err, b)
				}
				b := strings.Replace(string(must(os.ReadFile(studyWith(t, dir, "")))), "  pbf: "+sample("andorra.osm.pbf"), "  graph: "+walk, 1)
				b = strings.Replace(b, "population:\n  buildings:\n    scale_to: 77543\n", "population:\n  h3: "+write(t, dir, "pop.csv", "h3,population\n89396220093ffff,100\n")+"\n", 1)
				b = strings.Replace(b, "units:\n  osm_admin_level: 7\n", "units:\n  file: "+sample("whole_country.geojson")+"\n", 1)
				return []string{"analyze", write(t, dir, "study.yaml", b), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"was built with the walk profile: a rescue study drives"}},
		{name: "an empty study file", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return []string{"analyze", write(t, dir, "empty.yaml", "# nothing yet\n"), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"empty.yaml: the file is empty"}, notWant: []string{"EOF"}},
		{name: "resolution 9.5", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return []string{"analyze", studyWith(t, dir, "resolution: 9.5\n"), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"line 10: \"9.5\" is not a whole number"}},
		{name: "a team size of 2.5", status: 1,
			setup: func(t *testing.T, dir string) []string {
				b := strings.Replace(string(must(os.ReadFile(studyWith(t, dir, "")))), "team_size: 30", "team_size: 2.5", 1)
				return []string{"analyze", write(t, dir, "study.yaml", b), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"line 7: facilities.bases[0].team_size: \"2.5\" is not a whole number"}},
		{name: "a bad value under standards, at the line of the file", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return []string{"analyze", studyWith(t, dir, "standards:\n  rescue:\n    minutes: 15\n    turnout_seconds: soon\n"), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"standards:", "line 13: cannot unmarshal !!str `soon`"}},
		{name: "NaN in the study's YAML", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return []string{"analyze", studyWith(t, dir, "standards:\n  rescue:\n    turnout_seconds: .nan\n"), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"rescue.turnout_seconds = NaN: want a number >= 0"}},
		{name: "a GeoJSON point with one coordinate", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return reachSources(t, dir, write(t, dir, "one.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[1.5]}}]}`))
			},
			want: []string{"feature 1: Point: a position must be [lon, lat], got 1 number(s)"}},
		{name: "a unit polygon crossing the antimeridian", status: 1,
			setup: func(t *testing.T, dir string) []string {
				u := write(t, dir, "units.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"fiji","name":"Fiji"},"geometry":{"type":"Polygon","coordinates":[[[179.5,-17],[-179.5,-17],[-179.5,-16],[179.5,-16],[179.5,-17]]]}}]}`)
				b := strings.Replace(string(must(os.ReadFile(studyWith(t, dir, "")))), "units:\n  osm_admin_level: 7\n", "units:\n  file: "+u+"\n", 1)
				return []string{"analyze", write(t, dir, "study.yaml", b), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"units.geojson", "crosses the antimeridian (180°) between positions 1 [179.5 -17] and 2 [-179.5 -17]"}},
		{name: "NaN in a flag", status: 2,
			setup: func(t *testing.T, dir string) []string { return reach(t, dir, "--snap-distance", "NaN") },
			want:  []string{"--snap-distance NaN: want a finite number"}},
		{name: "Inf in a flag", status: 2,
			setup: func(t *testing.T, dir string) []string { return reach(t, dir, "--max-minutes", "Inf") },
			want:  []string{"--max-minutes"}},
		{name: "NaN in a CSV", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return reachSources(t, dir, sourcesCSV(t, dir, "x,NaN,42.5,,node,1,fire_station"))
			},
			want: []string{"sources.csv:7", "lon \"NaN\""}},
		{name: "Infinity in a CSV", status: 1,
			setup: func(t *testing.T, dir string) []string {
				return reachSources(t, dir, sourcesCSV(t, dir, "x,1.5,+Inf,,node,1,fire_station"))
			},
			want: []string{"sources.csv:7", "lat \"+Inf\""}},
		{name: "a population of 1e308", status: 1,
			setup: func(t *testing.T, dir string) []string {
				pop := write(t, dir, "pop.csv", "h3,population\n891f9a2a1a3ffff,1e308\n")
				return []string{"analyze", studyWith(t, dir, "population:\n  h3: "+pop+"\n"), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"pop.csv:2:", "got 1e+308, more than 1e+09, the limit of one row"}, notWant: []string{"+Inf"}},
		{name: "a population of NaN", status: 1,
			setup: func(t *testing.T, dir string) []string {
				pop := write(t, dir, "pop.csv", "h3,population\n891f9a2a1a3ffff,NaN\n")
				return []string{"analyze", studyWith(t, dir, "population:\n  h3: "+pop+"\n"), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"pop.csv:2:", "population must be a finite number >= 0: got NaN"}},
		{name: "a process's environment given as sources", status: 1,
			setup: func(t *testing.T, dir string) []string { return reachSources(t, dir, "/proc/self/environ") },
			want:  []string{"/proc/self/environ: line 1: not a text file"}, notWant: []string{"PATH=", "HOME="}},
		{name: "a population table that is not data: the header is cut", status: 1,
			setup: func(t *testing.T, dir string) []string {
				pop := write(t, dir, "pop.csv", strings.Repeat("SECRET_TOKEN=abcdef,", 200)+"\n1,2\n")
				return []string{"analyze", studyWith(t, dir, "population:\n  h3: "+pop+"\n"), "--out", filepath.Join(dir, "o")}
			},
			want: []string{"no cell column", "and 193 more"}, notWant: []string{strings.Repeat("SECRET_TOKEN=abcdef,", 10)}},
	}
}

// TestBadInputs runs the bad-input table through the real binary: each
// input ends with its exit status and its message, and changes nothing it
// was not asked to.
func TestBadInputs(t *testing.T) {
	for _, c := range badInputs() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			args := c.setup(t, dir)
			var keep []byte
			if c.keep != "" {
				var err error
				if keep, err = os.ReadFile(filepath.Join(dir, c.keep)); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(bin, append([]string{"-q"}, args...)...)
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != c.status {
				t.Fatalf("rescuegrid %s: %v, want exit status %d; stderr:\n%s", c.name, err, c.status, cut(stderr.String()))
			}
			msg := stderr.String()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("rescuegrid %s: stderr\n%s\nwant it to contain %q", c.name, cut(msg), w)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(msg, w) {
					t.Errorf("rescuegrid %s: stderr contains %q:\n%s", c.name, cut(w), cut(msg))
				}
			}
			if len(msg) > 2000 {
				t.Errorf("rescuegrid %s: a message of %d bytes, want a short one:\n%s", c.name, len(msg), cut(msg))
			}
			if c.keep != "" {
				if got, err := os.ReadFile(filepath.Join(dir, c.keep)); err != nil || !bytes.Equal(got, keep) {
					t.Errorf("rescuegrid %s: %s changed (%v)", c.name, c.keep, err)
				}
			}
		})
	}
	t.Logf("bad-input table: %d inputs, each refused with its message", len(badInputs()))
}

// cut shortens s for a test message.
func cut(s string) string {
	if len(s) > 600 {
		return s[:600] + fmt.Sprintf("… (%d bytes)", len(s))
	}
	return s
}
