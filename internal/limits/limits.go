// Package limits bounds what an input file can make rescuegrid do: the size
// of a file read whole, the length of a line and of a field, and how much of
// a bad file a message may quote. Over a bound, the error names the file,
// the place and the limit.
package limits

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// The bounds. A line of a CSV file longer than MaxLineBytes, or a field
// longer than MaxFieldBytes, is not a table a person made; an id longer than
// MaxIDBytes would be written again on every row of an output (reach writes
// the source id per road node).
const (
	MaxLineBytes  = 1 << 20
	MaxFieldBytes = 64 << 10
	MaxIDBytes    = 256
	// MaxTextFileBytes bounds an input file read whole (CSV, GeoJSON, YAML):
	// 2 GiB, far above any region's facilities or units.
	MaxTextFileBytes = 2 << 30
	// MaxStudyFileBytes bounds a study file (a page of YAML).
	MaxStudyFileBytes = 4 << 20
	// excerptBytes is the most of a bad input a message quotes.
	excerptBytes = 40
)

// ErrLimit is the condition of every bound exceeded.
var ErrLimit = errors.New("over a limit")

// ErrNotRegular: an input read whole or in place is a device, a FIFO or a
// folder.
var ErrNotRegular = errors.New("not a regular file")

// ErrNotText: a file given as text (CSV, GeoJSON, YAML) holds binary data.
var ErrNotText = errors.New("not a text file")

// ReadFile reads a text input file whole, up to max bytes. It stops early,
// with an error naming the line, at a NUL byte (binary data: a device such
// as /dev/zero, an archive, a process's environment) or, outside JSON, at a
// line longer than MaxLineBytes.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(path, f, max)
}

// Read is ReadFile on an open reader; name is used in messages.
func Read(name string, r io.Reader, max int64) ([]byte, error) {
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	line, lineLen := 1, 0
	json := -1 // unknown until the first non-space byte
	for {
		n, err := r.Read(chunk)
		p := chunk[:n]
		if json < 0 {
			if t := bytes.TrimLeft(bytes.TrimPrefix(p, []byte("\xEF\xBB\xBF")), " \t\r\n"); len(t) > 0 {
				json = 0
				if t[0] == '{' || t[0] == '[' {
					json = 1
				}
			}
		}
		for _, c := range p {
			switch c {
			case 0:
				return nil, fmt.Errorf("%s: line %d: %w (a NUL byte): give a CSV, GeoJSON or YAML file", name, line, ErrNotText)
			case '\n':
				line++
				lineLen = 0
			default:
				lineLen++
				if lineLen > MaxLineBytes && json != 1 {
					return nil, fmt.Errorf("%s: line %d: %w: longer than %d bytes, the limit of a line", name, line, ErrLimit, MaxLineBytes)
				}
			}
		}
		if int64(buf.Len()+n) > max {
			return nil, fmt.Errorf("%s: %w: more than %d bytes, the limit of this input", name, ErrLimit, max)
		}
		buf.Write(p)
		if err == io.EOF {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// LineReader wraps a reader streamed by a CSV reader (a population table
// of millions of rows) and fails at a NUL byte or a line longer than
// MaxLineBytes, naming the line.
type LineReader struct {
	Name string
	R    io.Reader

	line, lineLen int
}

func (l *LineReader) Read(p []byte) (int, error) {
	n, err := l.R.Read(p)
	if l.line == 0 {
		l.line = 1
	}
	for _, c := range p[:n] {
		switch c {
		case 0:
			return 0, fmt.Errorf("%s: line %d: %w (a NUL byte): give a CSV file", l.Name, l.line, ErrNotText)
		case '\n':
			l.line++
			l.lineLen = 0
		default:
			if l.lineLen++; l.lineLen > MaxLineBytes {
				return 0, fmt.Errorf("%s: line %d: %w: longer than %d bytes, the limit of a line", l.Name, l.line, ErrLimit, MaxLineBytes)
			}
		}
	}
	return n, err
}

// CheckFields refuses a record with a field longer than MaxFieldBytes.
func CheckFields(rec []string) error {
	for i, f := range rec {
		if len(f) > MaxFieldBytes {
			return fmt.Errorf("%w: field %d is %d bytes, more than %d, the limit of a field", ErrLimit, i+1, len(f), MaxFieldBytes)
		}
	}
	return nil
}

// CheckID refuses an id longer than MaxIDBytes.
func CheckID(id string) error {
	if len(id) > MaxIDBytes {
		return fmt.Errorf("%w: an id of %d bytes (%s), more than %d, the limit of an id", ErrLimit, len(id), Excerpt(id), MaxIDBytes)
	}
	return nil
}

// Excerpt quotes at most the first 40 bytes of s (whole UTF-8 characters,
// control bytes escaped), marking a cut with "… (N bytes in all)", so that a
// message about a file that is not data never dumps it.
func Excerpt(s string) string {
	if len(s) <= excerptBytes {
		return fmt.Sprintf("%q", s)
	}
	cut := excerptBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q… (%d bytes in all)", s[:cut], len(s))
}

// ExcerptList quotes the first n of names, each as Excerpt does, saying how
// many more there are.
func ExcerptList(names []string, n int) string {
	var parts []string
	for i, s := range names {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(names)-n))
			break
		}
		parts = append(parts, Excerpt(s))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// RegularFile refuses a path that is not a regular file (a device such as
// /dev/zero, a FIFO, a folder), for inputs read whole or in place (graph
// files are memory-mapped): what it would read has no end.
func RegularFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		kind := "a device"
		switch {
		case fi.IsDir():
			kind = "a folder"
		case fi.Mode()&os.ModeNamedPipe != 0:
			kind = "a FIFO"
		case fi.Mode()&os.ModeSocket != 0:
			kind = "a socket"
		}
		return fmt.Errorf("%s is %s: %w; give a file", path, kind, ErrNotRegular)
	}
	return nil
}
