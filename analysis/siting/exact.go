package siting

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Exact returns an optimal set of opt.K new sites for MaxCover or PMedian
// and its value (residents within the target, or population-weighted
// seconds), by branch and bound: depth-first over the candidates in order of
// marginal gain, pruning every subtree whose online bound (the current cost
// minus the largest remaining gains) cannot beat the best set found. The set
// has fewer than K sites when fewer improve on the existing bases. It
// returns ErrExactTooLarge when the search would visit more than
// opt.Exact.MaxWork matrix entries (<= 0: DefaultExactMaxWork); MaxK does
// not apply.
func Exact(ctx context.Context, m *Matrix, opt Options) ([]int, float64, error) {
	if opt.Objective == SetCover {
		return nil, 0, fmt.Errorf("%w: Exact solves MaxCover and PMedian; Solve reports the exact minimum for SetCover", ErrInput)
	}
	p, err := newProblem(m, opt)
	if err != nil {
		return nil, 0, err
	}
	budget := opt.Exact.MaxWork
	if budget <= 0 {
		budget = DefaultExactMaxWork
	}
	c, set, err := p.exact(ctx, opt.K, math.Inf(1), nil, math.Inf(-1), &budget)
	if err != nil {
		return nil, 0, err
	}
	return set, p.value(c), nil
}

// exact is the branch and bound behind Exact: the least cost with k new
// sites, starting from an incumbent (cost incCost, set incSet; +Inf and nil
// for none). A set within a relative 1e-12 of the incumbent does not
// replace it. The search stops as soon as it holds a set of cost at most
// goal (-Inf: never). Every matrix entry it visits is taken from *budget;
// it returns ErrExactTooLarge when the budget runs out.
func (p *problem) exact(ctx context.Context, k int, incCost float64, incSet []int, goal float64, budget *int) (float64, []int, error) {
	best, bestSet := incCost, slices.Clone(incSet)
	eps := 1e-12 * p.base * (p.total + 1)
	cur0 := p.fresh()
	var rem []int
	for _, j := range p.cand {
		if p.gain(cur0, j) > 0 {
			rem = append(rem, j)
		}
	}
	type jg struct {
		j int
		g float64
	}
	bufs := make([][]float64, k+1)
	buf := func(d int) []float64 {
		if bufs[d] == nil {
			bufs[d] = make([]float64, len(p.w))
		}
		return bufs[d]
	}
	chosen := make([]int, 0, k)
	nodes := 0
	errBudget := fmt.Errorf("%w: the work budget ran out at K = %d", ErrExactTooLarge, k)
	errGoal := errors.New("goal reached")
	var dfs func(cur []float64, rem []int, depth int) error
	dfs = func(cur []float64, rem []int, depth int) error {
		*budget -= len(p.w)
		for _, j := range rem {
			*budget -= p.lim[j]
		}
		if *budget < 0 {
			return errBudget
		}
		if best <= goal {
			return errGoal
		}
		if nodes++; nodes%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c := p.cost(cur)
		need := k - depth
		gs := make([]jg, 0, len(rem))
		for _, j := range rem {
			if g := p.gain(cur, j); g > 0 {
				gs = append(gs, jg{j, g})
			}
		}
		slices.SortFunc(gs, func(a, b jg) int {
			if c := cmp.Compare(b.g, a.g); c != 0 {
				return c
			}
			return cmp.Compare(a.j, b.j)
		})
		if len(gs) <= need {
			// Opening every site that still helps is the best completion.
			next := buf(depth + 1)
			copy(next, cur)
			set := slices.Clone(chosen)
			for _, x := range gs {
				p.open(next, x.j)
				set = append(set, x.j)
			}
			if nc := p.cost(next); nc < best-eps {
				best, bestSet = nc, set
			}
			return nil
		}
		for idx := 0; idx+need <= len(gs); idx++ {
			var s float64
			for _, x := range gs[idx : idx+need] {
				s += x.g
			}
			if c-s >= best-eps {
				break // the window's sum only falls as idx grows
			}
			next := buf(depth + 1)
			copy(next, cur)
			p.open(next, gs[idx].j)
			chosen = append(chosen, gs[idx].j)
			if need == 1 {
				if *budget -= len(p.w) + p.lim[gs[idx].j]; *budget < 0 {
					return errBudget
				}
				if nc := p.cost(next); nc < best-eps {
					best, bestSet = nc, slices.Clone(chosen)
					if best <= goal {
						return errGoal
					}
				}
			} else {
				rest := make([]int, 0, len(gs)-idx-1)
				for _, x := range gs[idx+1:] {
					rest = append(rest, x.j)
				}
				if err := dfs(next, rest, depth+1); err != nil {
					return err
				}
			}
			chosen = chosen[:len(chosen)-1]
		}
		return nil
	}
	if k == 0 {
		return p.cost(cur0), nil, nil
	}
	if err := dfs(cur0, rem, 0); err != nil && !errors.Is(err, errGoal) {
		return 0, nil, err
	}
	return best, bestSet, nil
}

// setCover solves LSCP: greedy until the required residents are covered,
// then drop-and-swap (remove the site whose loss is least, swap-improve the
// rest, keep it if it still covers enough) until that fails; the lower
// bound on the number of sites comes from the online bound, and the branch
// and bound gives the exact minimum as far as its work budget goes.
func (p *problem) setCover(ctx context.Context, opt Options) (*Solution, error) {
	share := opt.Share
	if share == 0 {
		share = DefaultShare
	}
	if !(share > 0 && share <= 1) {
		return nil, fmt.Errorf("%w: share %v: want (0, 1]", ErrInput, share)
	}
	sol := p.newSolution(opt)
	sol.Required = share * sol.Coverable
	reach := make([]bool, len(p.w))
	for j := range p.m.Sites {
		for _, e := range p.row(j) {
			reach[e.Cell] = true
		}
	}
	c := &coverGoal{p: p, q: p, share: share, required: sol.Required}
	// q is the problem the search runs on. Covering every coverable
	// resident is a set-covering problem over cells, whatever their
	// population: q counts each populated coverable cell once, so greedy is
	// Chvátal's (1979) and its costs are whole numbers of uncovered cells.
	// A share below 1 is a population constraint: q is p.
	if share == 1 {
		c.q = p.cellProblem(reach)
	}
	g, set, err := c.greedyAndReduce(ctx, opt, sol, reach)
	if err != nil {
		return nil, err
	}
	if sol.Feasible && opt.Exact.MaxWork >= 0 {
		if set, err = c.exactMinimum(ctx, opt, sol, set); err != nil {
			return nil, err
		}
	}
	p.fillCover(sol, g, set)
	return sol, nil
}

// coverGoal is what setCover asks of a plan: to cover share of the
// coverable residents (required), searched on q.
type coverGoal struct {
	p, q     *problem
	share    float64
	required float64
}

// cellProblem is p with each populated cell some site covers weighing 1
// and the others 0.
func (p *problem) cellProblem(reach []bool) *problem {
	uq := *p
	uq.w = make([]float64, len(p.w))
	uq.total = 0
	for i, w := range p.w {
		if w > 0 && reach[i] {
			uq.w[i] = 1
			uq.total++
		}
	}
	return &uq
}

// ok tells whether the plan whose state is cur covers enough.
func (c *coverGoal) ok(cur []float64) bool {
	if c.share == 1 {
		return c.q.cost(cur) == 0
	}
	var cov float64
	for i, w := range c.p.w {
		if cur[i] == 0 {
			cov += w
		}
	}
	return cov >= c.required*(1-1e-12)
}

// okSet tells whether the plan of sites set covers enough.
func (c *coverGoal) okSet(set []int) bool {
	cur := c.q.fresh()
	for _, j := range set {
		c.q.open(cur, j)
	}
	return c.ok(cur)
}

// greedyAndReduce runs greedy by residents, and by cells when covering
// all: greedy by residents gives the curve a planner reads (returned); by
// cells it is Chvátal's and often needs fewer sites. Both are improved by
// drop-and-swap; the fewer sites win (returned), and either's online bound
// bounds the number of sites (sol.MinSites). It sets sol.Evaluations,
// Feasible and Swaps.
func (c *coverGoal) greedyAndReduce(ctx context.Context, opt Options, sol *Solution, reach []bool) (*greedyRun, []int, error) {
	p, q := c.p, c.q
	rounds := opt.SwapRounds
	if rounds == 0 {
		rounds = DefaultSwapRounds
	}
	gqs := []*problem{p}
	if q != p {
		gqs = append(gqs, q)
	}
	var (
		g   *greedyRun
		set []int
	)
	for _, gq := range gqs {
		b := newBounds(len(p.cand), gq.costOf(p.cand))
		run := gq.newGreedy(b)
		for !c.ok(run.cur) && (opt.K == 0 || len(run.picks) < opt.K) {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			if !run.next() {
				break
			}
		}
		sol.Evaluations += run.evals
		found, swaps, err := q.reduce(ctx, run.picks, c.ok(run.cur), c.okSet, rounds)
		if err != nil {
			return nil, nil, err
		}
		feasible := c.okSet(found)
		better := set == nil || (feasible && !sol.Feasible) ||
			(feasible == sol.Feasible && (len(found) < len(set) || (len(found) == len(set) && q.costOf(found) < q.costOf(set))))
		if g == nil {
			g = run // the curve is the residents' greedy
		}
		if better {
			set, sol.Feasible, sol.Swaps = found, feasible, swaps
		}
		// The online bound, in this greedy's units, bounds the number of sites.
		b.online(gq.costOf(run.picks), gq.gainsAt(run.picks))
		b.online(gq.costOf(found), gq.gainsAt(found))
		allowed := gq.total - sol.Required
		if c.share == 1 {
			allowed = gq.total - gq.coverable(reach)
		}
		tol := 1e-12 * (gq.total + 1)
		for k, lb := range b.lb {
			if lb <= allowed+tol {
				sol.MinSites = max(sol.MinSites, k)
				break
			}
		}
	}
	return g, set, nil
}

// exactMinimum finds the exact minimum, as far as the budget goes: for
// each k from the lower bound up, does some k-site plan cover enough? The
// first that does is the minimum (and its plan is returned); if none below
// the answer's size does, the answer is the minimum. sol.ExactMinimum is
// -1 when the budget or opt.Exact.MaxK ran out first.
func (c *coverGoal) exactMinimum(ctx context.Context, opt Options, sol *Solution, set []int) ([]int, error) {
	q := c.q
	budget := opt.Exact.MaxWork
	if budget == 0 {
		budget = DefaultExactMaxWork
	}
	// q's cost is the uncovered weight: whole cells when covering all
	// (any plan under half a cell covers them all), residents otherwise.
	goal := q.total - sol.Required + 1e-9*(q.total+1)
	if c.share == 1 {
		goal = 0.5
	}
	sol.ExactMinimum = len(set)
	for k := sol.MinSites; k < len(set); k++ {
		if opt.Exact.MaxK > 0 && k > opt.Exact.MaxK {
			sol.ExactMinimum = -1
			break
		}
		_, es, err := q.exact(ctx, k, goal, nil, goal, &budget)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err != nil {
			sol.ExactMinimum = -1
			break
		}
		if es != nil && c.okSet(es) {
			sol.ExactMinimum = k
			set = es
			break
		}
	}
	return set, nil
}

// fillCover measures the greedy curve of g and the plan set into sol.
func (p *problem) fillCover(sol *Solution, g *greedyRun, set []int) {
	sol.Sites = set
	sol.Curve = make([]Step, len(g.picks))
	rep := p.newReport()
	prev := sol.Baseline
	nan := Bound{Greedy: math.NaN(), Online: math.NaN(), Exact: math.NaN(), Best: math.NaN(), Gap: math.NaN()}
	for k := 1; k <= len(g.picks); k++ {
		j := g.picks[k-1]
		rep.open(p.m, j)
		st := &sol.Curve[k-1]
		st.K, st.Site = k, j
		st.Covered, st.PersonSeconds = p.measure(rep)
		st.Value = st.Covered
		st.Gain, prev = st.Covered-prev, st.Covered
		st.Members = p.members(g.picks[:k])
		st.Swapped = math.NaN()
		st.Bound = nan
	}
	sol.GreedyValue = prev
	sol.Covered, sol.PersonSeconds = p.measureSet(set)
	sol.Value = sol.Covered
	sol.MeanSeconds = sol.PersonSeconds / p.total
	sol.Members = p.members(set)
	sol.Bound = nan
}

// coverable sums the weights of the cells some site covers.
func (p *problem) coverable(reach []bool) float64 {
	var s float64
	for i, w := range p.w {
		if reach[i] {
			s += w
		}
	}
	return s
}

// lscpDropTries is how many sites, least loss first, the set-cover search
// tries to drop at each size before giving up.
const lscpDropTries = 4

// reduce improves a set-cover answer. A feasible set loses a site at a
// time: the site whose removal uncovers least is dropped and the rest
// swap-improved; if that no longer covers enough, the next-least site is
// tried, up to lscpDropTries, and the search stops at the size where none
// works. An infeasible set (K limits the sites) is swap-improved.
func (p *problem) reduce(ctx context.Context, set []int, feasible bool, ok func([]int) bool, rounds int) ([]int, int, error) {
	set = slices.Clone(set)
	swaps := 0
	if !feasible {
		set, _, n, err := p.swap(ctx, set, rounds)
		return set, n, err
	}
	for len(set) > 0 {
		var a assignment
		p.assign(&a, set)
		type drop struct {
			k    int
			loss float64
		}
		drops := make([]drop, len(set))
		for k, s := range set {
			drops[k].k = k
			for _, e := range p.row(s) {
				if a.o1[e.Cell] == int32(s) {
					drops[k].loss += p.w[e.Cell] * (a.b2[e.Cell] - a.b1[e.Cell])
				}
			}
		}
		slices.SortStableFunc(drops, func(x, y drop) int { return cmp.Compare(x.loss, y.loss) })
		done := true
		for _, d := range drops[:min(len(drops), lscpDropTries)] {
			fewer := slices.Delete(slices.Clone(set), d.k, d.k+1)
			fewer, _, n, err := p.swap(ctx, fewer, rounds)
			if err != nil {
				return nil, 0, err
			}
			if ok(fewer) {
				set, swaps, done = fewer, swaps+n+1, false
				break
			}
		}
		if done {
			break
		}
	}
	return set, swaps, nil
}
