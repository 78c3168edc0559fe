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
)

// String returns the objective's name on the command line: coverage, all
// or time.
func (o Objective) String() string {
	switch o {
	case MaxCover:
		return "coverage"
	case SetCover:
		return "all"
	case PMedian:
		return "time"
	}
	return fmt.Sprintf("Objective(%d)", uint8(o))
}

// ParseObjective reads an objective: coverage (or mclp), all (or lscp),
// time (or p-median, pmedian), in any case.
func ParseObjective(s string) (Objective, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "coverage", "mclp":
		return MaxCover, nil
	case "all", "lscp":
		return SetCover, nil
	case "time", "p-median", "pmedian":
		return PMedian, nil
	}
	return 0, fmt.Errorf("siting: objective %q: want coverage, all or time", s)
}
