package testenv_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/testenv"
)

// TestMissingTool is run in a child process by TestSkipOrFail: it asks for
// a program that exists nowhere.
func TestMissingTool(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") != "1" {
		t.Skip("run by TestSkipOrFail in a child process")
	}
	testenv.Program(t, "rescuegrid-no-such-tool", "install nothing: the test wants it missing")
	t.Fatal("Program returned for a missing program")
}

// TestSkipOrFail runs TestMissingTool with and without
// RESCUEGRID_REQUIRE_TOOLS: skipped without it, failed with it, and the
// message names the tool each time.
func TestSkipOrFail(t *testing.T) {
	for _, tc := range []struct {
		require  string
		wantFail bool
		want     string
	}{
		{"", false, "--- SKIP: TestMissingTool"},
		{"0", false, "--- SKIP: TestMissingTool"},
		{"1", true, "--- FAIL: TestMissingTool"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingTool$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", testenv.RequireVar+"="+tc.require)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail {
			t.Errorf("%s=%q: failed %v, want %v\n%s", testenv.RequireVar, tc.require, failed, tc.wantFail, out)
		}
		if !strings.Contains(string(out), tc.want) || !strings.Contains(string(out), "rescuegrid-no-such-tool not found (install nothing") {
			t.Errorf("%s=%q: output lacks %q and the tool's name:\n%s", testenv.RequireVar, tc.require, tc.want, out)
		}
	}
}

func TestPythonSetButMissingFails(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		testenv.Python(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPythonSetButMissingFails$", "-test.v")
	cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "RESCUEGRID_PYTHON=/nonexistent/python", testenv.RequireVar+"=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "RESCUEGRID_PYTHON=/nonexistent/python is not an executable file") {
		t.Errorf("a RESCUEGRID_PYTHON that does not exist: err %v, want a failure naming it\n%s", err, out)
	}
}
