// Package csvio writes CSV the one way every rescuegrid output does:
// RFC 4180, comma-separated, "\n" line ends, a field quoted (its quotes
// doubled) exactly when encoding/csv's Writer quotes it: when it holds a
// comma, a quote, "\r" or "\n", begins with a space, or is `\.`. Writers
// that build rows from numbers append them with strconv and the text
// fields with AppendField; writers of whole string rows use AppendRow.
package csvio

import (
	"io"
	"unicode"
	"unicode/utf8"
)

// NeedsQuotes reports whether s is quoted as a CSV field.
func NeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

// AppendField appends s to buf as one CSV field.
func AppendField(buf []byte, s string) []byte {
	if !NeedsQuotes(s) {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			buf = append(buf, '"')
		}
		buf = append(buf, s[i])
	}
	return append(buf, '"')
}

// Field returns s as one CSV field.
func Field(s string) string {
	if !NeedsQuotes(s) {
		return s
	}
	return string(AppendField(nil, s))
}

// AppendRow appends fields to buf as one CSV record, with its "\n".
func AppendRow(buf []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = AppendField(buf, f)
	}
	return append(buf, '\n')
}

// WriteRow writes fields to w as one CSV record.
func WriteRow(w io.Writer, fields ...string) error {
	_, err := w.Write(AppendRow(nil, fields...))
	return err
}
