// Package testenv decides what a test does when a program or package from
// outside Go that it needs is missing: GDAL (ogrinfo, ogr2ogr,
// gdal_translate), Chromium, Node.js and the npm packages pinned in the
// repository, or the Python virtual environment of `make py-deps`.
//
// In a plain clone `go test ./...` skips such a test, saying what to install
// and which make target does it. `make test` sets RESCUEGRID_REQUIRE_TOOLS=1
// (and installs everything first), and then a missing tool fails the test:
// CI never passes by skipping the real-client checks.
//
// A path given explicitly (RESCUEGRID_CHROMIUM, RESCUEGRID_PYTHON) that does
// not work always fails: it is a mistake, not a missing tool.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireVar is the environment variable that turns a missing tool from a
// skip into a failure. `make test` sets it to 1.
const RequireVar = "RESCUEGRID_REQUIRE_TOOLS"

// Required reports whether missing tools fail tests (RESCUEGRID_REQUIRE_TOOLS
// set to anything but "" or "0").
func Required() bool {
	v := os.Getenv(RequireVar)
	return v != "" && v != "0"
}

// Missing stops the test for a missing tool: it fails when Required, and
// skips otherwise. msg says what is missing and how to install it.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("%s (%s=1, as under make test: a missing tool is a failure)", msg, RequireVar)
	}
	tb.Skipf("%s; skipped (set %s=1, as make test does, to fail instead)", msg, RequireVar)
}

// Program returns the path of a program on the PATH, or stops the test
// (Missing) naming what provides it, e.g. Program(t, "ogrinfo", "GDAL: run
// `make tiles-deps` (Debian's gdal-bin)").
func Program(tb testing.TB, name, install string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "%s not found (%s)", name, install)
	}
	return p
}

// Chromium returns the headless browser the Makefile installs: the file
// RESCUEGRID_CHROMIUM names (it must work when set), else chromium on the
// PATH, else /usr/bin/chromium. Without one the test stops (Missing).
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("RESCUEGRID_CHROMIUM"); p != "" {
		if !executable(p) {
			tb.Fatalf("RESCUEGRID_CHROMIUM=%s is not an executable file (run `make browser-deps` to install Debian's chromium, or unset it)", p)
		}
		return p
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if p := "/usr/bin/chromium"; executable(p) {
		return p
	}
	Missing(tb, "headless Chromium not found (RESCUEGRID_CHROMIUM unset, no chromium on the PATH): run `make browser-deps` to install Debian's chromium and a CJK font")
	return ""
}

// Python returns the interpreter of the project's virtual environment
// (RESCUEGRID_PYTHON, made by `make py-deps` with the packages of
// notebooks/requirements.txt). Unset, the test stops (Missing); set to a
// file that does not exist, it fails.
func Python(tb testing.TB) string {
	tb.Helper()
	py := os.Getenv("RESCUEGRID_PYTHON")
	if py == "" {
		Missing(tb, "RESCUEGRID_PYTHON is not set: run `make py-deps` (a .venv with notebooks/requirements.txt) and set RESCUEGRID_PYTHON=.venv/bin/python, or run `make test`")
		return ""
	}
	if !executable(py) {
		tb.Fatalf("RESCUEGRID_PYTHON=%s is not an executable file (run `make py-deps`, or unset it)", py)
	}
	return py
}

// Node returns the node binary after checking that each npm package in
// modules is installed in dir/node_modules; otherwise the test stops
// (Missing) naming target, the make target that installs them.
func Node(tb testing.TB, dir, target string, modules ...string) string {
	tb.Helper()
	bin := Program(tb, "node", "Node.js: run `make "+target+"` (Debian's nodejs and the npm packages)")
	for _, m := range modules {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m, "package.json")); err != nil {
			Missing(tb, "npm package %s is not installed in %s: run `make %s` (npm ci there)", m, filepath.Join(dir, "node_modules"), target)
		}
	}
	return bin
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
