package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlags returns a flag set whose --help prints the usage text (with an
// example) to stdout.
func newFlags(name, usage string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// --quiet is global, and accepted among any command's flags too.
	fs.BoolVar(&e.quiet, "quiet", e.quiet, "no progress bars or summaries (warnings and errors still print)")
	fs.BoolVar(&e.quiet, "q", e.quiet, "short for --quiet")
	fs.Usage = func() {
		fmt.Fprint(e.stdout, strings.TrimLeft(usage, "\n"))
		fmt.Fprintln(e.stdout, "\nFlags:")
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
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
				fs.Usage()
				return nil, errHelp
			}
			return nil, usageErr("%s: %v (run 'rescuegrid %s --help')", fs.Name(), err, fs.Name())
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--quiet" || rest[0] == "-quiet" || rest[0] == "-q" {
			e.quiet = true
		} else {
			pos = append(pos, rest[0])
		}
		args = rest[1:]
	}
	if err := finiteFlags(fs); err != nil {
		return nil, err
	}
	return pos, nil
}

// handled turns errHelp into success.
func handled(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
