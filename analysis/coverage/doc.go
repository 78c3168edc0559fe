// Package coverage answers the main question of a study: how long a rescue
// team takes to reach each H3 cell of residents, who lies outside the rescue
// circle, and how each reporting unit and each base fares against the
// standards.
//
// It runs a fixed number of searches whatever the number of cells: one
// multi-source search from all bases (the nearest base of every cell), one
// bounded search per base (the second-nearest base, the residents only one
// base covers, each base's isochrones), and one multi-source search per
// "135" responder class. Cells enter the searches by their centre snapped to
// the nearest road edge, plus the off-road walk to it.
//
// The package does no I/O: inputs are slices, results are slices the caller
// turns into tables (package data/arrowio).
package coverage
