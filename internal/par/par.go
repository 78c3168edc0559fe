// Package par runs loops on several goroutines.
package par

import (
	"context"
	"sync"
)

// For calls fn(i) for i in [0, n) on workers goroutines (at least one),
// each taking a contiguous range, and returns the first error; it stops
// early when fn fails or ctx is cancelled (checked every 1,024 calls).
func For(ctx context.Context, n, workers int, fn func(i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		ferr error
	)
	workers = max(workers, 1)
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers && w*chunk < n; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				err := fn(i)
				if err == nil && i%1024 == 0 {
					err = ctx.Err()
				}
				if err != nil {
					mu.Lock()
					if ferr == nil {
						ferr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return ferr
}
