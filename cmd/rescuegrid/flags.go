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
	// --quiet is global, and accepted among any command's flags too.
	fs.BoolVar(&e.quiet, "quiet", e.quiet, "no progress bars or summaries (warnings and errors still print)")
	fs.BoolVar(&e.quiet, "q", e.quiet, "short for --quiet")
	fs.Func("lang", "language of the output: zh-CN or en (default: from LC_ALL, LC_MESSAGES, LANG)", func(s string) error {
		l, err := i18n.Parse(s)
		e.lang = l
		return err
	})
	fs.Usage = func() {
		help, translated := i18n.Help(e.lang, strings.ReplaceAll(name, " ", "-"))
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

// langArg reads a leading --lang X or --lang=X of args into e.lang and
// returns how many arguments it took (0 when args does not start with it).
func langArg(args []string, e *env) (int, error) {
	a := strings.TrimPrefix(strings.TrimPrefix(args[0], "-"), "-")
	v, n := "", 0
	switch {
	case a == "lang" && len(args) > 1 && args[0] != a:
		v, n = args[1], 2
	case strings.HasPrefix(a, "lang=") && args[0] != a:
		v, n = strings.TrimPrefix(a, "lang="), 1
	default:
		return 0, nil
	}
	l, err := i18n.Parse(v)
	if err != nil {
		return 0, usageErr("--lang: %v", err)
	}
	e.lang = l
	return n, nil
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
