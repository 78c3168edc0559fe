// Package report renders a study's output as one self-contained HTML file
// for planners and their superiors: the settings and standards it was
// judged by, the coverage summary, a map of travel time per H3 cell with
// the gaps outside the rescue circle, unit boundaries and bases, per-unit
// tables against the standards, shelters and depots, scenarios beside the
// baseline, the siting curve of 'rescuegrid site', and the data sources
// with their attribution.
//
// It reads what 'rescuegrid analyze' writes (summary.json and the Arrow
// IPC tables, see internal/study) with Load, and a 'rescuegrid site' folder
// with LoadSiting; it computes nothing itself. Render writes the page: an
// html/template embedded in the binary, inline CSS, and inline SVG drawn
// here (the map in a local equirectangular frame, the siting chart), with
// no script, font, image or style sheet fetched from anywhere: the file
// opens offline. The only external addresses are the attribution links.
//
// A Report is read-only after Load and safe for concurrent Render calls.
package report
