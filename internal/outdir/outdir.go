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
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ManifestFile is the file in every output folder that says what wrote it.
const ManifestFile = "rescuegrid-output.json"

// summaryFile marks an analyze output of versions before the manifest; a
// folder holding one without a manifest is never replaced.
const summaryFile = "summary.json"

// maxManifestBytes bounds the manifest read back from an existing folder: a
// real one lists a few dozen files.
const maxManifestBytes = 1 << 20

// Manifest is ManifestFile: what wrote an output folder.
type Manifest struct {
	// Tool is always "rescuegrid".
	Tool string `json:"tool"`
	// Command is the kind of output: "analyze", "site", "tiles export".
	Command string `json:"command"`
	// Study is the study's name and StudyFile the study file, as given.
	Study     string `json:"study,omitempty"`
	StudyFile string `json:"study_file,omitempty"`
	// Version is the version of rescuegrid that wrote the folder.
	Version string    `json:"version"`
	Created time.Time `json:"created"`
	// Files are the folder's files, the manifest included, sorted.
	Files []string `json:"files"`
}

// Options are a write's settings.
type Options struct {
	// Force lets a command replace another rescuegrid command's output
	// folder (never a folder without a manifest).
	Force bool
}

// ErrRefused is the condition of every refusal to replace what is at the
// asked name; the *RefusedError says why.
var ErrRefused = errors.New("outdir: refused")

// RefusedError says why an output was not written at Path. Nothing was
// changed.
type RefusedError struct {
	Path   string
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("output %s %s; nothing was changed", e.Path, e.Reason)
}

// Unwrap lets errors.Is(err, ErrRefused) match.
func (e *RefusedError) Unwrap() error { return ErrRefused }

func refuse(path, format string, a ...any) error {
	return &RefusedError{Path: path, Reason: fmt.Sprintf(format, a...)}
}

// Folder is an output folder being written: the files go into Dir, then
// Commit swaps it in under the asked name. Not safe for concurrent use.
type Folder struct {
	path      string // the asked name
	tmp       string // where the files are written
	m         Manifest
	opt       Options
	committed bool
}

// Create starts an output folder at path for the command m.Command. It
// first cleans up what killed runs left beside path, then checks that path
// may be replaced (see the package doc), then makes the hidden folder the
// files are written into. The caller writes into Dir and calls Commit, and
// defers Abort to remove the hidden folder on every other path.
func Create(ctx context.Context, path string, m Manifest, opt Options) (*Folder, error) {
	if m.Command == "" {
		panic("outdir: Create without a command")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path = filepath.Clean(path)
	if err := cleanTarget(path); err != nil {
		return nil, err
	}
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	if err := Clean(path); err != nil {
		return nil, err
	}
	if _, err := checkFolder(path, m.Command, opt); err != nil {
		return nil, err
	}
	f := &Folder{path: path, tmp: hidden(path, os.Getpid(), "new"), m: m, opt: opt}
	if err := os.Mkdir(f.tmp, 0o755); err != nil {
		return nil, fmt.Errorf("create output %s: %w", path, err)
	}
	if err := step("folder-created"); err != nil {
		f.Abort()
		return nil, err
	}
	return f, nil
}

// Dir is the hidden folder the files go into until Commit.
func (f *Folder) Dir() string { return f.tmp }

// Path is the asked name.
func (f *Folder) Path() string { return f.path }

// Abort removes the hidden folder unless Commit succeeded. It is safe to
// call more than once and after Commit.
func (f *Folder) Abort() {
	if !f.committed {
		os.RemoveAll(f.tmp)
	}
}

// Commit writes the manifest, syncs the folder and swaps it in under the
// asked name; the replaced folder, if any, is then removed. On error the
// asked name holds the old result (or nothing if there was none).
func (f *Folder) Commit(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := step("files-written"); err != nil {
		return err
	}
	entries, err := os.ReadDir(f.tmp)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	m := f.m
	m.Tool = "rescuegrid"
	// Millisecond precision: two runs in one second still write different
	// manifests, which is how a reader tells a rerun from the old result.
	if m.Created.IsZero() {
		m.Created = time.Now().UTC().Truncate(time.Millisecond)
	}
	m.Files = []string{ManifestFile}
	for _, e := range entries {
		if e.Name() != ManifestFile {
			m.Files = append(m.Files, e.Name())
		}
	}
	slices.Sort(m.Files)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := writeSynced(filepath.Join(f.tmp, ManifestFile), append(b, '\n')); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := step("manifest-written"); err != nil {
		return err
	}
	if err := syncDir(f.tmp); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Check again: the asked name may have changed while the files were
	// being written.
	exists, err := checkFolder(f.path, f.m.Command, f.opt)
	if err != nil {
		return err
	}
	if err := step("swap"); err != nil {
		return err
	}
	parent := filepath.Dir(f.path)
	if !exists {
		if err := rename(f.tmp, f.path); err != nil {
			return fmt.Errorf("move output into %s: %w", f.path, err)
		}
		f.committed = true
		if err := syncDir(parent); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
		return step("done")
	}
	err = exchange(f.tmp, f.path)
	if err == nil {
		// f.tmp now holds the old result.
		f.committed = true
		if err := syncDir(parent); err != nil {
			return fmt.Errorf("write %s: %w", f.path, err)
		}
		if err := step("swapped"); err != nil {
			return err
		}
		if err := os.RemoveAll(f.tmp); err != nil {
			return fmt.Errorf("remove the replaced output %s: %w", f.tmp, err)
		}
		return step("done")
	}
	if !errors.Is(err, errNoExchange) {
		return fmt.Errorf("replace %s: %w", f.path, err)
	}
	// No atomic exchange here: two renames. A kill between them leaves the
	// old result under the -old name, which the next run's Clean puts back.
	old := hidden(f.path, os.Getpid(), "old")
	if err := rename(f.path, old); err != nil {
		return fmt.Errorf("replace %s: %w", f.path, err)
	}
	err = step("old-moved")
	if err == nil {
		err = rename(f.tmp, f.path)
	}
	if err != nil {
		if rerr := rename(old, f.path); rerr != nil {
			return fmt.Errorf("replace %s: %w (and the old output could not be put back from %s: %v)", f.path, err, old, rerr)
		}
		return fmt.Errorf("replace %s: %w", f.path, err)
	}
	f.committed = true
	if err := syncDir(parent); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := step("swapped"); err != nil {
		return err
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("remove the replaced output %s: %w", old, err)
	}
	return step("done")
}

// ReadManifest reads the manifest of the output folder dir.
func ReadManifest(dir string) (*Manifest, error) {
	p := filepath.Join(dir, ManifestFile)
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", p)
	}
	if fi.Size() > maxManifestBytes {
		return nil, fmt.Errorf("%s is %d bytes, more than a manifest's %d", p, fi.Size(), maxManifestBytes)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if m.Tool != "rescuegrid" || m.Command == "" {
		return nil, fmt.Errorf("%s: not a rescuegrid manifest", p)
	}
	return &m, nil
}

// cleanTarget refuses names whose replacement would take more than the
// output with it: the root, ".", "..", the working folder and its
// ancestors.
func cleanTarget(path string) error {
	base := filepath.Base(path)
	if base == "." || base == ".." || base == string(filepath.Separator) {
		return refuse(path, "is not a folder name of its own (the working folder, its parent or the root)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("output %s: %w", path, err)
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(abs, wd); err == nil && (rel == "." || !strings.HasPrefix(rel, "..")) {
			return refuse(path, "holds the working folder")
		}
	}
	return nil
}

// checkFolder says whether an output folder exists at path and may be
// replaced by command.
func checkFolder(path, command string, opt Options) (exists bool, err error) {
	if err := cleanTarget(path); err != nil {
		return false, err
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	if err := regularOr(path, fi, fs.ModeDir); err != nil {
		return false, err
	}
	if !fi.IsDir() {
		return false, refuse(path, "is a file, not a folder: give a folder name")
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	if len(entries) == 0 {
		return true, nil
	}
	m, merr := ReadManifest(path)
	if merr != nil {
		if errors.Is(merr, fs.ErrNotExist) {
			if slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return e.Name() == summaryFile }) {
				return false, refuse(path, "holds a %s but no %s, so this rescuegrid did not write it (an older version, or someone else): move it away or choose another folder", summaryFile, ManifestFile)
			}
			return false, refuse(path, "is a folder that rescuegrid did not write (no %s): choose another folder, or an empty one", ManifestFile)
		}
		return false, refuse(path, "has an unreadable %s (%v): rescuegrid replaces only folders it wrote", ManifestFile, merr)
	}
	var extra []string
	for _, e := range entries {
		if !slices.Contains(m.Files, e.Name()) {
			extra = append(extra, e.Name())
		}
	}
	if len(extra) > 0 {
		return false, refuse(path, "holds files rescuegrid did not write there (%s): move them away first", listNames(extra, 3))
	}
	if m.Command != command && !opt.Force {
		what := "'rescuegrid " + m.Command + "'"
		if m.Study != "" {
			what += " of study " + strconv.Quote(m.Study)
		}
		return false, refuse(path, "holds the output of %s, not of '%s': choose another folder, or give --force to replace it", what, command)
	}
	return true, nil
}

func listNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// regularOr refuses anything at path that is neither a regular file nor of
// the mode type also (a folder): symbolic links, devices, FIFOs, sockets.
func regularOr(path string, fi fs.FileInfo, also fs.FileMode) error {
	t := fi.Mode().Type()
	switch {
	case t == 0 || t == also:
		return nil
	case t&fs.ModeSymlink != 0:
		return refuse(path, "is a symbolic link: rescuegrid does not replace links (give the path it points to, or another name)")
	case t&fs.ModeNamedPipe != 0:
		return refuse(path, "is a FIFO: rescuegrid writes only regular files (use --out - for standard output)")
	case t&fs.ModeDevice != 0 || t&fs.ModeCharDevice != 0:
		return refuse(path, "is a device: rescuegrid writes only regular files (use --out - for standard output)")
	case t&fs.ModeSocket != 0:
		return refuse(path, "is a socket: rescuegrid writes only regular files")
	case t&fs.ModeDir != 0:
		return refuse(path, "is a folder: give a file name")
	}
	return refuse(path, "is not a regular file (%v)", t)
}

// hidden is the name beside path that run pid uses: ".NAME.rg-PID-what".
func hidden(path string, pid int, what string) string {
	return filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.rg-%d-%s", filepath.Base(path), pid, what))
}

// leftover parses a hidden name of path's: the process id and the kind.
func leftover(path, name string) (pid int, what string, ok bool) {
	rest, ok := strings.CutPrefix(name, "."+filepath.Base(path)+".rg-")
	if !ok {
		return 0, "", false
	}
	p, what, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, "", false
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 {
		return 0, "", false
	}
	switch what {
	case "new", "old", "new.tmp":
		return pid, what, true
	}
	return 0, "", false
}

// Clean removes what killed runs left beside path (the hidden names of
// processes no longer running, or of this very process id, reused), and
// puts an old result back where path is missing. Create and WriteFile call
// it; it is exported for tests and tools.
func Clean(path string) error {
	path = filepath.Clean(path)
	parent := filepath.Dir(path)
	entries, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", path, err)
	}
	self := os.Getpid()
	var olds, rest []string
	for _, e := range entries {
		pid, what, ok := leftover(path, e.Name())
		if !ok || (pid != self && alive(pid)) {
			continue
		}
		if what == "old" {
			olds = append(olds, e.Name())
		} else {
			rest = append(rest, e.Name())
		}
	}
	if len(olds) > 0 {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			// A run was killed between its two renames: put the old
			// result back (the newest if several).
			slices.Sort(olds)
			last := olds[len(olds)-1]
			if err := rename(filepath.Join(parent, last), path); err != nil {
				return fmt.Errorf("put back the output %s from %s: %w", path, last, err)
			}
			olds = olds[:len(olds)-1]
		}
	}
	for _, n := range append(olds, rest...) {
		if err := os.RemoveAll(filepath.Join(parent, n)); err != nil {
			return fmt.Errorf("remove %s left by a stopped run: %w", n, err)
		}
	}
	return nil
}

// alive says whether process pid runs (or may: a process of another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func rename(from, to string) error {
	if err := fault("rename"); err != nil {
		return err
	}
	return os.Rename(from, to)
}

func syncDir(dir string) error {
	if err := fault("sync"); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

func writeSynced(path string, b []byte) error {
	if err := fault("write"); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteFile writes one output file at path by calling write on a hidden
// temporary file beside it, syncing it and renaming it over path. An
// existing path is replaced only if it is a regular file. On error or
// cancellation the temporary file is removed and path is left as it was.
// Writes through w fail once ctx is done.
func WriteFile(ctx context.Context, path string, write func(w io.Writer) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	path = filepath.Clean(path)
	if err := Clean(path); err != nil {
		return err
	}
	if err := checkFile(path); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	tmp := hidden(path, os.Getpid(), "new.tmp")
	os.Remove(tmp) // this process id's, from a killed run of long ago
	if err := fault("create"); err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := step("file-created"); err != nil {
		return err
	}
	bw := newBufWriter(&ctxWriter{ctx: ctx, w: f})
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := step("file-written"); err != nil {
		return err
	}
	if err := fault("sync"); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkFile(path); err != nil {
		return err
	}
	if err := step("file-swap"); err != nil {
		return err
	}
	if err := rename(tmp, path); err != nil {
		return fmt.Errorf("move into %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return step("file-done")
}

// checkFile refuses to replace anything at path but a regular file.
func checkFile(path string) error {
	if err := cleanTarget(path); err != nil {
		return err
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", path, err)
	}
	return regularOr(path, fi, 0)
}

// Write writes the output folder path in one go: Create, write into the
// hidden folder, Commit; Abort on any error.
func Write(ctx context.Context, path string, m Manifest, opt Options, write func(dir string) error) error {
	f, err := Create(ctx, path, m, opt)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f.Dir()); err != nil {
		return err
	}
	return f.Commit(ctx)
}

// Check says, before any work is done, whether command may write its
// output folder at path (the same checks as Create, nothing changed).
func Check(path, command string, opt Options) error {
	_, err := checkFolder(filepath.Clean(path), command, opt)
	return err
}

// CheckFile says, before any work is done, whether an output file may be
// written at path (the same checks as WriteFile, nothing changed).
func CheckFile(path string) error {
	return checkFile(filepath.Clean(path))
}
