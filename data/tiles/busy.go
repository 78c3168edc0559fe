package tiles

import (
	"fmt"
	"math"
)

// expectedDescription is added to the cells layer's description when the
// study asks for busy teams.
const expectedDescription = "; expected: probability that the first free team, in order of travel time, arrives within the rescue circle " +
	"when teams are out on other calls (MEXCLP; population-weighted mean at coarser resolutions), present only when the study has busy_teams"

// expAgg sums the expected coverage of study cells into one feature.
type expAgg struct {
	on          bool
	popExp, sum float64 // Σ pop·expected, Σ expected
}

// addExpected adds cell i of expected (nil: the study has no busy teams).
func (a *cellAgg) addExpected(expected []float64, i int, pop float64) {
	if expected == nil {
		return
	}
	a.exp.on = true
	a.exp.popExp += pop * expected[i]
	a.exp.sum += expected[i]
}

// props sets "expected": the population-weighted mean over n cells of
// pop residents (the plain mean when none has residents).
func (e expAgg) props(p map[string]any, n int, pop float64) {
	if !e.on || n == 0 {
		return
	}
	if pop > 0 {
		p["expected"] = e.popExp / pop
	} else {
		p["expected"] = e.sum / float64(n)
	}
}

// TimeCells is one time of day of a study for the cells layer: each study
// cell's travel time from the nearest base at that time (seconds, +Inf
// unreached) and whether it is inside the rescue circle, parallel to
// Input.Coverage.Cells.
type TimeCells struct {
	Label  string // "08:00"
	Time   []float64
	Within []bool
}

// TimeKey is the suffix of a time's properties in the cells layer:
// "08:00" gives "t0800" (seconds_t0800, within_share_t0800).
func TimeKey(label string) string {
	k := make([]byte, 0, len(label)+1)
	k = append(k, 't')
	for i := 0; i < len(label); i++ {
		if c := label[i]; c >= '0' && c <= '9' {
			k = append(k, c)
		}
	}
	return string(k)
}

const timesDescription = "; seconds_tHHMM, within_share_tHHMM: the same at each time of day HH:MM of the study's speed profile " +
	"(seconds absent where no base reaches)"

func checkTimes(times []TimeCells, n int) ([]TimeCells, error) {
	for _, t := range times {
		if len(t.Time) != n || len(t.Within) != n {
			return nil, fmt.Errorf("tiles: time %s has %d times and %d flags for %d cells", t.Label, len(t.Time), len(t.Within), n)
		}
	}
	return times, nil
}

func timeFields(times []TimeCells) []field {
	var out []field
	for _, t := range times {
		k := TimeKey(t.Label)
		out = append(out, field{"seconds_" + k, typeNumber}, field{"within_share_" + k, typeNumber})
	}
	return out
}

// timeAgg sums one time of day over the study cells of a feature.
type timeAgg struct {
	key                    string
	pop, popReached, popIn float64
	wsum, tsum             float64
	n, nReached, nWithin   int
}

func (a *cellAgg) addTimes(times []TimeCells, i int, pop float64) {
	if len(times) == 0 {
		return
	}
	if a.times == nil {
		a.times = make([]timeAgg, len(times))
		for k, t := range times {
			a.times[k].key = TimeKey(t.Label)
		}
	}
	for k, t := range times {
		ta := &a.times[k]
		ta.n++
		ta.pop += pop
		if v := t.Time[i]; !math.IsInf(v, 0) && !math.IsNaN(v) {
			ta.nReached++
			ta.popReached += pop
			ta.wsum += pop * v
			ta.tsum += v
		}
		if t.Within[i] {
			ta.nWithin++
			ta.popIn += pop
		}
	}
}

// timeProps sets each time's properties as props does the free-flow ones.
func (a *cellAgg) timeProps(p map[string]any) {
	for _, ta := range a.times {
		switch {
		case ta.popReached > 0:
			p["seconds_"+ta.key] = ta.wsum / ta.popReached
		case ta.nReached > 0:
			p["seconds_"+ta.key] = ta.tsum / float64(ta.nReached)
		}
		if ta.pop > 0 {
			p["within_share_"+ta.key] = ta.popIn / ta.pop
		} else {
			p["within_share_"+ta.key] = float64(ta.nWithin) / float64(ta.n)
		}
	}
}
