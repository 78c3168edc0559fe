package batch_test

import (
	"os"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/batch"
	"go.yaml.in/yaml/v3"
)

// TestWriteJob checks the Indexed Job manifest: one completion per shard,
// the parallelism asked for, backoff per index, and memory from the
// largest shard's estimate.
func TestWriteJob(t *testing.T) {
	dir := t.TempDir()
	p := &batch.Plan{ID: "abc", By: batch.ByH3, Shards: []batch.Shard{{Index: 0, MemoryBytes: 100 << 20}, {Index: 1, MemoryBytes: 300 << 20}, {Index: 2, MemoryBytes: 200 << 20}}}
	path, err := batch.WriteJob(dir, p, batch.JobOptions{Image: "reg/rg:1", Parallelism: 2, PlanPath: "/data/plan"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		Kind string `yaml:"kind"`
		Spec struct {
			CompletionMode       string `yaml:"completionMode"`
			Completions          int    `yaml:"completions"`
			Parallelism          int    `yaml:"parallelism"`
			BackoffLimitPerIndex int    `yaml:"backoffLimitPerIndex"`
			Template             struct {
				Spec struct {
					RestartPolicy string `yaml:"restartPolicy"`
					Containers    []struct {
						Image     string   `yaml:"image"`
						Args      []string `yaml:"args"`
						Resources struct {
							Requests map[string]string `yaml:"requests"`
							Limits   map[string]string `yaml:"limits"`
						} `yaml:"resources"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &job); err != nil {
		t.Fatalf("job.yaml does not parse: %v\n%s", err, b)
	}
	s := job.Spec
	if job.Kind != "Job" || s.CompletionMode != "Indexed" || s.Completions != 3 || s.Parallelism != 2 || s.BackoffLimitPerIndex < 1 || s.Template.Spec.RestartPolicy != "Never" {
		t.Errorf("job = %+v, want an Indexed Job of 3 completions, parallelism 2, backoff per index, restartPolicy Never", job)
	}
	c := s.Template.Spec.Containers
	if len(c) != 1 || c[0].Image != "reg/rg:1" || len(c[0].Args) != 3 || c[0].Args[2] != "/data/plan" {
		t.Fatalf("containers = %+v", c)
	}
	if got := c[0].Resources.Requests["memory"]; got != "300Mi" {
		t.Errorf("memory request %q, want the largest shard's 300Mi", got)
	}
	if got := c[0].Resources.Limits["memory"]; got != "450Mi" {
		t.Errorf("memory limit %q, want 1.5 x 300Mi", got)
	}
}
