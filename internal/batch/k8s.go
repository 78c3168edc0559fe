package batch

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
)

// JobOptions describe the cluster side of a Kubernetes Indexed Job.
type JobOptions struct {
	Name        string // job name (default rescuegrid-batch)
	Image       string // container image with the rescuegrid binary
	Claim       string // PersistentVolumeClaim holding the plan folder
	MountPath   string // where the claim is mounted in the container
	PlanPath    string // the plan folder inside the container
	Parallelism int    // pods at once (0: every shard)
	CPU         string // CPU request per pod (default "2")
	Backoff     int    // retries per index (backoffLimitPerIndex)
}

// WriteJob writes dir/job.yaml: an Indexed Job with one completion per
// shard; Kubernetes sets JOB_COMPLETION_INDEX, which 'batch run' reads when
// --shard is not given. Memory is requested from the largest shard's
// estimate (Shard.MemoryBytes) and limited at 1.5 times it; GOMEMLIMIT
// is set to 90% of the request, so that the Go heap stays within what the
// scheduler reserved (the binary's own default, 90% of the cgroup's limit,
// would be 1.35 times the request).
// backoffLimitPerIndex needs Kubernetes 1.29 or later (beta and on by
// default; alpha in 1.28, GA in 1.33): the minimum version of the manifest.
func WriteJob(dir string, p *Plan, opt JobOptions) (string, error) {
	if opt.Name == "" {
		opt.Name = "rescuegrid-batch"
	}
	if opt.Image == "" {
		opt.Image = "rescuegrid:latest"
	}
	if opt.Claim == "" {
		opt.Claim = "rescuegrid-data"
	}
	if opt.MountPath == "" {
		opt.MountPath = "/data"
	}
	if opt.PlanPath == "" {
		opt.PlanPath = opt.MountPath + "/" + filepath.Base(filepath.Clean(dir))
	}
	if opt.CPU == "" {
		opt.CPU = "2"
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 2
	}
	n := len(p.Shards)
	par := opt.Parallelism
	if par <= 0 || par > n {
		par = n
	}
	var mem int64
	for _, s := range p.Shards {
		mem = max(mem, s.MemoryBytes)
	}
	mi := func(b int64) string { return fmt.Sprintf("%dMi", (b+(1<<20)-1)>>20) }
	var b strings.Builder
	fmt.Fprintf(&b, `# Indexed Job for the rescuegrid batch plan %s (%d shards, split by %s).
# Each pod runs one shard: 'rescuegrid batch run PLAN' reads JOB_COMPLETION_INDEX.
# The plan folder must be on the volume %q; afterwards run
#   rescuegrid batch merge %s --out OUT
# where the volume is mounted. Memory: the largest shard's estimate (%s).
# Needs Kubernetes 1.29 or later (backoffLimitPerIndex).
apiVersion: batch/v1
kind: Job
metadata:
  name: %s
  labels: {app.kubernetes.io/name: rescuegrid, rescuegrid/plan: %q}
spec:
  completionMode: Indexed
  completions: %d
  parallelism: %d
  backoffLimitPerIndex: %d
  maxFailedIndexes: 0
  template:
    metadata:
      labels: {app.kubernetes.io/name: rescuegrid, rescuegrid/plan: %q}
    spec:
      restartPolicy: Never
      containers:
        - name: shard
          image: %s
          args: ["batch", "run", %q]
          env:
            - {name: GOMEMLIMIT, value: %q}
          resources:
            requests: {cpu: %q, memory: %q}
            limits: {memory: %q}
          volumeMounts:
            - {name: data, mountPath: %q}
      volumes:
        - name: data
          persistentVolumeClaim: {claimName: %q}
`, p.ID, n, p.By, opt.Claim, opt.PlanPath, mi(mem), opt.Name, p.ID, n, par, opt.Backoff, p.ID, opt.Image, opt.PlanPath, goMemLimit(mem), opt.CPU, mi(mem), mi(mem*3/2), opt.MountPath, opt.Claim)
	path := filepath.Join(dir, "job.yaml")
	return path, atomicfile.Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}

// goMemLimit is GOMEMLIMIT for a pod that requests mem bytes (rounded up
// to MiB, as the request is written): 90% of it, in the runtime's syntax.
func goMemLimit(mem int64) string {
	mib := (mem + (1 << 20) - 1) >> 20
	return fmt.Sprintf("%dMiB", mib*9/10)
}
