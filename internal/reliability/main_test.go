package reliability

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// full runs the whole suite (make test-reliability); without it the slow
// trials run one representative case.
var full = flag.Bool("full", false, "run the whole reliability suite (every kill point, the two-rename fallback, file outputs)")

// bin is the rescuegrid binary built with the rgkilltrial tag.
var bin string

// repo is the module root.
var repo string

func TestMain(m *testing.M) {
	flag.Parse()
	_, file, _, _ := runtime.Caller(0)
	repo = filepath.Join(filepath.Dir(file), "..", "..")
	dir, err := os.MkdirTemp("", "rescuegrid-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "rescuegrid")
	cmd := exec.Command("go", "build", "-tags", "rgkilltrial", "-o", bin, "./cmd/rescuegrid")
	cmd.Dir = repo
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build rescuegrid:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sample is a file of the bundled sample.
func sample(name string) string {
	return filepath.Join(repo, "data", "sample", "andorra", name)
}
