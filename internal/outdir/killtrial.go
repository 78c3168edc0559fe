//go:build rgkilltrial

package outdir

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Built with -tags rgkilltrial (the kill trial's binary only): with
// RESCUEGRID_KILLTRIAL=N in the environment, the process stops at the N-th
// point of its writes (or at the first point named KIND:NAME, as
// "step:swap"), says so on standard error and waits to be killed;
// with RESCUEGRID_KILLTRIAL_NOEXCHANGE=1 it replaces folders with the
// two-rename fallback.
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
			fmt.Fprintf(os.Stderr, "killtrial: paused at %d %s %s\n", n, kind, name)
			for {
				time.Sleep(time.Hour)
			}
		}
		return nil
	}
}
