// Package shelter answers the shelter questions of a study: how many places
// each shelter has and by which rule, who can walk to which shelter, how
// the places are shared among the residents who would use them (2SFCA and
// E2SFCA), an assignment of residents to shelters that respects every
// shelter's capacity at the least total walking, and how fast supplies
// drive from the depots to the shelters and the residents.
//
// # Capacity
//
// A shelter's capacity is its declared capacity when one is given (> 0),
// else its usable area divided by the per-person area of its class
// (standard.Shelters.Classes), else unknown: such a shelter counts no
// places and is reported. Capacity records the rule that applied
// (RuleDeclared, AreaRule(class), RuleUnknown).
//
// # Walking
//
// Walk runs one bounded search per shelter on the pedestrian graph, cut
// off at the shelter's reach (its class's reach distance at the walking
// speed, or a fixed cut-off), and one unbounded multi-source search for
// every cell's nearest shelter. Cell centres and shelters are snapped to
// the nearest usable edge; the off-road walk to each is added at the
// walking speed. The walk graph must be two-way (the walk profile ignores
// one-way tags): a search from the shelter then gives the time from every
// cell to it, and Walk refuses a graph that has an edge without an equal
// twin (ErrOneWay). The result is a sparse cell × shelter Matrix.
//
// # Accessibility and assignment
//
// FCA computes the two-step floating catchment area (Luo & Wang 2003) and
// its enhanced form with step or Gaussian distance decay (Luo & Qi 2009),
// in places per resident, as PySAL's access package does (bench/access
// checks the two agree). Assign solves the transportation problem: the most
// residents placed, and among such placements the least walking
// person-seconds, by successive shortest paths with node potentials.
//
// # Depots
//
// DepotReach runs one multi-source search from all depots on the drive
// graph: the drive time from the nearest depot to every cell and shelter.
//
// Compute runs all of the above for a study and aggregates per unit.
//
// The package does no I/O and does not log: inputs are slices, results are
// slices the caller turns into tables. Results are not shared with the
// inputs; inputs are not modified.
package shelter
