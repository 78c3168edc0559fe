package memlimit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// machine is MemTotal in the fixtures' /proc/meminfo (a 24 GB machine's,
// copied whole): 24683784 kB.
const machine = 24683784 << 10

// TestRead finds the budget in file trees laid out as /proc and
// /sys/fs/cgroup are on the systems rescuegrid runs on.
func TestRead(t *testing.T) {
	cases := []struct {
		name   string
		bytes  int64
		cgroup bool
		source string
	}{
		{"v1-hybrid-unlimited", machine, false, "/proc/meminfo MemTotal"},
		{"v2-pod", 4 << 30, true, "/sys/fs/cgroup/memory.max"},
		{"v2-nested-slice", 8 << 30, true, "/sys/fs/cgroup/user.slice/user-1000.slice/memory.max"},
		{"v1-docker", 2 << 30, true, "/sys/fs/cgroup/memory/memory.limit_in_bytes"},
		{"v2-limit-above-machine", machine, false, "/proc/meminfo MemTotal"},
		{"no-cgroup", machine, false, "/proc/meminfo MemTotal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Read(filepath.Join("testdata", c.name))
			if err != nil {
				t.Fatal(err)
			}
			want := Budget{Bytes: c.bytes, Cgroup: c.cgroup, Source: c.source}
			if b != want {
				t.Errorf("Read(%s) = %+v, want %+v", c.name, b, want)
			}
			f := MachineFraction
			if c.cgroup {
				f = CgroupFraction
			}
			if got, want := b.Limit(), int64(float64(c.bytes)*f); got != want {
				t.Errorf("Limit() = %d, want %d", got, want)
			}
		})
	}
}

// TestReadErrors: a damaged file is an error naming it, never a guess.
func TestReadErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no meminfo", map[string]string{}, "meminfo"},
		{"meminfo without MemTotal", map[string]string{"proc/meminfo": "MemFree: 10 kB\n"}, "no MemTotal line"},
		{"MemTotal not in kB", map[string]string{"proc/meminfo": "MemTotal: 10 MB\n"}, `line 1: MemTotal "10 MB"`},
		{"bad memory.max", map[string]string{
			"proc/meminfo":             "MemTotal: 1000 kB\n",
			"proc/self/cgroup":         "0::/\n",
			"proc/self/mountinfo":      "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			"sys/fs/cgroup/memory.max": "lots\n",
		}, `/sys/fs/cgroup/memory.max: limit "lots"`},
		{"bad cgroup line", map[string]string{
			"proc/meminfo":     "MemTotal: 1000 kB\n",
			"proc/self/cgroup": "memory\n",
		}, `/proc/self/cgroup: line 1: "memory"`},
		{"bad mountinfo line", map[string]string{
			"proc/meminfo":        "MemTotal: 1000 kB\n",
			"proc/self/cgroup":    "0::/\n",
			"proc/self/mountinfo": "35 24 0:30 / /sys/fs/cgroup rw cgroup2\n",
		}, "/proc/self/mountinfo: line 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range c.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := Read(root)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Read = %+v, %v; want an error saying %q", b, err, c.want)
			}
		})
	}
}

// TestReadLive reads this machine's files: a budget no larger than its
// memory, from a file that exists.
func TestReadLive(t *testing.T) {
	if _, err := os.Stat("/proc/meminfo"); err != nil {
		t.Skip("no /proc/meminfo: not Linux")
	}
	b, err := Read("/")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	total, err := ParseMeminfo(f)
	if err != nil {
		t.Fatal(err)
	}
	if b.Bytes <= 0 || b.Bytes > total {
		t.Errorf("Read(/) = %+v, want 0 < bytes <= MemTotal %d", b, total)
	}
	src := strings.TrimSuffix(b.Source, " MemTotal")
	if _, err := os.Stat(src); err != nil {
		t.Errorf("Read(/) source %q: %v", b.Source, err)
	}
	t.Logf("this machine: %d bytes (%s): soft limit %s", b.Bytes, b.Source, FormatSize(b.Limit()))
}

func TestParseLimit(t *testing.T) {
	cases := []struct {
		in    string
		bytes int64
		ok    bool
		err   bool
	}{
		{"max\n", 0, false, false},
		{"4294967296\n", 4 << 30, true, false},
		{"9223372036854771712\n", 0, false, false}, // v1: no limit
		{"0\n", 0, true, false},
		{"-1\n", 0, false, true},
		{"4G\n", 0, false, true},
		{"", 0, false, true},
	}
	for _, c := range cases {
		n, ok, err := ParseLimit(c.in)
		if n != c.bytes || ok != c.ok || (err != nil) != c.err {
			t.Errorf("ParseLimit(%q) = %d, %v, %v; want %d, %v, error %v", c.in, n, ok, err, c.bytes, c.ok, c.err)
		}
	}
}

func TestParseMountinfoEscapes(t *testing.T) {
	ms, err := ParseMountinfo(`41 31 0:38 /a\040b /sys/fs/cgroup/my\040unified rw,relatime shared:9 master:2 - cgroup2 cgroup2 rw` + "\n")
	if err != nil {
		t.Fatal(err)
	}
	want := Mount{Root: "/a b", Point: "/sys/fs/cgroup/my unified", FSType: "cgroup2"}
	if len(ms) != 1 || ms[0] != want {
		t.Errorf("ParseMountinfo = %+v, want [%+v]", ms, want)
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  string
	}{
		{"10GiB", 10 << 30, ""},
		{"8000MiB", 8000 << 20, ""},
		{"512KiB", 512 << 10, ""},
		{"1TiB", 1 << 40, ""},
		{"123456B", 123456, ""},
		{"123456", 123456, ""},
		{"10GB", 0, "want a whole number"},
		{"1.5GiB", 0, "want a whole number"},
		{"-1GiB", 0, "want a whole number"},
		{"GiB", 0, "want a whole number"},
		{"", 0, "want a whole number"},
		{"9000000TiB", 0, "over 8 EiB"},
	}
	for _, c := range cases {
		got, err := ParseSize(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseSize(%q) = %d, %v; want an error saying %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}
