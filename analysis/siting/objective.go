package siting

import (
	"fmt"
	"strings"
)

// Objective is what a siting solution optimises.
type Objective uint8

// The objectives. The zero value is not an objective.
const (
	// MaxCover is maximal covering (MCLP, Church & ReVelle 1974): the most
	// residents within the target time with K new sites.
	MaxCover Objective = iota + 1
	// SetCover is set covering (LSCP, Toregas et al. 1971): the fewest new
	// sites such that a given share (all, by default) of the residents any
	// site can reach within the target are reached.
	SetCover
	// PMedian is the p-median (Hakimi 1964): the least population-weighted
	// travel time with K new sites, a resident no open site reaches within
	// the horizon counting the penalty time.
	PMedian
	// Expected is maximal expected covering (MEXCLP, Daskin 1983, with a
	// busy fraction per site as in MALP, ReVelle & Hogan 1989): the most
	// residents expected to be reached within the target time when teams
	// are busy independently, site j a share Options.Busy[j] of the time;
	// a cell is reached with probability 1 − Π busy over the open sites
	// within the target.
	Expected
)

// String returns the objective's name on the command line: coverage, all,
// time or expected.
func (o Objective) String() string {
	switch o {
	case MaxCover:
		return "coverage"
	case SetCover:
		return "all"
	case PMedian:
		return "time"
	case Expected:
		return "expected"
	}
	return fmt.Sprintf("Objective(%d)", uint8(o))
}

// ParseObjective reads an objective: coverage (or mclp), all (or lscp),
// time (or p-median, pmedian), expected (or mexclp), in any case.
func ParseObjective(s string) (Objective, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "coverage", "mclp":
		return MaxCover, nil
	case "all", "lscp":
		return SetCover, nil
	case "time", "p-median", "pmedian":
		return PMedian, nil
	case "expected", "mexclp":
		return Expected, nil
	}
	return 0, fmt.Errorf("siting: objective %q: want coverage, all, time or expected", s)
}
