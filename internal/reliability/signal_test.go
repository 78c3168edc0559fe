package reliability

import (
	"bufio"
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
