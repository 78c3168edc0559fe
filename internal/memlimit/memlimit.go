// Package memlimit finds how much memory this process may use, from its
// cgroup's limit (v2 memory.max, v1 memory.limit_in_bytes) or else the
// machine's memory (/proc/meminfo MemTotal), and derives from it the Go
// runtime's soft memory limit (runtime/debug.SetMemoryLimit, what
// GOMEMLIMIT sets).
//
// The soft limit makes the collector work harder as the heap nears it,
// instead of letting the heap grow to twice the live data (GOGC=100): a
// national network build whose live data is 6 GB otherwise peaks near
// 12 GB, over what a 10 GB container or a shared machine gives it. It is a
// soft limit: a program whose live data is over it keeps running, the
// collector spending at most about half the CPU.
//
// The package only reads files; the caller (cmd) sets the limit.
package memlimit

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// The fractions of the memory found that the default soft limit takes.
const (
	// CgroupFraction of a cgroup's limit: the container or slice is this
	// process's; the rest is for what the Go heap does not count (stacks,
	// the graph file's pages, cgo memory).
	CgroupFraction = 0.9
	// MachineFraction of the machine's memory, which the system and other
	// programs share, and whose page cache holds the input files.
	MachineFraction = 0.75
)

// A Budget is the memory this process may use and where the figure comes
// from.
type Budget struct {
	// Bytes the process may use: the smallest cgroup limit on the way from
	// its cgroup up to the hierarchy's root, or the machine's memory if
	// that is smaller or there is no limit.
	Bytes int64
	// Cgroup tells that Bytes is a cgroup's limit.
	Cgroup bool
	// Source names the file the figure was read from, relative to the
	// root Read was given ("/sys/fs/cgroup/memory.max").
	Source string
}

// Limit returns the default soft limit for b: CgroupFraction of a cgroup's
// limit, MachineFraction of the machine's memory.
func (b Budget) Limit() int64 {
	f := MachineFraction
	if b.Cgroup {
		f = CgroupFraction
	}
	return int64(float64(b.Bytes) * f)
}

// String describes b for a person: "90% of 4.0 GiB, the cgroup limit in
// /sys/fs/cgroup/memory.max".
func (b Budget) String() string {
	if b.Cgroup {
		return fmt.Sprintf("%.0f%% of %s, the cgroup limit in %s", CgroupFraction*100, FormatSize(b.Bytes), b.Source)
	}
	return fmt.Sprintf("%.0f%% of %s, the machine's memory (%s)", MachineFraction*100, FormatSize(b.Bytes), b.Source)
}

// Read finds the budget of the calling process on the file system under
// root ("/" on a live system; a folder laid out the same way in tests):
// /proc/self/cgroup names its cgroups, /proc/self/mountinfo where their
// hierarchies are mounted, and /proc/meminfo the machine's memory.
func Read(root string) (Budget, error) {
	total, err := readMeminfo(filepath.Join(root, "proc", "meminfo"))
	if err != nil {
		return Budget{}, err
	}
	b := Budget{Bytes: total, Source: "/proc/meminfo MemTotal"}
	lim, src, err := cgroupLimit(root)
	if err != nil {
		return Budget{}, err
	}
	if src != "" && lim < total {
		b = Budget{Bytes: lim, Cgroup: true, Source: src}
	}
	return b, nil
}

// readMeminfo returns MemTotal from a /proc/meminfo file, in bytes.
func readMeminfo(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("memlimit: %w", err)
	}
	defer f.Close()
	n, err := ParseMeminfo(f)
	if err != nil {
		return 0, fmt.Errorf("memlimit: %s: %w", name, err)
	}
	return n, nil
}

// ParseMeminfo returns MemTotal from the text of /proc/meminfo
// ("MemTotal:       24683784 kB"), in bytes.
func ParseMeminfo(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("line %d: MemTotal %q, want a number of kB", line, strings.TrimSpace(rest))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb <= 0 || kb > math.MaxInt64>>10 {
			return 0, fmt.Errorf("line %d: MemTotal %q, want a number of kB", line, strings.TrimSpace(rest))
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no MemTotal line")
}

// ParseLimit reads a cgroup memory limit file: v2 memory.max ("max" or a
// number of bytes) or v1 memory.limit_in_bytes (a number of bytes; no limit
// is a number near 2^63, the largest multiple of the page size). ok is
// false when there is no limit.
func ParseLimit(content string) (bytes int64, ok bool, err error) {
	s := strings.TrimSpace(content)
	if s == "max" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("limit %q, want a number of bytes or max", s)
	}
	if n >= math.MaxInt64>>1 { // v1's "no limit": 9223372036854771712
		return 0, false, nil
	}
	return n, true, nil
}

// A hierarchy is a cgroup hierarchy that has the memory controller.
type hierarchy struct {
	v2    bool
	path  string // the process's cgroup in it (/proc/self/cgroup)
	mount string // where it is mounted (/proc/self/mountinfo)
	root  string // the cgroup the mount shows at mount
}

// cgroupLimit returns the smallest memory limit on the way from the
// process's memory cgroup up to its mount's top, and the file that set it
// ("" when no cgroup has a limit or there are no cgroups).
func cgroupLimit(root string) (int64, string, error) {
	h, err := memoryHierarchy(root)
	if err != nil || h == nil {
		return 0, "", err
	}
	file := "memory.limit_in_bytes"
	if h.v2 {
		file = "memory.max"
	}
	rel, ok := relPath(h.root, h.path)
	if !ok {
		// The process's cgroup is outside what the mount shows (a
		// container seeing its host's paths): the mount's top is the
		// container's own cgroup.
		rel = "/"
	}
	var best int64 = -1
	src := ""
	for dir := rel; ; dir = path.Dir(dir) {
		name := path.Join(h.mount, dir, file)
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		switch {
		case errors.Is(err, os.ErrNotExist):
			// The root cgroup of v2 has no memory.max.
		case err != nil:
			return 0, "", fmt.Errorf("memlimit: %w", err)
		default:
			n, ok, err := ParseLimit(string(b))
			if err != nil {
				return 0, "", fmt.Errorf("memlimit: %s: %w", name, err)
			}
			if ok && (best < 0 || n < best) {
				best, src = n, name
			}
		}
		if dir == "/" {
			break
		}
	}
	if best < 0 {
		return 0, "", nil
	}
	return best, src, nil
}

// relPath is p below the cgroup mountRoot, as an absolute path.
func relPath(mountRoot, p string) (string, bool) {
	if mountRoot == "/" {
		return path.Clean(p), true
	}
	if p == mountRoot {
		return "/", true
	}
	rest, ok := strings.CutPrefix(p, mountRoot+"/")
	if !ok {
		return "", false
	}
	return path.Clean("/" + rest), true
}

// memoryHierarchy finds the hierarchy holding the memory controller: v1's
// memory hierarchy if there is one (a hybrid system mounts a v2 one beside
// it, without controllers), else the v2 one. It returns nil without error
// when the process has no cgroup file (not Linux) or no such mount.
func memoryHierarchy(root string) (*hierarchy, error) {
	cg, err := os.ReadFile(filepath.Join(root, "proc", "self", "cgroup"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("memlimit: %w", err)
	}
	v1, v2, err := ParseProcCgroup(string(cg))
	if err != nil {
		return nil, fmt.Errorf("memlimit: /proc/self/cgroup: %w", err)
	}
	mi, err := os.ReadFile(filepath.Join(root, "proc", "self", "mountinfo"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("memlimit: %w", err)
	}
	mounts, err := ParseMountinfo(string(mi))
	if err != nil {
		return nil, fmt.Errorf("memlimit: /proc/self/mountinfo: %w", err)
	}
	if v1 != "" {
		for _, m := range mounts {
			if m.FSType == "cgroup" && m.Memory {
				return &hierarchy{path: v1, mount: m.Point, root: m.Root}, nil
			}
		}
	}
	if v2 != "" {
		for _, m := range mounts {
			if m.FSType == "cgroup2" {
				return &hierarchy{v2: true, path: v2, mount: m.Point, root: m.Root}, nil
			}
		}
	}
	return nil, nil
}

// ParseProcCgroup reads /proc/self/cgroup ("hierarchy-ID:controllers:path"
// lines) and returns the path of the v1 hierarchy with the memory
// controller and the path of the v2 one ("0::path"), each "" if absent.
func ParseProcCgroup(content string) (v1Memory, v2 string, err error) {
	for i, line := range strings.Split(strings.TrimRight(content, "\n"), "\n") {
		if line == "" {
			continue
		}
		id, rest, ok1 := strings.Cut(line, ":")
		ctrls, p, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 || !strings.HasPrefix(p, "/") {
			return "", "", fmt.Errorf("line %d: %q, want ID:CONTROLLERS:/PATH", i+1, line)
		}
		if id == "0" && ctrls == "" {
			v2 = p
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			if c == "memory" {
				v1Memory = p
			}
		}
	}
	return v1Memory, v2, nil
}

// A Mount is one cgroup file system of /proc/self/mountinfo.
type Mount struct {
	Root   string // the cgroup the mount shows at Point
	Point  string // the mount point
	FSType string // cgroup (v1) or cgroup2
	Memory bool   // a v1 mount with the memory controller
}

// ParseMountinfo returns the cgroup mounts of a /proc/self/mountinfo text
// (proc(5): "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE
// SOURCE SUPER-OPTIONS"; spaces in paths are written \040).
func ParseMountinfo(content string) ([]Mount, error) {
	var ms []Mount
	for i, line := range strings.Split(strings.TrimRight(content, "\n"), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		sep := -1
		for k := 6; k < len(f); k++ {
			if f[k] == "-" {
				sep = k
				break
			}
		}
		if len(f) < 6 || sep < 0 || sep+3 > len(f) {
			return nil, fmt.Errorf("line %d: %q is not a mountinfo line", i+1, line)
		}
		fstype := f[sep+1]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		m := Mount{Root: unescape(f[3]), Point: unescape(f[4]), FSType: fstype}
		if fstype == "cgroup" && sep+3 <= len(f)-1 {
			for _, o := range strings.Split(f[sep+3], ",") {
				if o == "memory" {
					m.Memory = true
				}
			}
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseSize reads a size as GOMEMLIMIT writes it: a whole number of bytes
// with an optional unit B, KiB, MiB, GiB or TiB ("10GiB", "8000MiB").
func ParseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	num, shift := s, uint(0)
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || num == "" || num[0] == '+' {
		return 0, fmt.Errorf("size %q, want a whole number with B, KiB, MiB, GiB or TiB (10GiB)", s)
	}
	if n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("size %q is over 8 EiB", s)
	}
	return n << shift, nil
}

// FormatSize writes n bytes for a person: "10.0 GiB", "512.0 MiB".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.1f TiB", float64(n)/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d B", n)
}
