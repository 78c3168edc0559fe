package batch

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"sync"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

// LocalOptions tune RunLocal.
type LocalOptions struct {
	Workers int      // shards run at once (at least 1)
	Exe     string   // the rescuegrid binary each shard runs as
	Args    []string // extra arguments for 'batch run' (e.g. --workers 1)
	Retries int      // times a failed shard is run again
	Log     io.Writer
	Lang    i18n.Lang // the language of Log's lines (English by default)
}

// RunLocal runs every shard of the plan in dir as a separate process,
// `Exe batch run DIR --shard I`, Workers at a time: the same command a
// Kubernetes Indexed Job runs, on one machine. Finished shards are skipped
// by the shards themselves. It returns the first shard failure after all
// have run.
func RunLocal(ctx context.Context, dir string, opt LocalOptions) error {
	p, err := ReadPlan(dir)
	if err != nil {
		return err
	}
	work := make(chan int)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for w := 0; w < max(opt.Workers, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				var err error
				for try := 0; try <= opt.Retries; try++ {
					args := append([]string{"batch", "run", dir, "--shard", strconv.Itoa(s)}, opt.Args...)
					cmd := exec.CommandContext(ctx, opt.Exe, args...)
					var out bytes.Buffer
					cmd.Stdout, cmd.Stderr = &out, &out
					if err = cmd.Run(); err == nil {
						break
					}
					err = fmt.Errorf("shard %d: %w: %s", s, err, bytes.TrimSpace(out.Bytes()))
				}
				mu.Lock()
				if opt.Log != nil {
					if err != nil {
						fmt.Fprintln(opt.Log, opt.Lang.T("batch.shard_failed", "n", s, "err", err))
					} else {
						fmt.Fprintln(opt.Log, opt.Lang.T("batch.shard_ran", "n", s))
					}
				}
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for s := range p.Shards {
		select {
		case work <- s:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
