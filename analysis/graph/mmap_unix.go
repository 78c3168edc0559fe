//go:build unix

package graph

import (
	"os"
	"syscall"
)

// mmap maps size bytes of f read-only and shared: every process mapping the
// same file reads the same page-cache pages.
func mmap(f *os.File, size int) ([]byte, func() error, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}
