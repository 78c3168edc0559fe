package reliability

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangLimit is how long a signalled command may take to exit before the
// test calls it a hang (a hang check, not a performance bound).
const hangLimit = 60 * time.Second

// TestSignalStopsCommands sends SIGINT or SIGTERM to the real binary while
// it reads and computes a study (Malta, from the shared data) and while it
// writes its output (paused at points of the writer): the command exits
// with status 130 and a message, the asked name keeps what it held, and no
// temporary file is left.
func TestSignalStopsCommands(t *testing.T) {
	malta := filepath.Join(repo, "bench", "studies", "malta.yaml")
	cases := []struct {
		name  string
		study string
		sig   syscall.Signal
		after time.Duration // send after this long; 0: at the write point
		point string
	}{
		{"SIGINT while reading Malta", malta, syscall.SIGINT, 300 * time.Millisecond, ""},
		{"SIGTERM while computing Malta", malta, syscall.SIGTERM, 2 * time.Second, ""},
		{"SIGINT with the files written", sample("study.yaml"), syscall.SIGINT, 0, "step:files-written"},
		{"SIGTERM before the swap", sample("study.yaml"), syscall.SIGTERM, 0, "step:swap"},
		{"SIGTERM while writing a file", sample("study.yaml"), syscall.SIGTERM, 0, "step:file-created"},
	}
	// malta.yaml names its inputs as ${RESCUEGRID_SHARED}/...: Export sets
	// the variable (inherited by the command) when only ../shared is there.
	if _, err := os.Stat(filepath.Join(shared.Export(t), "data", "malta")); err != nil {
		t.Logf("no Malta data in the shared folder (%v): the Malta cases are skipped", err)
		cases = cases[2:]
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			args := []string{"-q", "analyze", c.study, "--out", out}
			if c.point == "step:file-created" {
				out = filepath.Join(dir, "report.html")
				args = []string{"-q", "report", c.study, "--out", out}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = os.Environ()
			if c.point != "" {
				cmd.Env = append(cmd.Env, "RESCUEGRID_KILLTRIAL="+c.point, "RESCUEGRID_KILLTRIAL_SIGNAL=1")
			}
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			var msgs []string
			if c.point != "" {
				for l := range lines {
					msgs = append(msgs, l)
					if strings.HasPrefix(l, "killtrial: paused at") {
						break
					}
				}
			} else {
				time.Sleep(c.after)
			}
			sent := time.Now()
			if err := cmd.Process.Signal(c.sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				for l := range lines {
					msgs = append(msgs, l)
				}
				done <- cmd.Wait()
			}()
			select {
			case err = <-done:
			case <-time.After(hangLimit):
				cmd.Process.Kill()
				t.Fatalf("%s: still running %v after the signal", c.name, hangLimit)
			}
			took := time.Since(sent)
			var ee *exec.ExitError
			switch {
			case err == nil:
				t.Logf("%s: the command ended normally before the signal reached it", c.name)
			case errors.As(err, &ee) && ee.ExitCode() == 130:
				if !strings.Contains(strings.Join(msgs, "\n"), "stopped by a signal") {
					t.Errorf("%s: exit 130 but stderr %q does not say it stopped on a signal", c.name, msgs)
				}
				if _, err := os.Lstat(out); err == nil {
					t.Errorf("%s: stopped, yet %s exists", c.name, out)
				}
			default:
				t.Fatalf("%s: %v, want exit status 130; stderr %q", c.name, err, msgs)
			}
			if names, _ := hiddenOf(t, out, -1); len(names) > 0 {
				t.Errorf("%s: left %v beside the output", c.name, names)
			}
			t.Logf("%s: exited %v after the signal", c.name, took.Round(time.Millisecond))
		})
	}
}

// TestSignalStopsNetworkBuild sends SIGTERM to the real binary while it
// contracts Malta's road graph (after it says it has started the
// contraction, before it ends: the contraction takes about a second there):
// the command exits with status 130 and says it was stopped, the graph file
// the user already had keeps its bytes, and nothing is left beside it (the
// temporary node index goes in the output's folder by default).
func TestSignalStopsNetworkBuild(t *testing.T) {
	pbf := filepath.Join(shared.Dir(t), "data", "malta", "malta-latest.osm.pbf")
	dir := t.TempDir()
	out := filepath.Join(dir, "malta.rgraph")
	old := []byte("the graph file the user already had")
	if err := os.WriteFile(out, old, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "network", "build", "--pbf", pbf, "--out", out)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var msgs []string
	for sc.Scan() {
		msgs = append(msgs, sc.Text())
		if strings.HasPrefix(sc.Text(), "contracting ") {
			break
		}
	}
	if len(msgs) == 0 || !strings.HasPrefix(msgs[len(msgs)-1], "contracting ") {
		_ = cmd.Wait()
		t.Fatalf("network build never said it started the contraction; stderr %q", msgs)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	done := make(chan error, 1)
	go func() {
		for sc.Scan() {
			msgs = append(msgs, sc.Text())
		}
		done <- cmd.Wait()
	}()
	select {
	case err = <-done:
	case <-time.After(hangLimit):
		_ = cmd.Process.Kill()
		t.Fatalf("network build still running %v after SIGTERM during the contraction", hangLimit)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("network build after SIGTERM during the contraction: %v, want exit status 130; stderr %q", err, msgs)
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "stopped by a signal") {
		t.Errorf("exit 130 but stderr %q does not say it stopped on a signal", msgs)
	}
	// The contraction itself stopped (the write that follows it would
	// stop too, but only once the whole contraction is done).
	if !strings.Contains(strings.Join(msgs, "\n"), "contraction stopped after ") {
		t.Errorf("stderr %q does not say the contraction stopped", msgs)
	}
	if strings.Contains(strings.Join(msgs, "\n"), "built ") {
		t.Errorf("stderr %q says the graph was built: the signal came after the contraction", msgs)
	}
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, old) {
		t.Errorf("%s after the stop: %q (%v), want the old file's bytes %q", out, got, err, old)
	}
	if names, _ := hiddenOf(t, out, -1); len(names) > 0 {
		t.Errorf("left %v beside the output", names)
	}
	t.Logf("network build exited %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
}
