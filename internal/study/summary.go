package study

import "github.com/rescuegrid/rescuegrid/data/summary"

// The types of summary.json live in data/summary, where readers of an
// output folder find them without this package; these names keep the
// study's writers and its callers reading as before.
type (
	Summary                = summary.Summary
	ScenarioSummary        = summary.ScenarioSummary
	ScenarioShelterSummary = summary.ScenarioShelterSummary
	ShelterSummary         = summary.ShelterSummary
	CriticalSummary        = summary.CriticalSummary
	CriticalSegment        = summary.CriticalSegment
	BackupSummary          = summary.BackupSummary
	BusySummary            = summary.BusySummary
	DayInfo                = summary.DayInfo
	DaySummary             = summary.DaySummary
	TimeSummary            = summary.TimeSummary
	TimesSummary           = summary.TimesSummary
	Source                 = summary.Source
)

// SummaryFile is summary.File, the name of the study summary in an output
// folder; its presence marks a complete rescuegrid output.
const SummaryFile = summary.File

// OSMAttribution is summary.OSMAttribution.
const OSMAttribution = summary.OSMAttribution
