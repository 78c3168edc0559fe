// Package graph is rescuegrid's road graph: a directed graph of OSM nodes
// held in compressed sparse rows, with travel-time weights, and the binary
// graph file it is stored in.
//
// # Layout
//
// Nodes are dense NodeIDs 0..N-1, renumbered along a Hilbert curve over their
// coordinates so that nodes near each other on the ground sit near each other
// in memory and a search walks its arrays mostly forward. Every node keeps its
// OSM id and its exact OSM coordinate (fixed-point 1e-7 degrees, as stored in
// the PBF), so any result can be traced back to OpenStreetMap. Every directed
// edge keeps the OSM way it came from. No node is contracted away: every
// routable OSM node is a node of the graph.
//
// # Core graph and hierarchy
//
// Nodes with exactly two neighbours form chains between the core nodes
// (core.go); searches settle the core graph and pass along each chain
// once. A graph built from OSM also holds a contraction hierarchy of its
// core graph (ch.go), stored in the graph file, for PHAST sweeps (package
// route). Scenario graphs (Modified) and the Reverse graph have none: their
// searches use Dijkstra.
//
// # Concurrency
//
// A Graph is immutable once built or read, and safe for concurrent use by any
// number of goroutines. Search state lives elsewhere (package route), one
// workspace per goroutine. The lazily built parts (the reverse graph and the
// snapping index) are built once under a sync.Once.
//
// What this package is not: it does not read OSM (package data/osm does, and
// feeds a Builder), and it does not search (package route does).
package graph
