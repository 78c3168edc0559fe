// Package route searches the road graph: multi-source Dijkstra (travel time
// from the nearest of many bases to every node, and which base that is),
// bounded searches that stop at a time limit, and many single-base searches
// run in parallel.
//
// A Search is a reusable workspace: its arrays are sized to the graph once
// and reset cheaply between runs (only the nodes a run touched), so thousands
// of bounded searches, as isochrones and station siting need, cost no
// allocation. A Search is not safe for concurrent use; give each goroutine its
// own (ForEach does). The graph itself is shared read-only.
//
// Points off the graph enter a search through Seeds built from a graph.Snap
// (the partial edge times counted), and leave it through PointTime, which
// also credits the direct drive along a road a seed's point shares.
//
// # Methods
//
// A search runs Dijkstra unless Options.Method asks for PHAST: on a graph
// with a contraction hierarchy, an upward search from the seeds and one
// linear sweep over the core nodes (phast.go), the faster for wide
// searches; or Auto, Dijkstra that turns to PHAST once it has settled a
// eighth of the core graph (WideMethod). With Options.Targets it sweeps only the part of the
// hierarchy a fixed set of places needs (RPHAST, rphast.go): the
// many-sources-to-cells matrices. Short bounded searches keep Dijkstra,
// which touches only what lies within the limit. All give the same times to
// within 1e-9 s (shortcuts add the same edge times in another order);
// Dijkstra stays the default because a scenario graph, which has no
// hierarchy, repeats its sums bit for bit.
package route
