package siting

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Solver defaults.
const (
	// DefaultShare is the share of the coverable residents set covering
	// must reach: all of them (the "100 % of residents" policy goal).
	DefaultShare = 1.0
	// DefaultSwapRounds bounds the swap improvement: rounds of trying every
	// new site against every candidate. It stops earlier, at the first
	// round without an improving swap.
	DefaultSwapRounds = 20
	// DefaultExactMaxWork bounds the branch and bound of one Solve, in
	// matrix entries visited: about a second on one core (Malta's matrix
	// is visited at about 400 million entries a second). A tree node costs
	// one pass over the rows of the candidates still in play.
	DefaultExactMaxWork = 500_000_000
)

// Options say what to optimise and how hard to try.
type Options struct {
	Objective Objective
	// K is the number of new sites (MaxCover, PMedian): the curve covers
	// 1..K. For SetCover it is the most new sites allowed (0: no limit).
	K int
	// TargetSeconds is the rescue circle: a resident is covered when an
	// open site reaches the cell within it. Required; at most the matrix
	// horizon. PMedian only reports coverage against it.
	TargetSeconds float64
	// Share is the share of the coverable residents SetCover must cover
	// (0 means DefaultShare). Coverable: within the target of some site.
	Share float64
	// PenaltySeconds is the time PMedian counts for a resident no open site
	// reaches within the horizon (0 means the matrix horizon; more than
	// the horizon is refused, since times between the two are unknown).
	// Coverage objectives report population-weighted time with it too.
	PenaltySeconds float64
	// SwapRounds bounds the swap improvement (0 means DefaultSwapRounds,
	// < 0 none).
	SwapRounds int
	// SwapEachK also swap-improves the greedy set of every K of the curve,
	// not only the last (Step.Swapped). It costs about K/2 times the
	// final swap.
	SwapEachK bool
	// Exact limits the search for the exact optimum. The zero value means
	// the defaults.
	Exact ExactLimits
	// Busy is each site's busy fraction in [0, 1], parallel to
	// Matrix.Sites: the share of the time its team is out on other calls.
	// Required for Expected, ignored by the other objectives.
	Busy []float64
}

// ExactLimits bound the exact search. Solve runs the branch and bound for
// K = 1, 2, … of the curve (with the greedy or swapped plan as the first
// incumbent) until the work budget runs out, and stops at the first K it
// cannot finish: a larger K is no easier.
type ExactLimits struct {
	// MaxWork is the budget of one Solve, in matrix entries visited
	// (0: DefaultExactMaxWork; < 0: no exact search).
	MaxWork int
	// MaxK is the largest K solved exactly (0: no limit).
	MaxK int
}

// A Bound certifies how far a value is from the optimum with the same
// number of new sites. For coverage (MaxCover, SetCover) the bounds are
// upper bounds on the residents the optimum covers; for PMedian lower bounds
// on its population-weighted seconds. NaN means not computed.
type Bound struct {
	// Greedy is the bound greedy's guarantee gives: the saving over the
	// existing bases is at least 1 − 1/e of the optimum's.
	Greedy float64
	// Online is the bound of Leskovec et al. (2007): for any set S,
	// OPT_K ≤ f(S) + the K largest marginal gains at S, taken over the
	// sets the solver saw (every greedy step and the final answers).
	Online float64
	// Exact is the optimum, when the exact search finished within its
	// budget (ExactLimits).
	Exact float64
	// Best is the tightest of the three (Exact when known).
	Best float64
	// Gap is how far the value is from Best, relative to Best for
	// coverage ((Best−value)/Best) and to the value for time
	// ((value−Best)/value): 0 means provably optimal.
	Gap float64
}

// A Step is the K-th site of the greedy order: what it buys, and where the
// plan stands with K new sites.
type Step struct {
	K    int
	Site int // the site added, an index into Matrix.Sites
	// Gain is what the site adds: residents newly within the target
	// (MaxCover, SetCover) or person-seconds saved (PMedian). Greedy gains
	// never increase (both objectives are submodular).
	Gain float64
	// Value is the greedy value with K new sites: residents within the
	// target, or population-weighted seconds for PMedian.
	Value         float64
	Covered       float64 // residents within the target
	PersonSeconds float64 // Σ residents × min(time, penalty)
	Members       int     // members the K new sites need (Site.Members summed)
	// Swapped is the value of the swap-improved K-site plan (Options.SwapEachK;
	// NaN otherwise), and SwappedSites its sites.
	Swapped      float64
	SwappedSites []int
	// Bound certifies Value against the optimum with K new sites (all NaN
	// for SetCover, whose certificate is Solution.MinSites and ExactMinimum).
	Bound Bound
}

// Solution is the answer to one siting problem.
type Solution struct {
	Objective      Objective
	TargetSeconds  float64
	PenaltySeconds float64
	// Existing are the indices of the existing sites, open in every plan.
	Existing []int
	// Sites are the new sites of the answer, indices into Matrix.Sites:
	// the greedy picks improved by swaps, or the exact optimum when the
	// branch and bound found a better plan. There are fewer than K when no
	// further site improves the objective (everything reachable is
	// covered), and for SetCover as many as needed.
	Sites []int
	// Value is the answer's objective: residents within the target
	// (MaxCover, SetCover) or population-weighted seconds (PMedian).
	Value         float64
	Covered       float64 // residents within the target
	PersonSeconds float64 // Σ residents × min(time, penalty)
	MeanSeconds   float64 // PersonSeconds / Residents
	Members       int     // members the new sites need
	// Baseline is the value with the existing sites only, GreedyValue the
	// greedy answer's before the swaps, Swaps how many swaps improved it.
	Baseline    float64
	GreedyValue float64
	Swaps       int
	// Curve is the greedy order, one Step per new site.
	Curve []Step
	// Bound certifies Value against the optimum with len(Sites) new sites
	// (all NaN for SetCover).
	Bound Bound

	Residents        float64 // all residents of the matrix
	Coverable        float64 // residents some site (new or existing) reaches within the target
	Uncoverable      float64 // residents no site reaches within the target
	UncoverableCells int     // populated cells no site reaches within the target
	NoRoadCells      int     // populated cells without road access (among the uncoverable)

	// SetCover: Required residents to cover, whether the answer reaches
	// them (false only when K limits the sites), a lower bound on the new
	// sites any plan needs (from the online bound), and the exact minimum
	// (-1 when not computed).
	Required     float64
	Feasible     bool
	MinSites     int
	ExactMinimum int

	// Evaluations counts marginal-gain evaluations by the lazy greedy;
	// plain greedy needs about K × candidates.
	Evaluations int
}

// Errors callers may branch on.
var (
	ErrTooManySites  = errors.New("siting: more new sites asked for than there are candidates")
	ErrExactTooLarge = errors.New("siting: instance too large for the exact search")
)

// problem is a Matrix seen through one objective as a weighted facility
// location cost: Σ_i w_i · min(base, min over open j of score_ij), where the
// score is 0 within the target (coverage, base 1) or the time (p-median,
// base the penalty). Entries that cannot lower a cost (beyond the target or
// the penalty) lie past lim[j] in the time-sorted row.
type problem struct {
	m        *Matrix
	obj      Objective
	cover    bool
	target   float64
	penalty  float64
	base     float64
	w        []float64
	lim      []int // entries of row j that can lower a cost: Row(j)[:lim[j]]
	cand     []int // sites that may be opened
	existing []int
	total    float64
	// mult: Expected's cost, Σ_i w_i · Π busy over the open sites that
	// reach i within the target (1 with none), q the busy fractions.
	mult bool
	q    []float64
}

func newProblem(m *Matrix, opt Options) (*problem, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: no matrix", ErrInput)
	}
	p := &problem{m: m, obj: opt.Objective, target: opt.TargetSeconds, penalty: opt.PenaltySeconds, w: m.Pop}
	switch opt.Objective {
	case MaxCover, PMedian, SetCover:
	case Expected:
		if err := checkBusy(m, opt.Busy); err != nil {
			return nil, err
		}
		p.mult, p.q = true, opt.Busy
	default:
		return nil, fmt.Errorf("%w: objective %v", ErrInput, opt.Objective)
	}
	p.cover = opt.Objective != PMedian
	if !(p.target > 0) || p.target > m.HorizonSeconds {
		return nil, fmt.Errorf("%w: target %v s: want > 0 and at most the matrix horizon %v s", ErrInput, p.target, m.HorizonSeconds)
	}
	if p.penalty == 0 {
		p.penalty = m.HorizonSeconds
	}
	if !(p.penalty > 0) || p.penalty > m.HorizonSeconds {
		return nil, fmt.Errorf("%w: penalty %v s: want > 0 and at most the matrix horizon %v s", ErrInput, p.penalty, m.HorizonSeconds)
	}
	p.base = 1
	if !p.cover {
		p.base = p.penalty
	}
	p.lim = make([]int, len(m.Sites))
	for j := range m.Sites {
		row := m.Row(j)
		if p.cover {
			p.lim[j] = sort.Search(len(row), func(k int) bool { return float64(row[k].Seconds) > p.target })
		} else {
			p.lim[j] = sort.Search(len(row), func(k int) bool { return float64(row[k].Seconds) >= p.penalty })
		}
	}
	for j, s := range m.Sites {
		if s.Existing {
			p.existing = append(p.existing, j)
		} else {
			p.cand = append(p.cand, j)
		}
	}
	for _, w := range m.Pop {
		p.total += w
	}
	if len(p.cand) == 0 {
		return nil, fmt.Errorf("%w: every site of the matrix is an existing base", ErrNoCandidates)
	}
	switch {
	case opt.K < 0 || (opt.Objective != SetCover && opt.K == 0):
		return nil, fmt.Errorf("%w: K = %d: want at least 1 new site", ErrInput, opt.K)
	case opt.K > len(p.cand):
		return nil, fmt.Errorf("%w: K = %d, %d candidates", ErrTooManySites, opt.K, len(p.cand))
	}
	return p, nil
}

func (p *problem) row(j int) []Entry { return p.m.Row(j)[:p.lim[j]] }

// fresh returns the costs with only the existing sites open.
func (p *problem) fresh() []float64 {
	cur := make([]float64, len(p.w))
	for i := range cur {
		cur[i] = p.base
	}
	for _, j := range p.existing {
		p.open(cur, j)
	}
	return cur
}

// open lowers the costs by site j.
func (p *problem) open(cur []float64, j int) {
	if p.mult {
		q := p.q[j]
		for _, e := range p.row(j) {
			cur[e.Cell] *= q
		}
		return
	}
	if p.cover {
		for _, e := range p.row(j) {
			cur[e.Cell] = 0
		}
		return
	}
	for _, e := range p.row(j) {
		if t := float64(e.Seconds); t < cur[e.Cell] {
			cur[e.Cell] = t
		}
	}
}

// gain is the cost site j would save.
func (p *problem) gain(cur []float64, j int) float64 {
	var g float64
	w := p.w
	if p.mult {
		f := 1 - p.q[j]
		for _, e := range p.row(j) {
			g += w[e.Cell] * cur[e.Cell] * f
		}
		return g
	}
	if p.cover {
		for _, e := range p.row(j) {
			if cur[e.Cell] > 0 {
				g += w[e.Cell]
			}
		}
		return g
	}
	for _, e := range p.row(j) {
		if d := cur[e.Cell] - float64(e.Seconds); d > 0 {
			g += w[e.Cell] * d
		}
	}
	return g
}

// cost sums the costs, in cell order.
func (p *problem) cost(cur []float64) float64 {
	var c float64
	for i, w := range p.w {
		c += w * cur[i]
	}
	return c
}

// costOf is the cost with the existing sites and set open.
func (p *problem) costOf(set []int) float64 {
	cur := p.fresh()
	for _, j := range set {
		p.open(cur, j)
	}
	return p.cost(cur)
}

// value turns a cost into the reported value: residents covered, or
// person-seconds.
func (p *problem) value(cost float64) float64 {
	if p.cover {
		return p.total - cost
	}
	return cost
}

// report is what a plan gives, whatever the objective.
type report struct {
	bestT []float64
}

func (p *problem) newReport() *report {
	r := &report{bestT: make([]float64, len(p.w))}
	for i := range r.bestT {
		r.bestT[i] = math.Inf(1)
	}
	for _, j := range p.existing {
		r.open(p.m, j)
	}
	return r
}

func (r *report) open(m *Matrix, j int) {
	for _, e := range m.Row(j) {
		r.bestT[e.Cell] = min(r.bestT[e.Cell], float64(e.Seconds))
	}
}

func (p *problem) measure(r *report) (covered, personSeconds float64) {
	for i, w := range p.w {
		t := r.bestT[i]
		if t <= p.target {
			covered += w
		}
		personSeconds += w * min(t, p.penalty)
	}
	return covered, personSeconds
}

func (p *problem) measureSet(set []int) (covered, personSeconds float64) {
	r := p.newReport()
	for _, j := range set {
		r.open(p.m, j)
	}
	return p.measure(r)
}

func (p *problem) members(set []int) int {
	n := 0
	for _, j := range set {
		n += p.m.Sites[j].Members
	}
	return n
}

// bounds collects lower bounds on the optimal cost with k new sites.
type bounds struct {
	lb []float64 // lb[k], k = 0..len-1
}

func newBounds(kmax int, floor float64) *bounds {
	b := &bounds{lb: make([]float64, kmax+1)}
	for k := range b.lb {
		b.lb[k] = floor
	}
	return b
}

// online adds Leskovec's bound at a set of cost c whose candidates' marginal
// gains are at most gains (any order; the slice is reordered).
func (b *bounds) online(c float64, gains []float64) {
	slices.SortFunc(gains, func(x, y float64) int {
		switch {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return 0
	})
	var sum float64
	for k := range b.lb {
		if k > 0 && k-1 < len(gains) {
			sum += gains[k-1]
		}
		b.lb[k] = max(b.lb[k], c-sum)
	}
}

// allGains is every candidate's exact marginal gain at cur (0 for open ones).
func (p *problem) allGains(cur []float64, open []bool) []float64 {
	g := make([]float64, 0, len(p.cand))
	for _, j := range p.cand {
		if !open[j] {
			g = append(g, p.gain(cur, j))
		}
	}
	return g
}

// lazyItem is a candidate in the CELF queue: gain is exact when round is
// the current round, an upper bound otherwise (submodularity).
type lazyItem struct {
	gain  float64
	j     int32
	round int32
}

type lazyQueue []lazyItem

func (q lazyQueue) less(a, b int) bool {
	return q[a].gain > q[b].gain || (q[a].gain == q[b].gain && q[a].j < q[b].j)
}

func (q lazyQueue) down(i int) {
	n := len(q)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && q.less(r, l) {
			c = r
		}
		if !q.less(c, i) {
			return
		}
		q[i], q[c] = q[c], q[i]
		i = c
	}
}

func (q *lazyQueue) pop() lazyItem {
	old := *q
	top := old[0]
	n := len(old) - 1
	old[0] = old[n]
	*q = old[:n]
	if n > 0 {
		q.down(0)
	}
	return top
}

// greedyRun is the state of a lazy greedy run.
type greedyRun struct {
	p     *problem
	cur   []float64
	rep   *report
	open  []bool
	picks []int
	gains []float64
	costs []float64 // costs[k]: cost after k picks
	q     lazyQueue
	evals int
	b     *bounds
	vals  []float64 // scratch for the online bound
}

func (p *problem) newGreedy(b *bounds) *greedyRun {
	g := &greedyRun{p: p, cur: p.fresh(), rep: p.newReport(), open: make([]bool, len(p.m.Sites)), b: b}
	for _, j := range p.existing {
		g.open[j] = true
	}
	g.costs = append(g.costs, p.cost(g.cur))
	g.q = make(lazyQueue, 0, len(p.cand))
	for _, j := range p.cand {
		g.q = append(g.q, lazyItem{gain: p.gain(g.cur, j), j: int32(j), round: 0})
		g.evals++
	}
	for i := len(g.q)/2 - 1; i >= 0; i-- {
		g.q.down(i)
	}
	return g
}

// next adds the candidate of greatest marginal gain (ties: lowest index),
// re-evaluating stale gains lazily (CELF). It returns false when no
// candidate has a positive gain.
func (g *greedyRun) next() bool {
	p := g.p
	round := int32(len(g.picks))
	for len(g.q) > 0 {
		top := &g.q[0]
		if top.round == round {
			break
		}
		top.gain = p.gain(g.cur, int(top.j))
		top.round = round
		g.evals++
		g.q.down(0)
	}
	if len(g.q) == 0 || !(g.q[0].gain > 0) {
		return false
	}
	// Every queued gain is an upper bound on the true gain at this set.
	g.vals = g.vals[:0]
	for _, it := range g.q {
		g.vals = append(g.vals, it.gain)
	}
	g.b.online(g.costs[len(g.costs)-1], g.vals)
	top := g.q.pop()
	j := int(top.j)
	p.open(g.cur, j)
	g.rep.open(p.m, j)
	g.open[j] = true
	g.picks = append(g.picks, j)
	g.gains = append(g.gains, top.gain)
	g.costs = append(g.costs, p.cost(g.cur))
	return true
}

// plainGreedy evaluates every candidate at every step: the reference CELF
// must agree with (tests).
func (p *problem) plainGreedy(k int) []int {
	cur := p.fresh()
	open := make([]bool, len(p.m.Sites))
	var picks []int
	for len(picks) < k {
		best, bj := 0.0, -1
		for _, j := range p.cand {
			if open[j] {
				continue
			}
			if g := p.gain(cur, j); g > best {
				best, bj = g, j
			}
		}
		if bj < 0 {
			break
		}
		open[bj] = true
		p.open(cur, bj)
		picks = append(picks, bj)
	}
	return picks
}

// assignment is every cell's best and second-best cost among the open
// sites and the site giving the best.
type assignment struct {
	b1, b2 []float64
	o1     []int32
	// Expected (problem.mult): per cell the product of the nonzero busy
	// fractions of the open sites within the target and the number of
	// those never busy; mark holds the cells of the site s closeLoss was
	// last asked about.
	pnz   []float64
	zeros []int32
	mark  []bool
	marks int
}

func (p *problem) assign(a *assignment, set []int) {
	if p.mult {
		p.assignMult(a, set)
		return
	}
	n := len(p.w)
	if a.b1 == nil {
		a.b1, a.b2, a.o1 = make([]float64, n), make([]float64, n), make([]int32, n)
	}
	for i := range a.b1 {
		a.b1[i], a.b2[i], a.o1[i] = p.base, p.base, -1
	}
	add := func(j int) {
		for _, e := range p.row(j) {
			v := 0.0
			if !p.cover {
				v = float64(e.Seconds)
			}
			i := e.Cell
			switch {
			case v < a.b1[i]:
				a.b2[i], a.b1[i], a.o1[i] = a.b1[i], v, int32(j)
			case v < a.b2[i]:
				a.b2[i] = v
			}
		}
	}
	for _, j := range p.existing {
		add(j)
	}
	for _, j := range set {
		add(j)
	}
}

// closeLoss is what closing the open site s adds to the cost under the
// assignment a: each cell it serves falls back to its second-best site.
func (p *problem) closeLoss(a *assignment, s int) float64 {
	if p.mult {
		return p.closeLossMult(a, s)
	}
	var loss float64
	for _, e := range p.row(s) {
		if a.o1[e.Cell] == int32(s) {
			loss += p.w[e.Cell] * (a.b2[e.Cell] - a.b1[e.Cell])
		}
	}
	return loss
}

// swapGain is what opening the site c saves under the assignment a with
// the site s closed (its cells at their second-best site).
func (p *problem) swapGain(a *assignment, s, c int) float64 {
	if p.mult {
		return p.swapGainMult(a, s, c)
	}
	var g float64
	for _, e := range p.row(c) {
		i := e.Cell
		cur := a.b1[i]
		if a.o1[i] == int32(s) {
			cur = a.b2[i]
		}
		v := 0.0
		if !p.cover {
			v = float64(e.Seconds)
		}
		if d := cur - v; d > 0 {
			g += p.w[i] * d
		}
	}
	return g
}

// swap improves set (new sites only; existing stay) by vertex interchange:
// for each site in turn, the candidate whose exchange lowers the cost most,
// applied when it lowers it, until a round brings nothing or rounds run
// out. It returns the improved set, its cost and the number of swaps. The
// cost never rises: every swap is checked by recomputing the cost.
func (p *problem) swap(ctx context.Context, set []int, rounds int) ([]int, float64, int, error) {
	set = slices.Clone(set)
	c := p.costOf(set)
	if rounds <= 0 || len(set) == 0 {
		return set, c, 0, nil
	}
	open := make([]bool, len(p.m.Sites))
	for _, j := range p.existing {
		open[j] = true
	}
	for _, j := range set {
		open[j] = true
	}
	var a assignment
	p.assign(&a, set)
	swaps := 0
	for r := 0; r < rounds; r++ {
		improved := false
		for q := 0; q < len(set); q++ {
			if err := ctx.Err(); err != nil {
				return nil, 0, 0, err
			}
			s := set[q]
			loss := p.closeLoss(&a, s)
			best, bc := 0.0, -1
			for _, cnd := range p.cand {
				if open[cnd] {
					continue
				}
				if d := p.swapGain(&a, s, cnd) - loss; d > best {
					best, bc = d, cnd
				}
			}
			if bc < 0 || best <= 1e-12*(math.Abs(c)+1) {
				continue
			}
			next := slices.Clone(set)
			next[q] = bc
			nc := p.costOf(next)
			if !(nc < c) {
				continue // rounding: not a real improvement
			}
			open[s], open[bc] = false, true
			set, c = next, nc
			p.assign(&a, set)
			swaps++
			improved = true
		}
		if !improved {
			break
		}
	}
	return set, c, swaps, nil
}

// Solve chooses new sites on m for opt.Objective: lazy greedy (CELF), then
// swaps, with the curve and the certificate described in Solution. It
// returns ErrTooManySites when K exceeds the candidates, ErrInput for
// inconsistent options, and ctx.Err() when cancelled. m is not modified.
func Solve(ctx context.Context, m *Matrix, opt Options) (*Solution, error) {
	p, err := newProblem(m, opt)
	if err != nil {
		return nil, err
	}
	if opt.Objective == SetCover {
		return p.setCover(ctx, opt)
	}
	rounds := opt.SwapRounds
	if rounds == 0 {
		rounds = DefaultSwapRounds
	}
	floor := p.costOf(p.cand) // every candidate open: no K does better
	b := newBounds(opt.K, floor)
	g := p.newGreedy(b)
	sol := p.newSolution(opt)
	for len(g.picks) < opt.K {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !g.next() {
			// No candidate improves anything: this set is optimal for
			// every larger K too.
			c := g.costs[len(g.costs)-1]
			for k := len(g.picks); k < len(b.lb); k++ {
				b.lb[k] = max(b.lb[k], c)
			}
			break
		}
	}
	sol.Evaluations = g.evals
	final, fc, swaps, err := p.swap(ctx, g.picks, rounds)
	if err != nil {
		return nil, err
	}
	sol.Sites, sol.Swaps = final, swaps
	sol.GreedyValue = p.value(g.costs[len(g.costs)-1])
	// Exact gains at the greedy and the swapped sets tighten the online bound.
	for _, set := range [][]int{g.picks, final} {
		cur, open := p.fresh(), make([]bool, len(m.Sites))
		for _, j := range set {
			p.open(cur, j)
			open[j] = true
		}
		b.online(p.cost(cur), p.allGains(cur, open))
	}
	sol.Curve = make([]Step, len(g.picks))
	rep := p.newReport()
	for k := 1; k <= len(g.picks); k++ {
		j := g.picks[k-1]
		rep.open(m, j)
		st := &sol.Curve[k-1]
		st.K, st.Site, st.Gain = k, j, g.gains[k-1]
		st.Covered, st.PersonSeconds = p.measure(rep)
		st.Value = p.planValue(g.picks[:k], st.Covered, st.PersonSeconds)
		st.Members = p.members(g.picks[:k])
		st.Swapped = math.NaN()
		if opt.SwapEachK && k < len(g.picks) {
			set, _, _, err := p.swap(ctx, g.picks[:k], rounds)
			if err != nil {
				return nil, err
			}
			st.SwappedSites = set
			cov, ps := p.measureSet(set)
			st.Swapped = p.planValue(set, cov, ps)
			b.online(p.costOf(set), p.gainsAt(set))
		}
	}
	if opt.SwapEachK && len(g.picks) > 0 {
		last := &sol.Curve[len(g.picks)-1]
		last.SwappedSites = final
		cov, ps := p.measureSet(final)
		last.Swapped = p.planValue(final, cov, ps)
	}
	// Exact optima, as far as the budget goes; the swapped plans are the
	// first incumbents.
	inc, incSet := slices.Clone(g.costs), make([][]int, len(g.costs))
	for k := range incSet {
		incSet[k] = g.picks[:k]
		if st := k - 1; opt.SwapEachK && st >= 0 && sol.Curve[st].SwappedSites != nil {
			if c := p.costOf(sol.Curve[st].SwappedSites); c < inc[k] {
				inc[k], incSet[k] = c, sol.Curve[st].SwappedSites
			}
		}
	}
	if n := len(final); fc < inc[n] {
		inc[n], incSet[n] = fc, final
	}
	exact := make([]float64, len(inc))
	for k := range exact {
		exact[k] = math.NaN()
	}
	var exactSets [][]int
	if opt.Exact.MaxWork >= 0 {
		exact, exactSets = p.exactPlan(ctx, opt.Exact, inc, incSet)
		if err := ctx.Err(); err != nil {
			return nil, err // the search stopped for the context, not the budget
		}
	}
	for k := 1; k <= len(g.picks); k++ {
		st := &sol.Curve[k-1]
		st.Bound = p.certify(b, g.costs, k, st.Value, exact[k])
	}
	if n := len(final); !math.IsNaN(exact[n]) && exact[n] < fc {
		// The exact search found a better plan than the swaps: it is the answer.
		final = exactSets[n]
	}
	sol.Sites = final
	sol.Covered, sol.PersonSeconds = p.measureSet(final)
	sol.Value = p.planValue(final, sol.Covered, sol.PersonSeconds)
	sol.MeanSeconds = sol.PersonSeconds / p.total
	sol.Members = p.members(final)
	sol.Bound = p.certify(b, g.costs, len(final), sol.Value, exact[len(final)])
	return sol, nil
}

// gainsAt is every closed candidate's exact marginal gain with set open.
func (p *problem) gainsAt(set []int) []float64 {
	cur, open := p.fresh(), make([]bool, len(p.m.Sites))
	for _, j := range set {
		p.open(cur, j)
		open[j] = true
	}
	return p.allGains(cur, open)
}

// exactPlan returns, for k = 0..len(inc)-1, the exact optimal cost and a
// set achieving it (NaN and nil where the search did not finish), from the
// incumbents inc[k] (cost) and incSet[k].
func (p *problem) exactPlan(ctx context.Context, lim ExactLimits, inc []float64, incSet [][]int) ([]float64, [][]int) {
	out, sets := make([]float64, len(inc)), make([][]int, len(inc))
	for k := range out {
		out[k] = math.NaN()
	}
	budget := lim.MaxWork
	if budget == 0 {
		budget = DefaultExactMaxWork
	}
	for k := 1; k < len(inc) && budget > 0 && (lim.MaxK <= 0 || k <= lim.MaxK); k++ {
		c, set, err := p.exact(ctx, k, inc[k], incSet[k], math.Inf(-1), &budget)
		if err != nil {
			break
		}
		out[k], sets[k] = c, set
	}
	return out, sets
}

func (p *problem) newSolution(opt Options) *Solution {
	sol := &Solution{
		Objective: opt.Objective, TargetSeconds: p.target, PenaltySeconds: p.penalty,
		Existing: slices.Clone(p.existing), Residents: p.total, ExactMinimum: -1,
	}
	cov, ps := p.measureSet(nil)
	sol.Baseline = p.planValue(nil, cov, ps)
	reach := make([]bool, len(p.w))
	for j := range p.m.Sites {
		for _, e := range p.m.Row(j) {
			if float64(e.Seconds) > p.target {
				break
			}
			reach[e.Cell] = true
		}
	}
	for i, w := range p.w {
		if w <= 0 {
			continue
		}
		if reach[i] {
			sol.Coverable += w
			continue
		}
		sol.Uncoverable += w
		sol.UncoverableCells++
		if p.m.NoRoad != nil && p.m.NoRoad[i] {
			sol.NoRoadCells++
		}
	}
	return sol
}

// certify turns the cost bounds for k new sites into a Bound on value.
func (p *problem) certify(b *bounds, greedyCosts []float64, k int, value, exactCost float64) Bound {
	out := Bound{Greedy: math.NaN(), Online: math.NaN(), Exact: math.NaN()}
	lb := math.Inf(-1)
	if k < len(b.lb) {
		lb = b.lb[k]
		out.Online = p.value(lb)
	}
	if k < len(greedyCosts) {
		c0, ck := greedyCosts[0], greedyCosts[k]
		gl := c0 - (c0-ck)/(1-1/math.E)
		out.Greedy = p.value(gl)
		lb = max(lb, gl)
	}
	if !math.IsNaN(exactCost) {
		out.Exact = p.value(exactCost)
		lb = exactCost
	}
	out.Best = p.value(lb)
	if p.cover {
		out.Gap = 0
		if out.Best > 0 {
			out.Gap = max(0, (out.Best-value)/out.Best)
		}
	} else if value > 0 {
		out.Gap = max(0, (value-out.Best)/value)
	}
	return out
}
