package tiles

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
