package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/rescuegrid/rescuegrid/internal/memlimit"
)

// defaultMemoryLimit sets the Go runtime's soft memory limit when the
// environment does not (GOMEMLIMIT): memlimit.CgroupFraction of the
// cgroup's memory limit, else memlimit.MachineFraction of the machine's
// memory. Without it the heap of a large build grows to twice its live data
// (GOGC) and a 46 M-node build needed GOMEMLIMIT by hand to fit. Where the
// memory cannot be read (no /proc) the runtime's default stays: no limit.
func defaultMemoryLimit(e *env) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		e.memoryLimitFrom = "GOMEMLIMIT=" + v
		return
	}
	b, err := memlimit.Read("/")
	if err != nil {
		e.memoryLimitFrom = "none: " + err.Error()
		return
	}
	debug.SetMemoryLimit(b.Limit())
	e.memoryLimitFrom = b.String()
}

// memoryLimitFlag is --memory-limit: a size ("10GiB", as GOMEMLIMIT
// writes it), a percentage of the memory found ("80%") or "off". It
// overrides GOMEMLIMIT and the default.
func (e *env) memoryLimitFlag(s string) error {
	var n int64
	switch {
	case s == "off":
		n = math.MaxInt64
	case strings.HasSuffix(s, "%"):
		pct, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err != nil || !(pct > 0 && pct <= 100) {
			return fmt.Errorf("%q, want a percentage above 0 and at most 100", s)
		}
		b, err := memlimit.Read("/")
		if err != nil {
			return fmt.Errorf("%s of what: %w", s, err)
		}
		n = int64(float64(b.Bytes) * pct / 100)
	default:
		v, err := memlimit.ParseSize(s)
		if err != nil {
			return err
		}
		if v == 0 {
			return fmt.Errorf("%q: a limit of 0 bytes would collect without end; use off for no limit", s)
		}
		n = v
	}
	e.memoryLimit = n
	e.memoryLimitFrom = "--memory-limit " + s
	if e.setMemoryLimit != nil {
		e.setMemoryLimit(n)
	}
	return nil
}

// printMemoryLimit writes the runtime's soft memory limit and where it
// comes from (for `version`).
func printMemoryLimit(e *env) {
	n := debug.SetMemoryLimit(-1) // -1 reads it
	lim := memlimit.FormatSize(n)
	if n == math.MaxInt64 {
		lim = "off"
	}
	if e.memoryLimitFrom == "" {
		e.infof("%s", e.lang.T("version.memory", "limit", lim))
		return
	}
	e.infof("%s", e.lang.T("version.memory_from", "limit", lim, "from", e.memoryLimitFrom))
}
