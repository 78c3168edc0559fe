package batch_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/batch"
	"github.com/rescuegrid/rescuegrid/internal/memlimit"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

// readJob decodes job.yaml strictly into the Kubernetes API's Job: an
// unknown or misspelt field, a value of the wrong type or a malformed
// quantity fails, as the API server's strict field validation would.
func readJob(t *testing.T, path string) *batchv1.Job {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(b, &job); err != nil {
		t.Fatalf("job.yaml is not a batch/v1 Job: %v\n%s", err, b)
	}
	return &job
}

// TestWriteJob checks the Indexed Job manifest against the Kubernetes API
// types (k8s.io/api batch/v1, strict decoding) and the rules the API
// server's validation applies to it: one completion per shard, the
// parallelism asked for, backoff per index (which needs completionMode
// Indexed and restartPolicy Never; Kubernetes 1.29 or later), memory from
// the largest shard's estimate, the claim mounted where the plan is, and
// names and labels the server accepts.
func TestWriteJob(t *testing.T) {
	shards := []batch.Shard{{Index: 0, MemoryBytes: 100 << 20}, {Index: 1, MemoryBytes: 300 << 20}, {Index: 2, MemoryBytes: 200 << 20}}
	for _, tc := range []struct {
		name     string
		opt      batch.JobOptions
		parallel int32
		mount    string
		claim    string
	}{
		{"given", batch.JobOptions{Image: "reg/rg:1", Parallelism: 2, PlanPath: "/data/plan"}, 2, "/data", "rescuegrid-data"},
		{"defaults", batch.JobOptions{Claim: "plans", MountPath: "/mnt/plans"}, 3, "/mnt/plans", "plans"},
		{"parallelism above the shards", batch.JobOptions{Parallelism: 9}, 3, "/data", "rescuegrid-data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := &batch.Plan{ID: "0123456789abcdef", By: batch.ByH3, Shards: shards}
			path, err := batch.WriteJob(dir, p, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			job := readJob(t, path)
			if job.APIVersion != "batch/v1" || job.Kind != "Job" {
				t.Errorf("apiVersion/kind %s/%s, want batch/v1 Job", job.APIVersion, job.Kind)
			}
			// Indexed Jobs give pods hostnames NAME-INDEX: the name must be a
			// DNS label short enough for that (the server's rule is 63).
			if errs := validation.IsDNS1123Label(job.Name); len(errs) > 0 || len(job.Name) > 63-len("-2") {
				t.Errorf("job name %q: %v", job.Name, errs)
			}
			for k, v := range job.Labels {
				if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
					t.Errorf("label %s=%s: %v", k, v, errs)
				}
			}
			s := job.Spec
			if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
				t.Fatalf("completionMode %v, want Indexed", s.CompletionMode)
			}
			if s.Completions == nil || *s.Completions != 3 {
				t.Errorf("completions %v, want one per shard (3)", s.Completions)
			}
			if s.Parallelism == nil || *s.Parallelism != tc.parallel {
				t.Errorf("parallelism %v, want %d", s.Parallelism, tc.parallel)
			}
			if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex < 1 {
				t.Errorf("backoffLimitPerIndex %v, want retries per index", s.BackoffLimitPerIndex)
			}
			if s.MaxFailedIndexes == nil || *s.MaxFailedIndexes != 0 {
				t.Errorf("maxFailedIndexes %v, want 0 (a failed shard fails the job: merge needs every shard)", s.MaxFailedIndexes)
			}
			pod := s.Template.Spec
			if pod.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("restartPolicy %q: backoffLimitPerIndex needs Never", pod.RestartPolicy)
			}
			for k, v := range s.Template.Labels {
				if job.Labels[k] != v {
					t.Errorf("pod label %s=%s is not the job's (%q)", k, v, job.Labels[k])
				}
			}
			if len(pod.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(pod.Containers))
			}
			c := pod.Containers[0]
			if want := tc.opt.Image; want != "" && c.Image != want {
				t.Errorf("image %q, want %q", c.Image, want)
			}
			if c.Image == "" {
				t.Error("no image")
			}
			if len(c.Args) != 3 || c.Args[0] != "batch" || c.Args[1] != "run" || !strings.HasPrefix(c.Args[2], tc.mount+"/") {
				t.Errorf("args %q, want batch run PLAN under %s", c.Args, tc.mount)
			}
			if tc.opt.PlanPath != "" && c.Args[2] != tc.opt.PlanPath {
				t.Errorf("plan path %q, want %q", c.Args[2], tc.opt.PlanPath)
			}
			req, lim := c.Resources.Requests, c.Resources.Limits
			if q := req[corev1.ResourceMemory]; q.Cmp(resource.MustParse("300Mi")) != 0 {
				t.Errorf("memory request %s, want the largest shard's 300Mi", q.String())
			}
			if q := lim[corev1.ResourceMemory]; q.Cmp(resource.MustParse("450Mi")) != 0 {
				t.Errorf("memory limit %s, want 1.5 x 300Mi", q.String())
			}
			var gomem []string
			for _, ev := range c.Env {
				if ev.Name == "GOMEMLIMIT" {
					gomem = append(gomem, ev.Value)
				}
			}
			if n, err := memlimit.ParseSize(strings.Join(gomem, ",")); len(gomem) != 1 || err != nil || n != 270<<20 {
				t.Errorf("GOMEMLIMIT %q (%v), want 90%% of the 300Mi request, 270MiB", gomem, err)
			}
			if q := req[corev1.ResourceCPU]; q.IsZero() {
				t.Error("no CPU request")
			}
			if len(c.VolumeMounts) != 1 || len(pod.Volumes) != 1 {
				t.Fatalf("%d volume mounts, %d volumes, want 1 each", len(c.VolumeMounts), len(pod.Volumes))
			}
			m, v := c.VolumeMounts[0], pod.Volumes[0]
			if m.Name != v.Name || m.MountPath != tc.mount || m.ReadOnly {
				t.Errorf("mount %+v of volume %q, want %s read-write", m, v.Name, tc.mount)
			}
			if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != tc.claim {
				t.Errorf("volume %+v, want the claim %s", v.VolumeSource, tc.claim)
			}
		})
	}
}

// TestWriteJobStrict: the strict decoding above does fail on a manifest
// with a misspelt field, so the test would see one written by mistake.
func TestWriteJobStrict(t *testing.T) {
	var job batchv1.Job
	bad := "apiVersion: batch/v1\nkind: Job\nspec:\n  completionMode: Indexed\n  backoffLimitPerIndx: 2\n"
	if err := yaml.UnmarshalStrict([]byte(bad), &job); err == nil || !strings.Contains(err.Error(), "backoffLimitPerIndx") {
		t.Errorf("strict decoding of a misspelt field: %v, want an error naming it", err)
	}
}
