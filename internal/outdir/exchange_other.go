//go:build !linux

package outdir

import "errors"

var errNoExchange = errors.New("outdir: no atomic exchange here")

var noExchange = true

// exchange is not available off Linux: Commit falls back to two renames.
func exchange(a, b string) error { return errNoExchange }
