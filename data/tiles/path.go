package tiles

import (
	"fmt"
	"strings"
)

// maxLayerName is the longest layer name ParseTilePath accepts.
const maxLayerName = 64

// ParseTilePath reads a tile request path of the form
// "/tiles/{layer}/{z}/{x}/{y}.mvt" (the URL path only, without query).
//
// It is strict, so that one tile has one URL (and one cache entry): layer
// is 1 to 64 characters of a-z, 0-9, '_' and '-'; z, x and y are decimal
// without sign or leading zeros. Any other shape is ErrBadPath. z outside
// 0..MaxZoom, or x or y outside 0..2^z-1, is ErrOutOfRange. Whether the
// layer exists is the Set's business (ErrUnknownLayer from Tile).
func ParseTilePath(path string) (layer string, z, x, y int, err error) {
	rest, ok := strings.CutPrefix(path, "/tiles/")
	if !ok {
		return "", 0, 0, 0, fmt.Errorf("%w: %q does not start with /tiles/", ErrBadPath, path)
	}
	rest, ok = strings.CutSuffix(rest, ".mvt")
	if !ok {
		return "", 0, 0, 0, fmt.Errorf("%w: %q does not end with .mvt", ErrBadPath, path)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 {
		return "", 0, 0, 0, fmt.Errorf("%w: %q: want /tiles/{layer}/{z}/{x}/{y}.mvt", ErrBadPath, path)
	}
	layer = parts[0]
	if !validLayerName(layer) {
		return "", 0, 0, 0, fmt.Errorf("%w: layer %q: want 1 to %d characters of a-z, 0-9, _ and -", ErrBadPath, layer, maxLayerName)
	}
	var nums [3]int
	for i, s := range parts[1:] {
		n, ok := parseDecimal(s)
		if !ok {
			return "", 0, 0, 0, fmt.Errorf("%w: %q in %q is not a tile coordinate", ErrBadPath, s, path)
		}
		if n < 0 {
			return "", 0, 0, 0, fmt.Errorf("%w: %s in %q", ErrOutOfRange, s, path)
		}
		nums[i] = n
	}
	z, x, y = nums[0], nums[1], nums[2]
	if err := checkTile(z, x, y); err != nil {
		return "", 0, 0, 0, err
	}
	return layer, z, x, y, nil
}

func validLayerName(s string) bool {
	if len(s) == 0 || len(s) > maxLayerName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// parseDecimal reads a decimal with no sign and no leading zero. A number
// of more than 8 digits is returned as -1 (out of range: 2^22 has 7 digits),
// so that it cannot overflow.
func parseDecimal(s string) (int, bool) {
	if len(s) == 0 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if i < 8 {
			n = n*10 + int(c-'0')
		}
	}
	if len(s) > 8 {
		return -1, true
	}
	return n, true
}
