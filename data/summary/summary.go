package summary

import (
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/standard"
)

// File is the name of the study summary in an output folder; its
// presence marks a complete rescuegrid output.
const File = "summary.json"

// Summary is summary.json: what was computed, by which rules, from what.
type Summary struct {
	Study      string             `json:"study"`
	StudyFile  string             `json:"study_file"`
	Generator  string             `json:"generator"`
	Created    time.Time          `json:"created"`
	Resolution int                `json:"resolution"`
	Standard   *standard.Standard `json:"standard"`
	Population string             `json:"population_source"`
	// PopulationEstimate holds population_source's figures when the
	// residents were estimated from OSM buildings (absent otherwise, and
	// in outputs of versions before it was added), so that a reader says
	// the source in another language with the same numbers.
	PopulationEstimate *PopulationEstimate `json:"population_estimate,omitempty"`
	// Sources are the study's input files (absent in outputs of versions
	// before it was added).
	Sources []Source `json:"sources,omitempty"`
	Graph   struct {
		Profile string `json:"profile"`
		Nodes   int    `json:"nodes"`
		Edges   int    `json:"edges"`
		Source  string `json:"source"`
	} `json:"graph"`
	Residents            float64  `json:"residents"`
	Within               float64  `json:"within"`
	Share                float64  `json:"share"`
	Outside              float64  `json:"outside"`
	P50Seconds           *float64 `json:"p50_seconds"`
	P90Seconds           *float64 `json:"p90_seconds"`
	MaxSeconds           *float64 `json:"max_seconds"`
	Cells                int      `json:"cells"`
	NoRoadCells          int      `json:"no_road_cells"`
	NoRoadResidents      float64  `json:"no_road_residents"`
	CellsOutsideUnits    int      `json:"cells_outside_units"`
	ResidentsOutsideUnit float64  `json:"residents_outside_units"`
	Units                int      `json:"units"`
	UnitsWithResidents   int      `json:"units_with_residents"`
	UnitsMeetingRescue   int      `json:"units_meeting_rescue"`
	UnitsMeetingTeam     int      `json:"units_meeting_team"`
	Bases                int      `json:"bases"`
	UnplacedBases        []string `json:"unplaced_bases,omitempty"`
	Notes                []string `json:"notes,omitempty"`
	// NoteMessages are the notes rescuegrid adds, as messages of the
	// interface's catalogue for a reader in another language, aligned with
	// Notes: null for a note of the study's own (absent in outputs of
	// versions before it was added).
	NoteMessages   []*Message         `json:"note_messages,omitempty"`
	Shelters       *ShelterSummary    `json:"shelters,omitempty"`
	Scenarios      []ScenarioSummary  `json:"scenarios,omitempty"`
	Critical       *CriticalSummary   `json:"critical_segments,omitempty"`
	Backup         *BackupSummary     `json:"backup,omitempty"`
	BusyTeams      *BusySummary       `json:"busy_teams,omitempty"`
	Day            *DaySummary        `json:"day,omitempty"`
	Times          *TimesSummary      `json:"times_of_day,omitempty"`
	TimingsSeconds map[string]float64 `json:"timings_seconds"`
	Files          []string           `json:"files"`

	// MovedBases are bases placed on a road farther than the nearest, with
	// the distance and the reason (a cut-off fragment).
	MovedBases []string `json:"moved_bases,omitempty"`
}

// ScenarioSummary is one scenario in summary.json.
type ScenarioSummary struct {
	Name        string                  `json:"name"`
	Within      float64                 `json:"within"`
	Lost        float64                 `json:"residents_losing_coverage"`
	ClosedEdges int                     `json:"closed_edges"`
	SlowedEdges int                     `json:"slowed_edges"`
	UnknownWays []int64                 `json:"unknown_ways,omitempty"`
	Shelters    *ScenarioShelterSummary `json:"shelters,omitempty"`
	// BasesOut are the bases the scenario takes out of service.
	BasesOut []string `json:"bases_out,omitempty"`
}

// ScenarioShelterSummary is a scenario's shelter answer in summary.json,
// beside the baseline's.
type ScenarioShelterSummary struct {
	Closed            int      `json:"closed"`
	Places            float64  `json:"places"`
	PlacesBaseline    float64  `json:"places_baseline"`
	Placed            float64  `json:"placed"`
	PlacedBaseline    float64  `json:"placed_baseline"`
	Unplaced          float64  `json:"unplaced"`
	NewlyUnplaced     float64  `json:"newly_unplaced"`
	WithinReach       float64  `json:"residents_within_walk_reach"`
	WithinReachBase   float64  `json:"residents_within_walk_reach_baseline"`
	WalkClosedEdges   int      `json:"walk_closed_edges"`
	StartToOverflow   []string `json:"shelters_starting_to_overflow"`
	TurningAway       []string `json:"shelters_turning_away_more"`
	InClosedAreas     []string `json:"open_shelters_in_closed_areas,omitempty"`
	NearestOverflowed int      `json:"shelters_overflowing_if_nearest"`
}

// ShelterSummary is the shelter part of summary.json.
type ShelterSummary struct {
	Shelters           int      `json:"shelters"`
	UnknownCapacity    int      `json:"unknown_capacity"`
	Places             float64  `json:"places"`
	PlacesPerResident  float64  `json:"places_per_resident"`
	Required           float64  `json:"required_places"`
	Deficit            float64  `json:"place_deficit"`
	WithinReach        float64  `json:"residents_within_walk_reach"`
	Demand             float64  `json:"demand"`
	Placed             float64  `json:"placed"`
	Unplaced           float64  `json:"unplaced"`
	MeanWalkSeconds    *float64 `json:"mean_walk_seconds"`
	NearestOverflowing int      `json:"shelters_overflowing_if_nearest"`
	NearestOverflow    float64  `json:"overflow_if_nearest"`
	Depots             int      `json:"depots"`
	DepotsUnreached    int      `json:"shelters_no_depot_reaches"`
}

// CriticalSummary is the critical segments part of summary.json.
type CriticalSummary struct {
	Evaluated int `json:"evaluated"`
	OnPaths   int `json:"segments_on_paths"`
	Segments  int `json:"segments"`
	// UnevaluatedBound: no segment left unevaluated takes more residents
	// out of the circle (but for bases and cells snapped anew).
	UnevaluatedBound float64           `json:"unevaluated_loss_bound"`
	Top              []CriticalSegment `json:"most_costly"`
}

// CriticalSegment is one segment in summary.json.
type CriticalSegment struct {
	WayID      int64   `json:"way_id"`
	Name       string  `json:"name,omitempty"`
	Lost       float64 `json:"residents_losing_coverage"`
	CutOff     float64 `json:"residents_cut_off"`
	AddedMin   float64 `json:"added_person_minutes"`
	PathPeople float64 `json:"path_residents"`
}

// Source is one input of a study as summary.json records it ("sources"):
// what was read, from which file, and whether it is OpenStreetMap data,
// so that a report can name its data and their attribution without the
// study file at hand.
type Source struct {
	// Role is what the input is for: "road network", "walk network",
	// "bases", "population", "units", "zones", "shelters", "depots" or
	// "scenario <name>".
	Role string `json:"role"`
	// File is the path as the study resolves it, relative to the study
	// file's folder (absolute when on another volume).
	File  string `json:"file"`
	Bytes int64  `json:"bytes"`
	// Detail says how the file is read when that is not obvious: the OSM
	// tags or boundary level taken from a PBF, the population method.
	Detail string `json:"detail,omitempty"`
	// DetailMessage is Detail as a message of the interface's catalogue,
	// for a reader in another language (absent in outputs of versions
	// before it was added).
	DetailMessage *Message `json:"detail_message,omitempty"`
	// OSM marks OpenStreetMap data (a PBF, or a graph built from one):
	// "© OpenStreetMap contributors", Open Database Licence 1.0.
	OSM bool `json:"osm"`
	// Provenance is a SOURCE.md beside the file, relative like File, when
	// there is one: where the data came from and under which licence.
	Provenance string `json:"provenance,omitempty"`
	// CRS is the coordinate system the file was read in ("wgs84", "gcj02"
	// or "bd09"); GCJ-02 and BD-09 were converted to WGS-84 on reading.
	// OpenStreetMap data and H3 tables are WGS-84.
	CRS string `json:"crs"`
}

// OSMAttribution is the attribution OpenStreetMap data requires
// (https://www.openstreetmap.org/copyright).
const OSMAttribution = "© OpenStreetMap contributors, ODbL"

// BackupSummary is backup coverage in summary.json: the residents by the
// number of bases that reach them within the rescue circle.
type BackupSummary struct {
	// ByBases are people by bases within the circle, keyed "0", "1", "2"
	// and "3+".
	ByBases map[string]float64 `json:"residents_by_bases"`
	// Backed are the residents at least two bases reach in time, Share
	// their share of all residents.
	Backed float64 `json:"backed"`
	Share  float64 `json:"share"`
}

// BusySummary is expected coverage with busy teams in summary.json.
type BusySummary struct {
	Expected      float64  `json:"expected_within"`
	ExpectedShare float64  `json:"expected_share"`
	Within        float64  `json:"within"`
	Given         int      `json:"bases_given"`
	Derived       int      `json:"bases_derived"`
	MeanFraction  float64  `json:"mean_busy_fraction"`
	MaxFraction   float64  `json:"max_busy_fraction"`
	Saturated     []string `json:"saturated_bases,omitempty"`
	Model         string   `json:"model"`
}

// DayInfo says how the day population was made.
type DayInfo struct {
	Source      string  `json:"source"`
	Residents   float64 `json:"residents_at_night"`
	Workers     float64 `json:"workers"`
	StayShare   float64 `json:"stay_share"`
	StayDerived bool    `json:"stay_share_derived"` // 1 − workers / residents (else given)
	Total       float64 `json:"day_population"`
	// WorkCellsAdded are cells with workers and no row in the residents'
	// table, added to the study grid with 0 residents.
	WorkCellsAdded int `json:"work_cells_added"`
}

// DaySummary is the day population's coverage in summary.json.
type DaySummary struct {
	DayInfo
	Within     float64        `json:"within"`
	Share      float64        `json:"share"`
	Outside    float64        `json:"outside"`
	P50Seconds *float64       `json:"p50_seconds"`
	P90Seconds *float64       `json:"p90_seconds"`
	Backup     *BackupSummary `json:"backup"`
	Expected   *float64       `json:"expected_within,omitempty"`
	// Night are the same figures for the residents, for comparison.
	NightWithin float64 `json:"night_within"`
	NightShare  float64 `json:"night_share"`
}

// TimeSummary is one time of day in summary.json.
type TimeSummary struct {
	Time        string   `json:"time"`   // HH:MM as the study gave it
	Period      string   `json:"period"` // the speed profile's period; "" : free flow
	Within      float64  `json:"within"`
	Share       float64  `json:"share"`
	Outside     float64  `json:"outside"`
	P50Seconds  *float64 `json:"p50_seconds"`
	P90Seconds  *float64 `json:"p90_seconds"`
	BackupShare float64  `json:"backup_share"`
	Expected    *float64 `json:"expected_within,omitempty"`
	Units       int      `json:"units_meeting_rescue"`
}

// SpeedPeriodSummary is one period of a speed profile: from (inclusive)
// to (exclusive) HH:MM, and speed factors (shares of free-flow speed) by
// highway class, "default" for the rest.
type SpeedPeriodSummary struct {
	Name    string             `json:"name"`
	From    string             `json:"from"`
	To      string             `json:"to"`
	Factors map[string]float64 `json:"factors"`
}

// SpeedProfileSummary is the speed profile the times were studied with.
type SpeedProfileSummary struct {
	Name         string               `json:"name"`
	Description  string               `json:"description,omitempty"`
	Source       string               `json:"source,omitempty"`
	Illustrative bool                 `json:"illustrative"`
	Periods      []SpeedPeriodSummary `json:"periods"`
	Ways         string               `json:"ways,omitempty"` // the per-way factors file
}

// TimesSummary is the times part of summary.json.
type TimesSummary struct {
	Profile SpeedProfileSummary `json:"speed_profile"`
	Times   []TimeSummary       `json:"times"`
}
