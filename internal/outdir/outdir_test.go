package outdir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// writeRun writes an output folder of command at path with files name ->
// content.
func writeRun(ctx context.Context, path, command string, opt Options, files map[string]string) error {
	return Write(ctx, path, Manifest{Command: command, Study: "test", Version: "test"}, opt, func(dir string) error {
		for n, c := range files {
			if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
				return err
			}
		}
		return nil
	})
}

// folderState reads the folder at path: its files (manifest excluded) and
// whether it is complete (a manifest listing exactly its files).
func folderState(tb testing.TB, path string) (files map[string]string, complete bool) {
	tb.Helper()
	entries, err := os.ReadDir(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		tb.Fatal(err)
	}
	m, err := ReadManifest(path)
	files = map[string]string{}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if e.Name() == ManifestFile {
			continue
		}
		b, err := os.ReadFile(filepath.Join(path, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files, err == nil && slices.Equal(names, m.Files)
}

// siblings lists the names beside path other than path itself.
func siblings(tb testing.TB, path string) []string {
	tb.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != filepath.Base(path) {
			out = append(out, e.Name())
		}
	}
	return out
}

func equalFiles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

var (
	oldFiles = map[string]string{"summary.json": `{"run":1}`, "cells.csv": "old cells", "stale.csv": "only in the old run"}
	newFiles = map[string]string{"summary.json": `{"run":2}`, "cells.csv": "new cells"}
)

// points runs f with a hook counting the points of a write and returns
// their names in order.
func points(tb testing.TB, f func()) []string {
	tb.Helper()
	var names []string
	hook = func(kind, name string) error {
		names = append(names, kind+" "+name)
		return nil
	}
	defer func() { hook = nil }()
	f()
	return names
}

// TestCommitFaultAtEveryPoint fails a replacement at each of its points in
// turn (both the atomic exchange and the two-rename fallback): the asked
// name then holds the complete old or the complete new result, and the next
// run leaves the new result and nothing beside it.
func TestCommitFaultAtEveryPoint(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		t.Run(fmt.Sprintf("fallback=%t", fallback), func(t *testing.T) {
			noExchange = fallback
			defer func() { noExchange = false }()
			ctx := context.Background()
			var all []string
			{
				path := filepath.Join(t.TempDir(), "out")
				if err := writeRun(ctx, path, "analyze", Options{}, oldFiles); err != nil {
					t.Fatal(err)
				}
				all = points(t, func() {
					if err := writeRun(ctx, path, "analyze", Options{}, newFiles); err != nil {
						t.Fatal(err)
					}
				})
			}
			if len(all) < 8 {
				t.Fatalf("a replacement passes %d points (%v), want at least 8", len(all), all)
			}
			for i, name := range all {
				t.Run(fmt.Sprintf("%02d %s", i, name), func(t *testing.T) {
					path := filepath.Join(t.TempDir(), "out")
					if err := writeRun(ctx, path, "analyze", Options{}, oldFiles); err != nil {
						t.Fatal(err)
					}
					injected := errors.New("injected fault")
					calls := 0
					hook = func(kind, name string) error {
						calls++
						if calls == i+1 {
							return injected
						}
						return nil
					}
					err := writeRun(ctx, path, "analyze", Options{}, newFiles)
					hook = nil
					got, complete := folderState(t, path)
					switch {
					case !complete:
						t.Fatalf("after a fault at %s: %s is not a complete output (%v)", name, path, got)
					case equalFiles(got, oldFiles):
						if !errors.Is(err, injected) {
							t.Errorf("fault at %s: the old result stays but the error is %v, want the injected fault", name, err)
						}
					case equalFiles(got, newFiles):
						// The fault came after the swap: the new result is in
						// place; the error (if any) says what was left.
					default:
						t.Fatalf("after a fault at %s: %s holds %v, neither the old nor the new result", name, path, got)
					}
					if err := writeRun(ctx, path, "analyze", Options{}, newFiles); err != nil {
						t.Fatalf("the run after a fault at %s: %v", name, err)
					}
					if got, complete := folderState(t, path); !complete || !equalFiles(got, newFiles) {
						t.Errorf("the run after a fault at %s left %v (complete %t), want the new result", name, got, complete)
					}
					if s := siblings(t, path); len(s) > 0 {
						t.Errorf("the run after a fault at %s left %v beside the output", name, s)
					}
				})
			}
		})
	}
}

// TestCleanPutsBackOldResult: a run killed between the fallback's two
// renames (the asked name missing, the old result under the -old name) is
// repaired by the next run's Clean; what a live process writes is left
// alone.
func TestCleanPutsBackOldResult(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := writeRun(ctx, path, "analyze", Options{}, oldFiles); err != nil {
		t.Fatal(err)
	}
	dead := deadPID(t)
	if err := os.Rename(path, hidden(path, dead, "old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(hidden(path, dead, "new"), 0o755); err != nil {
		t.Fatal(err)
	}
	// A live process's (our parent's) hidden folder is not touched.
	live := hidden(path, os.Getppid(), "new")
	if err := os.Mkdir(live, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Clean(path); err != nil {
		t.Fatal(err)
	}
	if got, complete := folderState(t, path); !complete || !equalFiles(got, oldFiles) {
		t.Errorf("Clean put back %v (complete %t), want the old result", got, complete)
	}
	if s := siblings(t, path); !slices.Equal(s, []string{filepath.Base(live)}) {
		t.Errorf("after Clean, beside the output: %v, want only the live run's %s", s, filepath.Base(live))
	}
}

// deadPID returns the id of a process that has exited.
func deadPID(tb testing.TB) int {
	tb.Helper()
	p, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := p.Wait(); err != nil {
		tb.Fatal(err)
	}
	return p.Pid
}

// TestRefusals: what a command never replaces, and the reason it gives.
// Nothing at the asked name changes.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		setup   func(t *testing.T, path string)
		command string
		force   bool
		want    string // in the error; "" = no error
	}{
		{"missing", func(t *testing.T, path string) {}, "analyze", false, ""},
		{"empty folder", func(t *testing.T, path string) { mkdir(t, path) }, "analyze", false, ""},
		{"same command", func(t *testing.T, path string) { own(t, path, "analyze") }, "analyze", false, ""},
		{"other command", func(t *testing.T, path string) { own(t, path, "analyze") }, "site", false, "holds the output of 'rescuegrid analyze' of study \"test\", not of 'site'"},
		{"other command, --force", func(t *testing.T, path string) { own(t, path, "analyze") }, "site", true, ""},
		{"any summary.json", func(t *testing.T, path string) {
			mkdir(t, path)
			put(t, filepath.Join(path, "summary.json"), "{}")
			put(t, filepath.Join(path, "thesis.tex"), "years of work")
		}, "analyze", true, "holds a summary.json but no rescuegrid-output.json"},
		{"a user's folder", func(t *testing.T, path string) {
			mkdir(t, path)
			put(t, filepath.Join(path, "thesis.tex"), "years of work")
		}, "analyze", true, "is a folder that rescuegrid did not write"},
		{"a file added to an output", func(t *testing.T, path string) {
			own(t, path, "analyze")
			put(t, filepath.Join(path, "notes.txt"), "mine")
		}, "analyze", true, "holds files rescuegrid did not write there (notes.txt)"},
		{"a manifest that is not JSON", func(t *testing.T, path string) {
			mkdir(t, path)
			put(t, filepath.Join(path, ManifestFile), "not json")
		}, "analyze", true, "has an unreadable rescuegrid-output.json"},
		{"a file", func(t *testing.T, path string) { put(t, path, "data") }, "analyze", true, "is a file, not a folder"},
		{"a symbolic link to an output", func(t *testing.T, path string) {
			own(t, path+"-real", "analyze")
			if err := os.Symlink(path+"-real", path); err != nil {
				t.Fatal(err)
			}
		}, "analyze", true, "is a symbolic link"},
		{"a FIFO", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "analyze", true, "is a FIFO"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out")
			c.setup(t, path)
			before := snapshot(t, dir)
			err := writeRun(ctx, path, c.command, Options{Force: c.force}, newFiles)
			if c.want == "" {
				if err != nil {
					t.Fatalf("Write(%s) = %v, want success", c.name, err)
				}
				if got, complete := folderState(t, path); !complete || !equalFiles(got, newFiles) {
					t.Errorf("Write(%s) left %v (complete %t), want the new files", c.name, got, complete)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Write(%s) = %v, want a refusal containing %q", c.name, err, c.want)
			}
			if after := snapshot(t, dir); !equalFiles(before, after) {
				t.Errorf("Write(%s) refused but changed the folder: before %v, after %v", c.name, before, after)
			}
		})
	}
}

// TestRefusesWorkingFolder: "--out .", "--out .." and any folder holding the
// working folder are refused, even when they carry a manifest.
func TestRefusesWorkingFolder(t *testing.T) {
	dir := t.TempDir()
	own(t, filepath.Join(dir, "a"), "analyze")
	t.Chdir(filepath.Join(dir, "a"))
	for _, p := range []string{".", "..", "../a", dir, "/"} {
		err := writeRun(context.Background(), p, "analyze", Options{Force: true}, newFiles)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("Write(%q) from inside it = %v, want a refusal", p, err)
		}
	}
	if got, complete := folderState(t, filepath.Join(dir, "a")); !complete || !equalFiles(got, map[string]string{"a.csv": "x"}) {
		t.Errorf("the working folder changed: %v", got)
	}
}

// TestWriteFile: one file replaced only when it is a regular file; a
// fault at every point leaves the old or the new content and no temporary
// file; a cancelled context stops the write.
func TestWriteFile(t *testing.T) {
	ctx := context.Background()
	write := func(s string) func(w io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "reach.csv")
	put(t, path, "old")
	all := points(t, func() {
		if err := WriteFile(ctx, path, write("new")); err != nil {
			t.Fatal(err)
		}
	})
	for i, name := range all {
		put(t, path, "old")
		calls := 0
		hook = func(string, string) error {
			if calls++; calls == i+1 {
				return errors.New("injected")
			}
			return nil
		}
		err := WriteFile(ctx, path, write("new"))
		hook = nil
		b, _ := os.ReadFile(path)
		if string(b) != "old" && string(b) != "new" {
			t.Errorf("fault at %s: the file holds %q", name, b)
		}
		if string(b) == "old" && err == nil {
			t.Errorf("fault at %s: the old content stays and no error", name)
		}
		if s := siblings(t, path); len(s) > 0 {
			t.Errorf("fault at %s: left %v beside the file", name, s)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := WriteFile(cctx, path, write("new")); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteFile with a cancelled context = %v, want context.Canceled", err)
	}
	// Cancelled in the middle of a long write.
	cctx, cancel = context.WithCancel(ctx)
	err := WriteFile(cctx, path, func(w io.Writer) error {
		buf := make([]byte, 64<<10)
		for i := 0; ; i++ {
			if i == 100 {
				cancel()
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WriteFile cancelled while writing = %v, want context.Canceled", err)
	}
	if s := siblings(t, path); len(s) > 0 {
		t.Errorf("a cancelled write left %v", s)
	}
	for _, c := range []struct {
		name, want string
		make       func(p string)
	}{
		{"folder", "is a folder", func(p string) { mkdir(t, p) }},
		{"symlink", "is a symbolic link", func(p string) { put(t, p+".target", "x"); os.Symlink(p+".target", p) }},
		{"fifo", "is a FIFO", func(p string) { syscall.Mkfifo(p, 0o644) }},
	} {
		p := filepath.Join(t.TempDir(), "x")
		c.make(p)
		if err := WriteFile(ctx, p, write("new")); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("WriteFile onto a %s = %v, want a refusal saying %q", c.name, err, c.want)
		}
	}
	if fi, err := os.Lstat("/dev/null"); err == nil && fi.Mode()&fs.ModeDevice != 0 {
		if err := CheckFile("/dev/null"); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "is a device") {
			t.Errorf("CheckFile(/dev/null) = %v, want a refusal: a device", err)
		}
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func put(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// own makes path an output folder of command, holding one file.
func own(t *testing.T, path, command string) {
	t.Helper()
	mkdir(t, path)
	put(t, filepath.Join(path, "a.csv"), "x")
	b, _ := json.Marshal(Manifest{Tool: "rescuegrid", Command: command, Study: "test", Files: []string{"a.csv", ManifestFile}})
	put(t, filepath.Join(path, ManifestFile), string(b))
}

// snapshot maps every path under dir (links not followed) to its content
// or type.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			out[p] = string(b)
		} else {
			out[p] = d.Type().String()
		}
		return nil
	})
	return out
}
