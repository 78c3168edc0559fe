package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

// newFlags returns a flag set whose --help prints the usage text (with an
// example) to stdout.
func newFlags(name, usage string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	globalFlags(fs, e) // accepted among any command's flags too
	fs.Usage = func() {
		help, translated := i18n.Help(e.lang, strings.ReplaceAll(name, " ", "-"))
		if !translated {
			// A subcommand without its own text shares its command's
			// ("batch plan": "batch"), as the English one does.
			help, translated = i18n.Help(e.lang, strings.Fields(name)[0])
		}
		if !translated {
			help = usage
		}
		fmt.Fprint(e.stdout, strings.TrimLeft(help, "\n"))
		fmt.Fprintln(e.stdout, "\n"+e.lang.T("cli.flags"))
		if translated {
			// Each flag's usage from the catalogue (English where it has none).
			fs.VisitAll(func(f *flag.Flag) {
				u := f.Usage
				if e.lang.Has("cli.flag." + f.Name) {
					u = e.lang.T("cli.flag." + f.Name)
				}
				def := ""
				if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
					def = " (" + f.DefValue + ")"
				}
				fmt.Fprintf(e.stdout, "  -%s%s\n    \t%s\n", f.Name, def, u)
			})
			return
		}
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// globalFlags defines the flags the binary takes before the command and
// every command among its own: --quiet (-q), --lang and --memory-limit. This is the one
// place they are parsed.
func globalFlags(fs *flag.FlagSet, e *env) {
	fs.BoolVar(&e.quiet, "quiet", e.quiet, "no progress bars or summaries (warnings and errors still print)")
	fs.BoolVar(&e.quiet, "q", e.quiet, "short for --quiet")
	fs.Func("lang", "language of the output: zh-CN or en (default: from LC_ALL, LC_MESSAGES, LANG)", func(s string) error {
		l, err := i18n.Parse(s)
		e.lang = l
		return err
	})
	fs.Func("memory-limit", "soft limit of the Go heap: 10GiB, 8000MiB, 80% (of the memory found) or off (default: GOMEMLIMIT, else 90% of the cgroup's memory limit, else 75% of the machine's memory)", e.memoryLimitFlag)
}

// errHelp is returned by parse when --help was asked for and printed.
var errHelp = errors.New("help printed")

// parse parses flags and positional arguments in any order, as users type
// them (`network info G.rgraph --json`). --quiet is accepted anywhere.
func parse(fs *flag.FlagSet, args []string, e *env) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp // the flag package has printed fs.Usage
			}
			return nil, usageErr("%s: %v (run 'rescuegrid %s --help')", fs.Name(), err, fs.Name())
		}
		rest := fs.Args() // flags after a positional argument: parse again
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if err := finiteFlags(fs); err != nil {
		return nil, err
	}
	return pos, nil
}

// handled turns errHelp into success: run applies it once to every
// command's error.
func handled(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
