package bench_test

import (
	"syscall"
	"testing"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU starts a CPU-time meter for a benchmark; the function it returns
// reports the process's CPU time per operation as "cpu-ns/op". On a machine
// shared with other work the wall time (ns/op) grows with the load and the
// CPU time much less, so the two side by side say how much of a figure is
// waiting. Call the returned function after the loop.
func reportCPU(b *testing.B) func() {
	t0 := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64((processCPU()-t0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}
