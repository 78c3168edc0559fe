package reliability

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
)

// killAt runs the binary with args, stopping it at the n-th point of its
// writes (RESCUEGRID_KILLTRIAL=n) and killing it there with SIGKILL. It
// returns the point's name and the process id, or point "" and the run's
// error when the run ended before its n-th point.
func killAt(t *testing.T, n string, env []string, args ...string) (point string, pid int, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(append(os.Environ(), "RESCUEGRID_KILLTRIAL="+n), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	paused := make(chan string, 1)
	var tail bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "killtrial: paused at "); ok {
				paused <- p
				return
			}
			fmt.Fprintln(&tail, sc.Text())
		}
		close(paused)
	}()
	p, ok := <-paused
	if !ok {
		err := cmd.Wait()
		if err != nil {
			err = fmt.Errorf("%w: %s", err, tail.String())
		}
		return "", cmd.Process.Pid, err
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL, as kill -9
		t.Fatal(err)
	}
	cmd.Wait()
	return p, cmd.Process.Pid, nil
}

// outputState says what is under the asked name of a folder output: "old"
// (a complete output with the manifest prev), "new" (another complete
// output), or a description of what is wrong.
func outputState(t *testing.T, dir string, prev []byte) (state string, manifest []byte) {
	t.Helper()
	m, err := outdir.ReadManifest(dir)
	if err != nil {
		return fmt.Sprintf("no complete output (%v)", err), nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err.Error(), nil
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, m.Files) {
		return fmt.Sprintf("files %v, manifest lists %v", names, m.Files), nil
	}
	if m.Command == "analyze" {
		var sum map[string]any
		b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
		if err != nil || json.Unmarshal(b, &sum) != nil {
			return "summary.json unreadable", nil
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, outdir.ManifestFile))
	if bytes.Equal(b, prev) {
		return "old", b
	}
	return "new", b
}

// hiddenOf lists the names beside path other than path, and says whether
// they all belong to process pid.
func hiddenOf(t *testing.T, path string, pid int) (names []string, onlyPID bool) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	onlyPID = true
	for _, e := range entries {
		if e.Name() == filepath.Base(path) {
			continue
		}
		names = append(names, e.Name())
		if !strings.Contains(e.Name(), fmt.Sprintf(".rg-%d-", pid)) {
			onlyPID = false
		}
	}
	return names, onlyPID
}

// TestKillAnalyzeAtEveryPoint replaces an analyze output and kills the
// binary (SIGKILL) at every point of the replacement in turn. After each
// kill the asked name holds the complete old or the complete new result;
// the next run has removed what the killed one left before it writes; the
// last run leaves the output alone in its folder. With -full it runs again
// with the two-rename fallback (no RENAME_EXCHANGE), where a kill between
// the renames leaves the old result hidden until the next run puts it back.
// Without -full it kills at three points: files written, before the swap
// and after it.
func TestKillAnalyzeAtEveryPoint(t *testing.T) {
	modes := []bool{false}
	if *full {
		modes = append(modes, true)
	}
	for _, fallback := range modes {
		t.Run(fmt.Sprintf("fallback=%t", fallback), func(t *testing.T) {
			var env []string
			if fallback {
				env = append(env, "RESCUEGRID_KILLTRIAL_NOEXCHANGE=1")
			}
			out := filepath.Join(t.TempDir(), "andorra")
			args := []string{"-q", "analyze", sample("study.yaml"), "--out", out}
			if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("analyze: %v\n%s", err, b)
			}
			_, prev := outputState(t, out, nil)
			killed, sawOld, sawNew, hiddenOld := 0, 0, 0, 0
			prevPID := 0
			fast := []string{"step:files-written", "step:swap", "step:swapped", "none"}
			for n := 1; ; n++ {
				if n > 40 {
					t.Fatal("more than 40 points in one write: the trial does not end")
				}
				at := strconv.Itoa(n)
				if !*full {
					at = fast[n-1]
				}
				point, pid, err := killAt(t, at, env, args...)
				if point == "" {
					if err != nil {
						t.Fatalf("the run after %d kills: %v", killed, err)
					}
					if st, _ := outputState(t, out, prev); st != "new" {
						t.Errorf("after the last run: %s, want a complete new output", st)
					}
					if names, _ := hiddenOf(t, out, pid); len(names) > 0 {
						t.Errorf("after the last run, beside the output: %v", names)
					}
					break
				}
				killed++
				st, m := outputState(t, out, prev)
				switch {
				case st == "old":
					sawOld++
				case st == "new":
					sawNew++
					prev = m
				case fallback && strings.HasPrefix(st, "no complete output"):
					// The documented window of the fallback, between its
					// two renames: the old result is under the hidden -old
					// name.
					hiddenOld++
					old := filepath.Join(filepath.Dir(out), fmt.Sprintf(".%s.rg-%d-old", filepath.Base(out), pid))
					if st, _ := outputState(t, old, prev); st != "old" {
						t.Errorf("killed at %s: the asked name is missing and the hidden old result is %s", point, st)
					}
				default:
					t.Fatalf("killed at %s: %s", point, st)
				}
				if names, only := hiddenOf(t, out, pid); !only {
					t.Errorf("killed at %s: beside the output %v: what the run killed before (pid %d) was not cleaned up", point, names, prevPID)
				}
				prevPID = pid
			}
			t.Logf("analyze, fallback %t: killed at %d points, then one complete run: old result visible after %d kills, new after %d, old hidden (fallback window) after %d", fallback, killed, sawOld, sawNew, hiddenOld)
			if *full && killed < 8 {
				t.Errorf("killed at %d points, want at least 8 (the writer's points changed?)", killed)
			}
		})
	}
}

// TestKillNetworkBuildAtEveryPoint: the same for a single output file (a
// graph file): after a kill the file is the complete old or the complete
// new graph, and the next run removes the temporary file. -full only.
func TestKillNetworkBuildAtEveryPoint(t *testing.T) {
	if !*full {
		t.Skip("-full only")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "andorra.rgraph")
	old := []byte("an old graph file, to tell it apart")
	if err := os.WriteFile(out, old, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-q", "network", "build", "--pbf", sample("andorra.osm.pbf"), "--out", out}
	b, err := exec.Command(bin, "-q", "network", "build", "--pbf", sample("andorra.osm.pbf"), "--out", filepath.Join(dir, "ref.rgraph")).CombinedOutput()
	if err != nil {
		t.Fatalf("network build: %v\n%s", err, b)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "ref.rgraph"))
	os.Remove(filepath.Join(dir, "ref.rgraph"))
	killed := 0
	for n := 1; ; n++ {
		if n > 20 {
			t.Fatal("more than 20 points in one file write")
		}
		point, pid, err := killAt(t, strconv.Itoa(n), nil, args...)
		if point == "" {
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(out); !completeGraph(got, want) {
				t.Errorf("after the last run: %d bytes, not a complete graph of %d bytes", len(got), len(want))
			}
			if names, _ := hiddenOf(t, out, pid); len(names) > 0 {
				t.Errorf("after the last run, beside the output: %v", names)
			}
			break
		}
		killed++
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, old) && !completeGraph(got, want) {
			t.Fatalf("killed at %s: %s holds %d bytes, neither the old file nor the complete graph", point, out, len(got))
		}
		if names, only := hiddenOf(t, out, pid); !only {
			t.Errorf("killed at %s: beside the output %v", point, names)
		}
	}
	t.Logf("network build: killed at %d points of a file write", killed)
	if killed < 5 {
		t.Errorf("killed at %d points, want at least 5", killed)
	}
}

// completeGraph says whether b is a graph file that decodes, as long as
// want (the build records its time, so the bytes differ between runs).
func completeGraph(b, want []byte) bool {
	if len(b) != len(want) {
		return false
	}
	_, err := graph.Decode(b)
	return err == nil
}
