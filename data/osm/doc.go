// Package osm reads OpenStreetMap extracts (.osm.pbf, or .osm XML for small
// fixtures) into rescuegrid's road graph, by a travel Profile kept as data
// (profiles/*.json: drive, walk, emergency), and extracts the other things a
// study takes from OSM: areas (boundaries, buildings), tagged features
// (facilities), a base map, way labels.
//
// # One pass
//
// A Reader reads the file once for every extraction asked of it (Graph,
// Areas, Features, Basemap; Build, ExtractAreas and the other functions are
// a Reader with one extraction). The PBF decoder is the parallel one of
// github.com/paulmach/osm/osmpbf. A PBF lists nodes, then ways, then
// relations, each by id, so a node's location is known before the ways
// that use it are, but a way is not known to be needed until the relations
// at the end of the file. The pass therefore keeps on disk what a later
// part of the file may ask for:
//
//   - every node's location (id, lon·1e7, lat·1e7: 16 bytes) is appended to
//     a temporary node index as the nodes stream by; tagged nodes are
//     matched on the fly (facilities, place names, barriers);
//   - the ways an extraction keeps (roads, closed areas, matching features)
//     are kept in memory with their node refs; when an extraction reads
//     relations, every way's refs also go to a temporary way store;
//   - relations (multipolygons, boundaries) name their member ways, read
//     back from the way store in one sequential read after the pass;
//   - then the locations of the nodes each extraction needs are read back
//     in one sequential merge of its sorted ids with the node index (no
//     random lookups; an unsorted file, e.g. hand-made XML, is read the
//     same way with a binary search per record).
//
// Memory is therefore what the outputs hold (the graph's ways and nodes,
// the areas), not the extract; the extract's size costs disk in
// Options.TempDir (about 16 bytes a node, plus the ways' refs as varints
// when relations are read). The temporary files are unlinked as soon as
// they are created, so they vanish however the process ends; a full disk
// fails the pass with ErrTempSpace. The file's SHA-256 (recorded in the
// graph) is computed on the same read.
//
// Results do not depend on the order of the file: of two nodes or ways
// with the same id the later one wins, as in a table filled in file order.
// A graph built in one pass is byte for byte the graph the former
// two-pass reader built (bench/README.md, "Scale").
package osm
