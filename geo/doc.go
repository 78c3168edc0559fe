// Package geo holds rescuegrid's spatial building blocks: great-circle
// distance, a local metric projection, and a segment index for snapping
// points onto lines. It does no I/O and never logs.
//
// Coordinates are orb values: an orb.Point is [lon, lat] in WGS-84 degrees.
// Distances are metres.
package geo
