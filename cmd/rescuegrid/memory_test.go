package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/memlimit"
)

// TestMemoryLimitFlag: --memory-limit, before the command or among its
// flags, reaches the runtime with the bytes asked; a bad value is a usage
// error naming the flag, and sets nothing.
func TestMemoryLimitFlag(t *testing.T) {
	budget, err := memlimit.Read("/")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want int64  // 0: a usage error
		err  string // what the error says
	}{
		{"before the command", []string{"--memory-limit", "10GiB", "version"}, 10 << 30, ""},
		{"among the command's flags", []string{"version", "--memory-limit=8000MiB"}, 8000 << 20, ""},
		{"bytes", []string{"--memory-limit", "123456789", "version"}, 123456789, ""},
		{"percentage", []string{"--memory-limit", "50%", "version"}, int64(float64(budget.Bytes) * 0.5), ""},
		{"off", []string{"--memory-limit", "off", "version"}, math.MaxInt64, ""},
		{"decimal units", []string{"--memory-limit", "10GB", "version"}, 0, `size "10GB", want a whole number with B, KiB, MiB, GiB or TiB`},
		{"zero", []string{"version", "--memory-limit", "0"}, 0, "a limit of 0 bytes would collect without end"},
		{"over 100%", []string{"--memory-limit", "120%", "version"}, 0, "want a percentage above 0 and at most 100"},
		{"negative", []string{"--memory-limit", "-1GiB", "version"}, 0, "want a whole number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []int64
			var o, se bytes.Buffer
			e := &env{stdout: &o, stderr: &se, setMemoryLimit: func(n int64) { got = append(got, n) }}
			err := run(context.Background(), c.args, e)
			if c.want == 0 {
				if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "memory-limit") || !strings.Contains(err.Error(), c.err) {
					t.Errorf("run(%q) = %v, want a usage error naming --memory-limit and saying %q", c.args, err, c.err)
				}
				if len(got) > 0 {
					t.Errorf("run(%q) set the limit to %v on a bad value", c.args, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("run(%q) = %v", c.args, err)
			}
			if len(got) != 1 || got[0] != c.want || e.memoryLimit != c.want {
				t.Errorf("run(%q) set %v (env %d), want [%d]", c.args, got, e.memoryLimit, c.want)
			}
			if !strings.Contains(se.String(), "memory limit: ") || !strings.Contains(se.String(), "(--memory-limit ") {
				t.Errorf("run(%q) stderr %q, want the limit and --memory-limit as its source", c.args, se.String())
			}
		})
	}
}

// TestDefaultMemoryLimit: without GOMEMLIMIT the runtime's soft limit
// becomes the fraction of the memory found here; with it, it is left as
// the runtime read it.
func TestDefaultMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	budget, err := memlimit.Read("/")
	if err != nil {
		t.Fatal(err)
	}

	t.Setenv("GOMEMLIMIT", "")
	e := &env{}
	defaultMemoryLimit(e)
	if got, want := debug.SetMemoryLimit(-1), budget.Limit(); got != want {
		t.Errorf("soft limit without GOMEMLIMIT = %d, want %d (%s)", got, want, budget)
	}
	if e.memoryLimitFrom != budget.String() {
		t.Errorf("memoryLimitFrom = %q, want %q", e.memoryLimitFrom, budget.String())
	}
	var se bytes.Buffer
	e.stderr = &se
	printMemoryLimit(e)
	if want := "memory limit: " + memlimit.FormatSize(budget.Limit()) + " (" + budget.String() + ")\n"; se.String() != want {
		t.Errorf("printMemoryLimit wrote %q, want %q", se.String(), want)
	}

	debug.SetMemoryLimit(3 << 30) // as the runtime does from GOMEMLIMIT=3GiB
	t.Setenv("GOMEMLIMIT", "3GiB")
	e = &env{}
	defaultMemoryLimit(e)
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		t.Errorf("soft limit with GOMEMLIMIT=3GiB = %d, want %d", got, int64(3<<30))
	}
	if e.memoryLimitFrom != "GOMEMLIMIT=3GiB" {
		t.Errorf("memoryLimitFrom = %q, want GOMEMLIMIT=3GiB", e.memoryLimitFrom)
	}
}

// TestShardMemoryLimit: run-local's shard processes share the limit in
// force; none is passed without one.
func TestShardMemoryLimit(t *testing.T) {
	cases := []struct {
		limit   int64
		workers int
		want    string
		ok      bool
	}{
		{12 << 30, 2, "6442450944", true},
		{10 << 30, 3, "3579139413", true},
		{10 << 30, 0, "10737418240", true}, // at least one worker
		{math.MaxInt64, 2, "", false},      // off
	}
	for _, c := range cases {
		got, ok := shardMemoryLimit(c.limit, c.workers)
		if got != c.want || ok != c.ok {
			t.Errorf("shardMemoryLimit(%d, %d) = %q, %v; want %q, %v", c.limit, c.workers, got, ok, c.want, c.ok)
		}
		if ok {
			if n, err := memlimit.ParseSize(got); err != nil || n*int64(max(c.workers, 1)) > c.limit {
				t.Errorf("shardMemoryLimit(%d, %d) = %q: %d (%v), over the limit together", c.limit, c.workers, got, n, err)
			}
		}
	}
}
