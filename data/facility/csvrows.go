package facility

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/internal/limits"
)

// eachRow calls fn with every record after the header and its line,
// skipping blank lines. A record csv cannot read, or whose field count is
// not nfields (the header's), is a ParseError naming the file and line; an
// error from fn stops the reading and is returned as it is.
func eachRow(name string, r *csv.Reader, nfields int, fn func(line int, rec []string) error) error {
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// FieldPos is only valid after a successful Read.
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return &ParseError{File: name, Line: line, Err: err}
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if err := limits.CheckFields(rec); err != nil {
			return &ParseError{File: name, Line: line, Err: err}
		}
		if len(rec) != nfields {
			return &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: %d fields, the header has %d", ErrBadValue, len(rec), nfields)}
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

// rowLonLat reads the lon and lat columns of a record as a point, or a
// ParseError naming the file, line and column.
func rowLonLat(name string, line int, rec []string, iLon, iLat int) (orb.Point, error) {
	lon, err := parseCoord(rec[iLon], 180)
	if err != nil {
		return orb.Point{}, &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: lon %s: %v", ErrBadValue, limits.Excerpt(rec[iLon]), err)}
	}
	lat, err := parseCoord(rec[iLat], 90)
	if err != nil {
		return orb.Point{}, &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: lat %s: %v", ErrBadValue, limits.Excerpt(rec[iLat]), err)}
	}
	return orb.Point{lon, lat}, nil
}
