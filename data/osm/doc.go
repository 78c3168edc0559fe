// Package osm reads OpenStreetMap extracts (.osm.pbf, or .osm XML for small
// fixtures) into rescuegrid's road graph, by a travel Profile kept as data
// (profiles/*.json: drive, walk, emergency).
//
// Ingest is two streaming passes over the file with the parallel PBF decoder
// of github.com/paulmach/osm/osmpbf: the first keeps the routable ways, the
// second the coordinates of the nodes they use. Memory grows with the road
// network, not with the whole extract.
package osm
