// Command rescuegrid measures how fast rescue teams reach every resident:
// road graphs from OpenStreetMap, travel times from many bases at once,
// coverage against the 15-minute rescue circle. Run `rescuegrid help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

// version is stamped by `make build` with -ldflags "-X main.version=…".
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &env{
		stdout: os.Stdout,
		stderr: os.Stderr,
		tty:    term.IsTerminal(int(os.Stderr.Fd())),
		lang:   i18n.FromEnv(os.Getenv),
	}
	env.setMemoryLimit = func(n int64) { debug.SetMemoryLimit(n) }
	defaultMemoryLimit(env)
	// The first SIGINT or SIGTERM cancels ctx: the command stops at its
	// next check and removes its temporary files. A second one kills the
	// process at once (the default action, restored by stop).
	go func() {
		<-ctx.Done()
		stop()
	}()
	stopProfiles := startProfiles()
	err := run(ctx, os.Args[1:], env)
	stopProfiles()
	stop()
	if err != nil && ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err())) {
		fmt.Fprintf(os.Stderr, "rescuegrid: stopped by a signal (SIGINT or SIGTERM)%s; temporary files removed\n", stoppedWhere(err))
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rescuegrid: %v\n", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// stoppedWhere says where a command stopped by a signal was, from its
// error: " (build graph from x.pbf: graph: contraction stopped after 5120
// of 24424 core nodes)", or "" when the error says no more than that the
// context was cancelled.
func stoppedWhere(err error) string {
	s := strings.TrimSuffix(err.Error(), context.Canceled.Error())
	if s = strings.TrimSuffix(s, ": "); s == "" {
		return ""
	}
	return " (" + s + ")"
}

// env is what a command may touch of the outside world.
type env struct {
	stdout, stderr io.Writer
	tty            bool // stderr is a terminal: progress bars are drawn
	quiet          bool // --quiet: no progress, no summaries (warnings still go to stderr)
	// lang is the language of help, summaries and reports: --lang, else
	// from LC_ALL / LC_MESSAGES / LANG (main sets it).
	lang i18n.Lang
	// memoryLimit is --memory-limit in bytes (0: not given; MaxInt64: off),
	// and memoryLimitFrom says where the limit in force comes from.
	memoryLimit     int64
	memoryLimitFrom string
	// onStage, when set, is called as a study's input stage starts ("road
	// network", "bases", ...): tests use it to change the inputs between
	// stages.
	onStage func(stage string)
	// setMemoryLimit applies --memory-limit to the runtime (main sets it;
	// tests leave it nil, so that a flag they pass changes nothing else).
	setMemoryLimit func(bytes int64)
}

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, e *env) error
}

const versionHelp = `Print the version, and on stderr the Go heap's soft memory limit and where
it comes from (--memory-limit, GOMEMLIMIT, or the cgroup's or machine's memory).

Usage:
  rescuegrid version

Example:
  rescuegrid --memory-limit 8GiB version
`

func commands() []command {
	return []command{
		{"analyze", "run a coverage study: who is outside the rescue circle, unit by unit", analyze},
		{"network", "build a road graph from OpenStreetMap, or describe one", runNetwork},
		{"reach", "travel time from the nearest of many sources to every road node", reach},
		{"site", "where new rescue stations do the most good (MCLP, LSCP, p-median)", site},
		{"report", "one self-contained HTML report of a study: map, units, scenarios, siting", reportCmd},
		{"serve", "serve a study: Arrow tables, isochrones, travel times, what-if over HTTP", serve},
		{"tiles", "export a study's vector tile layers to PMTiles archives", runTiles},
		{"isochrone", "the areas reached from a point within 5, 10, 15 minutes, as GeoJSON", isochroneCmd},
		{"batch", "split a study into shards for a cluster or local processes, and merge them", runBatch},
		{"extract", "extract facilities (fire stations, shelters…) from OSM tags as points", extract},
		{"version", "print the version", func(_ context.Context, args []string, e *env) error {
			fs := newFlags("version", versionHelp, e)
			pos, err := parse(fs, args, e)
			if err != nil {
				return err
			}
			if len(pos) > 0 {
				return usageErr("version: unexpected argument %q", pos[0])
			}
			fmt.Fprintln(e.stdout, "rescuegrid", versionString())
			printMemoryLimit(e)
			return nil
		}},
	}
}

const mainHelp = `rescuegrid tells an emergency-management office, hexagon by hexagon, how fast
a rescue team reaches every resident.

Usage:
  rescuegrid [--quiet] COMMAND [flags]

Commands:
%s
Global flags:
  --quiet    no progress bars or summaries (warnings and errors still print)
  --lang     language of help, summaries and reports: en or zh-CN
             (default: from LC_ALL, LC_MESSAGES, LANG)
  --memory-limit SIZE
             soft limit of the Go heap: 10GiB, 8000MiB, 80%% (of the memory
             found) or off (default: GOMEMLIMIT, else 90%% of the cgroup's
             memory limit, else 75%% of the machine's memory)

Run 'rescuegrid COMMAND --help' for a command's flags and an example.

Example (the bundled Andorra sample):
  rescuegrid network build --pbf data/sample/andorra/andorra.osm.pbf --out andorra.rgraph
  rescuegrid reach --graph andorra.rgraph --sources data/sample/andorra/fire_stations.csv \
      --max-minutes 15 --out reach.csv
`

func run(ctx context.Context, args []string, e *env) error {
	// The global flags before the command (flag parsing stops at it).
	gfs := flag.NewFlagSet("rescuegrid", flag.ContinueOnError)
	gfs.SetOutput(io.Discard)
	gfs.Usage = func() {}
	globalFlags(gfs, e)
	switch err := gfs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		args = []string{"help"}
	case err != nil: // "invalid value "fr" for flag --lang: …", named as users type it
		return usageErr("%s (run 'rescuegrid help')", strings.NewReplacer("for flag -", "for flag --", "not defined: -", "not defined: --").Replace(err.Error()))
	default:
		args = gfs.Args()
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, e)
		}
		list := ""
		for _, c := range commands() {
			list += fmt.Sprintf("  %-9s %s\n", c.name, e.lang.T("cli.cmd."+c.name))
		}
		help := mainHelp
		if h, ok := i18n.Help(e.lang, "main"); ok {
			help = h
		}
		fmt.Fprintf(e.stdout, help, list)
		if len(args) == 0 {
			return usageErr("no command given")
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return handled(c.run(ctx, args[1:], e))
		}
	}
	return usageErr("unknown command %q (run 'rescuegrid help')", args[0])
}
