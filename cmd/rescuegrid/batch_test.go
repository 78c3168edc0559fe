package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/outdir"
)

// TestBatchCLI runs the bundled Andorra sample study (with its three
// scenarios, one a station out of service) through 'batch plan --k8s',
// 'batch run' by --shard and by JOB_COMPLETION_INDEX (as a Kubernetes
// Indexed Job runs it) and 'batch merge': every file of the merged folder
// equals the one analyze writes (summary.json but for its times), the folder has its
// manifest, a second merge replaces the first, and merge refuses to
// replace analyze's folder or a folder rescuegrid did not write.
func TestBatchCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the sample study three times")
	}
	studyPath := filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml")
	dir := t.TempDir()
	single, plan, merged := filepath.Join(dir, "single"), filepath.Join(dir, "plan"), filepath.Join(dir, "merged")
	runCLI(t, "analyze", studyPath, "--out", single, "--quiet")
	runCLI(t, "batch", "plan", studyPath, "--shards", "2", "--out", plan, "--k8s", "--quiet")
	if _, err := os.Stat(filepath.Join(plan, "job.yaml")); err != nil {
		t.Fatal(err)
	}
	runCLI(t, "batch", "run", plan, "--shard", "0", "--quiet")
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	runCLI(t, "batch", "run", plan, "--quiet")
	runCLI(t, "batch", "merge", plan, "--out", merged, "--quiet")

	entries, err := os.ReadDir(single)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		a, err := os.ReadFile(filepath.Join(single, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(merged, e.Name()))
		if err != nil {
			t.Fatalf("merged folder: %v", err)
		}
		switch e.Name() {
		case outdir.ManifestFile:
			var m outdir.Manifest
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m.Command != "batch merge" || m.Study != "Andorra (bundled sample)" {
				t.Errorf("merged manifest: command %q, study %q", m.Command, m.Study)
			}
			continue
		case "summary.json":
			a, b = withoutTimes(t, a), withoutTimes(t, b)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the merged file differs from analyze's (%d vs %d bytes)", e.Name(), len(b), len(a))
		}
	}

	runCLI(t, "batch", "merge", plan, "--out", merged, "--quiet") // its own earlier output
	var out, errb bytes.Buffer
	err = run(context.Background(), []string{"batch", "merge", plan, "--out", single, "--quiet"}, &env{stdout: &out, stderr: &errb})
	if !errors.Is(err, outdir.ErrRefused) {
		t.Errorf("merge over analyze's folder: %v, want a refusal", err)
	}
	stray := filepath.Join(dir, "stray")
	if err := os.MkdirAll(stray, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stray, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"batch", "merge", plan, "--out", stray, "--force", "--quiet"}, &env{stdout: &out, stderr: &errb})
	if !errors.Is(err, outdir.ErrRefused) {
		t.Errorf("merge over a folder rescuegrid did not write, --force: %v, want a refusal", err)
	}
	if b, err := os.ReadFile(filepath.Join(stray, "notes.txt")); err != nil || string(b) != "mine" {
		t.Errorf("the user's file after a refused merge: %q, %v", b, err)
	}
}

func withoutTimes(t *testing.T, b []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "created")
	delete(m, "timings_seconds")
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
