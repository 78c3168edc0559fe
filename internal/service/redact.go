package service

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// maxToldBytes is the longest message about a failed load a client is
// told; the log has it whole.
const maxToldBytes = 240

// pathLike matches what looks like a file path in a message: a run of
// non-space characters with a slash that starts at the root, the home or
// a dot, or that has two slashes or more (an OSM id such as "way/123"
// has one).
var pathLike = regexp.MustCompile(`(?:^|[\s"'(=])((?:[A-Za-z]:)?(?:~|\.{1,2})?/[^\s"'(),;]+|[^\s"'(),;/]+/[^\s"'(),;/]+/[^\s"'(),;]+)`)

// Tell returns what a client may be told of an error message: file paths
// cut to their last element (where files are is the server's business),
// only the first line, at most maxToldBytes long and cut visibly.
func Tell(msg string) string {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i] + " …"
	}
	var b strings.Builder
	last := 0
	for _, m := range pathLike.FindAllStringSubmatchIndex(msg, -1) {
		p := msg[m[2]:m[3]]
		trail := strings.TrimRight(p, ".:")
		b.WriteString(msg[last:m[2]])
		b.WriteString(filepath.Base(trail) + p[len(trail):])
		last = m[3]
	}
	b.WriteString(msg[last:])
	msg = b.String()
	if len(msg) > maxToldBytes {
		cut := maxToldBytes
		for cut > 0 && !utf8Start(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + " … (cut; the server log has the whole message)"
	}
	return msg
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// maxQuoted is the most of a client's own words quoted back to it.
const maxQuoted = 64

// Quote quotes what a client sent (a table or column name, a parameter)
// for a message, cut to maxQuoted bytes: an answer never repeats a huge
// request.
func Quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("… (%d bytes)", len(s))
}
