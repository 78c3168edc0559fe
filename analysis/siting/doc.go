// Package siting finds where new rescue stations do the most good: which K
// sites among many candidates cover the most residents within the rescue
// circle (maximal covering, MCLP, Church & ReVelle 1974), how few sites
// cover all or a given share of the residents that can be covered at all
// (set covering, LSCP, Toregas et al. 1971), and which K sites give the
// least population-weighted travel time (p-median, Hakimi 1964). Existing
// bases count as already open; Solve never moves them, and Relocate then
// lets up to N of them move their teams to candidate sites when that
// serves the objective (a local search, never worse than not moving).
//
// # Candidates and the matrix
//
// Candidates generates candidate sites as the centres of the H3 cells of a
// coarser resolution (8 by default, about 0.74 km²) that hold road nodes,
// each placed on the nearest usable road within the snap distance, minus
// those inside excluded areas (water, protected land); or it checks given
// points and areas (an area stands for the cells whose centres it holds)
// the same way, saying why each one dropped was dropped.
//
// NewMatrix runs one bounded forward search per site (station to resident,
// on all cores through route.ForEach) and keeps, for every site, the demand
// cells it reaches within the horizon and the time: turnout, the drive to
// the cell centre's snapped road point, and the off-road walk to the centre,
// as package coverage computes a cell's time. The matrix is sparse rows of
// (cell, seconds) pairs, 8 bytes each, sorted by time within a row.
//
// # The solver
//
// Solve runs greedy selection with lazy evaluation (CELF, Leskovec et al.
// 2007), which makes the same picks as plain greedy with far fewer gain
// evaluations, then a swap (vertex interchange, Teitz & Bart 1968)
// improvement. Every objective is written as a weighted facility-location
// cost, the sum over cells of population × the best score among the open
// sites, where the score is 0 (covered) or 1 (not) for coverage and the
// travel time capped at a penalty for p-median. The saving over the
// existing bases is monotone and submodular, so
//
//   - greedy reaches at least 1 − 1/e ≈ 63.2 % of the optimal saving
//     (Nemhauser, Wolsey & Fisher 1978), which bounds the optimum;
//   - for any set S, OPT_K ≤ f(S) + the sum of the K largest marginal gains
//     at S (the online bound of Leskovec et al. 2007), usually much tighter;
//   - Exact finds the optimum by branch and bound, depth first in order of
//     marginal gain and pruning with the same online bound at every node.
//     Solve runs it for K = 1, 2, … within a work budget (ExactLimits) and
//     adopts its plan when it beats the swaps. Real grids have structure
//     the bound exploits: Andorra (212 candidates) is solved for every K up
//     to 10 in well under a second each, while random matrices without
//     that structure exhaust the default budget with under 100 candidates.
//
// Solution reports, for every K, the value, the marginal gain of the site
// added (the curve a planner reads: what each added station buys), the best
// bound, and the exact optimum where it was computed.
//
// Set covering runs greedy twice, by residents (the curve) and, when every
// coverable resident must be covered, by cells (Chvátal 1979), improves
// each by dropping the site that uncovers least and swap-repairing the
// rest while that still covers enough, and keeps the fewer sites. The
// online bound gives a lower bound on the number of sites, and the branch
// and bound the exact minimum as far as the budget goes.
//
// The package does no I/O and does not log. A Matrix is immutable after
// construction and safe for concurrent use; Solve does not modify it.
package siting
