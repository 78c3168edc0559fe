// Package isochrone turns a search into drive-time areas: the H3 cells
// whose road nodes are reached within each time limit, dissolved into
// polygons with holes where the network is not reached in time.
//
// FromPoint places a point on the road network (graph.Snap), runs one
// bounded search (route.Search) to the largest limit and returns a Band per
// limit; FromSearch does the same from a search already run, as coverage
// does for its bases. Each band holds the ones before it. A Band's cells
// are those of the reached nodes, not of every place within the time: a
// cell with no road node is never in a band. The package does no I/O and
// does not log; a route.Search is not safe for concurrent use, so give each
// goroutine its own.
package isochrone
