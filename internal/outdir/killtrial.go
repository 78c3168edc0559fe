//go:build rgkilltrial

package outdir

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Built with -tags rgkilltrial (the kill trial's binary only): with
// RESCUEGRID_KILLTRIAL=N in the environment, the process stops at the N-th
// point of its writes (or at the first point named KIND:NAME, as
// "step:swap"), says so on standard error and waits to be killed;
// with RESCUEGRID_KILLTRIAL_NOEXCHANGE=1 it replaces folders with the
// two-rename fallback; with RESCUEGRID_KILLTRIAL_SIGNAL=1 it waits at the
// point for SIGINT or SIGTERM instead and then fails as a cancelled write.
func init() {
	noExchange = noExchange || os.Getenv("RESCUEGRID_KILLTRIAL_NOEXCHANGE") == "1"
	at := os.Getenv("RESCUEGRID_KILLTRIAL")
	if at == "" {
		return
	}
	n, _ := strconv.Atoi(at)
	calls := 0
	hook = func(kind, name string) error {
		calls++
		if calls == n || kind+":"+name == at {
			var sig chan os.Signal
			if os.Getenv("RESCUEGRID_KILLTRIAL_SIGNAL") == "1" {
				// Wait for SIGINT or SIGTERM (which also cancel the
				// command's context), then go on as the writer's next
				// context check would: with the context's error.
				sig = make(chan os.Signal, 1)
				signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
			}
			fmt.Fprintf(os.Stderr, "killtrial: paused at %d %s %s\n", calls, kind, name)
			if sig != nil {
				<-sig
				return context.Canceled
			}
			for {
				time.Sleep(time.Hour)
			}
		}
		return nil
	}
}
