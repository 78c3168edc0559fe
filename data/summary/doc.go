// Package summary is the format of summary.json, the file that marks a
// complete study output ('rescuegrid analyze --out'): what was computed, by
// which rules (the standard), from which inputs (Source), with the headline
// figures of the baseline, the shelters, the scenarios and the critical
// road segments.
//
// It holds types only, so that a reader of an output folder (data/report,
// a client) decodes summary.json without the study layer (internal/study,
// which fills these types) and its GEOS and Parquet dependencies.
package summary
