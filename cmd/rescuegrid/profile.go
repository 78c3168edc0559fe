package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles writes a CPU profile of the whole run to the file named by
// RESCUEGRID_CPUPROFILE and a heap profile at the end to the one named by
// RESCUEGRID_MEMPROFILE (for `go tool pprof`; bench/README.md "Scale"). The
// returned function stops and writes them; it does nothing when neither is set.
func startProfiles() func() {
	cpuPath, memPath := os.Getenv("RESCUEGRID_CPUPROFILE"), os.Getenv("RESCUEGRID_MEMPROFILE")
	var cpu *os.File
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "rescuegrid: RESCUEGRID_CPUPROFILE: %v\n", err)
		} else {
			cpu = f
		}
	}
	return func() {
		if cpu != nil {
			pprof.StopCPUProfile()
			_ = cpu.Close()
		}
		if memPath == "" {
			return
		}
		f, err := os.Create(memPath)
		if err == nil {
			runtime.GC()
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "rescuegrid: RESCUEGRID_MEMPROFILE: %v\n", err)
		}
	}
}
