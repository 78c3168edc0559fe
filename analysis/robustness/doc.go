// Package robustness asks which road segments the rescue circle hangs on:
// which closures (a bridge washed away, a landslide across the only road up
// a valley) would cost the most coverage.
//
// # Segments
//
// A segment is the stretch of road between two junctions: one chain of
// two-neighbour nodes of the graph (see graph.Graph.Chain) with the edges
// joining it to its two end junctions, or a direct edge between two
// junctions, in both directions. Closing a segment drops all its edges.
// A chain may run across the end of one OSM way into the next; the segment
// reports the way of most of its edges and all of them.
//
// # Ranking, bound and exact evaluation
//
// Critical first finds, for every populated cell, its fastest path from the
// nearest base (the tree of one multi-source search: a parent edge for every
// reached node, among the edges on which the node's time is tight) and its
// route from every base that reaches it within the rescue circle (one
// bounded search per base). A segment's path count is the residents whose
// fastest path runs along it; its sole-route count those inside the circle
// all of whose in-time routes run along it: no closure of any other single
// segment can take them out of the circle.
//
// The loss bound sharpens the sole-route count with the detour: a route
// entering the segment at junction x and leaving it at y gets at most
// δ = (fastest x → y without the segment) − (time along it) longer, so a
// resident stays inside the circle when δ fits in the slack of one of its
// routes (the circle less its time on that route). The detours come from a
// bidirectional Dijkstra around each segment, bounded by the largest slack
// that matters, and bridges of the junction graph (Tarjan) have none. A
// route that starts or ends inside the segment (a base or a cell centre
// snapped onto it) counts as lost. Closing a segment takes at most its
// bound out of the circle, but for the points snapped anew: a base whose
// road is closed moves to the nearest open road, which can lose more (or
// gain).
//
// Segments are ranked by the bound, then by the path count; of a group of
// segments carrying exactly the same residents' paths and bounds (a
// corridor without branches that carry residents) only the first is
// evaluated, and the others are counted as its twins. The top segments of
// that ranking are closed one at a time on a copy of the graph
// (graph.Modified) and the cells' times computed again exactly as package
// coverage computes them (cell centres and bases kept where their road
// survives in a large component, else snapped anew; one multi-source
// search): the residents who leave the rescue circle, those no base
// reaches any more, and the added person-seconds of the others. The exact
// evaluations run on all cores. The largest bound left unevaluated says
// how much a closure further down the list could cost at most.
//
// The package does no I/O and does not log. The graph is only read.
package robustness
