//go:build !unix

package graph

import "os"

func mmap(*os.File, int) ([]byte, func() error, error) { return nil, nil, errNoMmap }
