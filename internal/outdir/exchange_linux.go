package outdir

import (
	"errors"

	"golang.org/x/sys/unix"
)

// errNoExchange: the file system cannot swap two names atomically.
var errNoExchange = errors.New("outdir: no atomic exchange here")

// noExchange forces the two-rename fallback (tests of the fallback).
var noExchange bool

// exchange swaps the names a and b atomically (renameat2 RENAME_EXCHANGE).
func exchange(a, b string) error {
	if err := fault("rename"); err != nil {
		return err
	}
	if noExchange {
		return errNoExchange
	}
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return errNoExchange
	}
	return err
}
