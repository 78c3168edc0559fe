// Package study reads a study file (YAML): the road network, the facilities,
// the population, the reporting units, the H3 resolution and the standards
// (a preset, internal/study/presets/*.yaml, plus overrides). Unknown keys and bad
// values are errors naming the file, the line and what is allowed.
//
// Paths are relative to the study file, or absolute, or start with
// ${RESCUEGRID_SHARED} to find the shared data folder wherever it lies
// (SharedEnv; an error when the variable is unset).
package study

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/rescuegrid/rescuegrid/analysis/standard"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
	"github.com/rescuegrid/rescuegrid/internal/limits"
	"go.yaml.in/yaml/v3"
)

//go:embed presets/*.yaml
var presets embed.FS

// DefaultPreset is the standards preset a study uses when it names none.
const DefaultPreset = "cn-grassroots"

// PresetNames lists the built-in presets.
func PresetNames() []string {
	entries, _ := presets.ReadDir("presets")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// SharedEnv is the environment variable naming the shared data folder. A
// study file's paths may start with ${RESCUEGRID_SHARED} (or
// $RESCUEGRID_SHARED) to find the shared data wherever it lies, as the
// tests do, instead of a path relative to the study file.
const SharedEnv = "RESCUEGRID_SHARED"

// expandShared replaces ${RESCUEGRID_SHARED} and $RESCUEGRID_SHARED in a
// study path by the variable's value; other $ are left as they are. A path
// that uses the variable when it is unset is an error.
func expandShared(path string) (string, error) {
	var missing bool
	out := os.Expand(path, func(name string) string {
		if name != SharedEnv {
			return "$" + name // not ours: kept (braces are not restored; such names do not occur in paths)
		}
		v := os.Getenv(SharedEnv)
		if v == "" {
			missing = true
		}
		return v
	})
	if missing {
		return "", fmt.Errorf("uses ${%s}, which is not set: set it to the shared data folder", SharedEnv)
	}
	return out, nil
}

// ErrUnknownPreset is returned for a preset that is neither built in nor a file.
var ErrUnknownPreset = errors.New("study: unknown preset")

// Preset returns the built-in preset called name, or reads a preset file
// when name ends in .yaml or .yml (relative to dir).
func Preset(name, dir string) (*standard.Standard, error) {
	if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
		path := name
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		b, err := limits.ReadFile(path, limits.MaxStudyFileBytes)
		if err != nil {
			return nil, fmt.Errorf("read preset: %w", err)
		}
		return ParseStandard(b, path)
	}
	b, err := presets.ReadFile("presets/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("%w %q (built in: %s; or give a .yaml file)", ErrUnknownPreset, name, strings.Join(PresetNames(), ", "))
	}
	return ParseStandard(b, "preset "+name)
}

// ParseStandard reads a whole standard from YAML, rejecting unknown keys.
func ParseStandard(b []byte, origin string) (*standard.Standard, error) {
	var s standard.Standard
	if err := decodeStrict(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", origin, err)
	}
	return &s, nil
}

// Override applies a YAML mapping of overrides (any subset of the keys)
// onto a copy of s, rejecting unknown keys, and validates the result.
func Override(s *standard.Standard, node *yaml.Node) (*standard.Standard, error) {
	c := s.Clone()
	if node == nil || node.Kind == 0 {
		return c, nil
	}
	b, err := yaml.Marshal(node)
	if err != nil {
		return nil, err
	}
	if err := decodeStrict(b, c); err != nil {
		// The block was re-marshalled: its lines count from 1; report
		// them at the lines of the study file.
		return nil, fileLines(err, blockLines(node, b))
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func classNames[V any](m map[string]V) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func decodeStrict(b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var node yaml.Node
	if err := yaml.Unmarshal(b, &node); err == nil {
		if err := checkWhole(&node, reflect.TypeOf(v), ""); err != nil {
			return err
		}
	}
	return nil
}

// Study is a parsed, checked study file. Paths are absolute.
type Study struct {
	File       string // the study file
	Name       string
	Resolution int
	Standard   *standard.Standard
	Network    Network
	Bases      []FacilitySource
	Population PopulationSource
	Units      UnitsSource
	Zones      []string  // "135" zones: GeoJSON polygon files
	OSMZones   []OSMZone // "135" zones from the PBF
	Shelters   []ShelterSource
	Depots     []string // depot files (points with stock_<item> columns)
	Scenarios  []ScenarioSpec
	ShelterOpt ShelterOptions
	Robustness Robustness
	// BusyTeams asks for expected coverage with busy teams (nil: not asked).
	BusyTeams *BusyTeams
	// Times are the times of day to study with the speed profile (nil:
	// none; the study is then the free-flow one alone).
	Times *TimesSpec
	// CRS is the coordinate system of each input file (absolute path ->
	// system), from the inputs' crs keys and the study's default crs; files
	// not in it are WGS-84. See SystemOf.
	CRS    map[string]coordsys.System
	Output OutputOptions
	Notes  []string // the study file's notes: what its data can and cannot support
}

// OutputOptions ask for extra outputs.
type OutputOptions struct {
	// GCJ02Copy writes a GCJ-02 copy of every GeoJSON output and of every
	// CSV output with lon/lat columns (name.gcj02.geojson, name.gcj02.csv),
	// for overlay on Amap-style base maps. The outputs stay WGS-84.
	GCJ02Copy bool `yaml:"gcj02_copy"`
}

// Robustness asks for the robustness answers beyond the per-base one.
type Robustness struct {
	// CriticalSegments is how many road segments, from the top of the
	// path ranking, are closed one at a time and evaluated exactly (0:
	// none). See package analysis/robustness.
	CriticalSegments int `yaml:"critical_segments"`
}

// MaxCriticalSegments caps Robustness.CriticalSegments: each evaluation
// copies the graph and reruns the search (about 0.1 s on Malta).
const MaxCriticalSegments = 1000

// ScenarioSpec is one what-if of the study file, answered beside the baseline.
type ScenarioSpec struct {
	Name       string  `yaml:"name"`
	CloseWays  []int64 `yaml:"close_ways"`  // OSM way ids
	CloseAreas string  `yaml:"close_areas"` // GeoJSON polygons: every road inside is closed
	Slow       []struct {
		Area   string  `yaml:"area"`   // GeoJSON polygons
		Factor float64 `yaml:"factor"` // travel times × factor inside (1.3: 30 % slower)
	} `yaml:"slow"`
	BasesOut []string `yaml:"bases_out"` // base ids out of service
	// BasesMove puts existing bases (by id) at a new lon, lat; BasesAdd
	// adds bases (id, lon, lat, team_size, level); TeamSize sets the team
	// members of bases by id (existing or added).
	BasesMove []BaseSpec     `yaml:"bases_move"`
	BasesAdd  []BaseSpec     `yaml:"bases_add"`
	TeamSize  map[string]int `yaml:"team_size"`
	// SheltersClosed are shelter ids out of use; ShelterCapacity scales the
	// places of shelters by id (0.5: half the places; 0: open, no places).
	SheltersClosed  []string           `yaml:"shelters_closed"`
	ShelterCapacity map[string]float64 `yaml:"shelter_capacity"`
	CRS             string             `yaml:"crs"` // system of close_areas and slow areas
}

// ShelterSource is one file of shelters.
type ShelterSource struct {
	File string `yaml:"file"`
	// Format is "points" (CSV id,lon,lat with capacity, area_m2, class
	// columns, or GeoJSON; the default) or "sosrs" (the SOS Rio Grande do
	// Sul shelter export as it is).
	Format string `yaml:"format"`
	Class  string `yaml:"class"` // default class for rows without one
	City   string `yaml:"city"`  // sosrs: keep only this city
	CRS    string `yaml:"crs"`   // wgs84 (default), gcj02 or bd09
}

// ShelterOptions tune the shelter computation.
type ShelterOptions struct {
	DemandShare   float64 `yaml:"demand_share"`   // share of residents needing a place (default 1)
	CutoffMinutes float64 `yaml:"cutoff_minutes"` // one reach for all shelters, in walking minutes (default: by class)
	DefaultClass  string  `yaml:"default_class"`  // class of shelters without one (default short_term)
}

// Network names the road network: a PBF to build, or a built graph.
type Network struct {
	PBF         string  `yaml:"pbf"`
	Graph       string  `yaml:"graph"`
	WalkGraph   string  `yaml:"walk_graph"` // pedestrian graph for shelters, when graph (not pbf) is given
	Profile     string  `yaml:"profile"`
	SpeedFactor float64 `yaml:"speed_factor"`
	// Barriers, when set, overrides the profile's barrier rule: true closes
	// barrier nodes (bollards, gates, ...) in the drive profile too, false
	// ignores them in the emergency profile. Nil keeps the profile's own
	// (drive ignores them, emergency honours them).
	Barriers *bool `yaml:"barriers"`
	// TurnRestrictions, when set, overrides the profile's turn rule: true
	// makes the drive profile obey OSM turn restrictions, false ignores them
	// in the emergency profile. Nil keeps the profile's own.
	TurnRestrictions *bool `yaml:"turn_restrictions"`
	// profileGiven: the study named the profile (not the default drive).
	profileGiven bool
}

// FacilitySource is one file of facilities, or a tag selection from the PBF.
type FacilitySource struct {
	File     string   `yaml:"file"`
	OSMTags  []string `yaml:"osm"`
	TeamSize int      `yaml:"team_size"` // default for rows without a team_size
	Level    string   `yaml:"level"`     // default for rows without a level
	CRS      string   `yaml:"crs"`       // wgs84 (default), gcj02 or bd09
}

// PopulationSource is where residents come from: exactly one of the fields.
type PopulationSource struct {
	H3        string           `yaml:"h3"`
	Polygons  string           `yaml:"polygons"`
	Key       string           `yaml:"key"` // population property of the polygons
	CRS       string           `yaml:"crs"` // system of the polygons: wgs84 (default), gcj02 or bd09
	Buildings *BuildingsSource `yaml:"buildings"`
	// Raster is a GeoTIFF of people per pixel (WorldPop, GHS-POP in
	// EPSG:4326), read over the extent of the road network.
	Raster string `yaml:"raster"`
	// Night, when given, holds the residents instead of the fields above
	// (population: {night: …, day: …}); Day is the day population.
	Night *PopulationSource `yaml:"night"`
	Day   *DaySource        `yaml:"day"`
}

// BuildingsSource estimates residents from OSM buildings of the study's PBF.
type BuildingsSource struct {
	ScaleTo            float64            `yaml:"scale_to"`
	FloorM2PerResident float64            `yaml:"floor_m2_per_resident"`
	DefaultLevels      float64            `yaml:"default_levels"`
	Types              map[string]float64 `yaml:"types"`
}

// UnitsSource is where reporting units come from: a file, or OSM admin boundaries.
type UnitsSource struct {
	File       string `yaml:"file"`
	ID         string `yaml:"id"`
	NameKey    string `yaml:"name"`
	AdminLevel int    `yaml:"osm_admin_level"`
	// Repair fixes invalid polygons (self-touching rings from coarse
	// coordinates) with GEOS MakeValid instead of refusing them.
	Repair bool   `yaml:"repair"`
	CRS    string `yaml:"crs"` // wgs84 (default), gcj02 or bd09
	// CodeKey is the property holding each unit's official code (统计用区划代码,
	// 9 digits for a township, 12 for a village), kept in the units table.
	CodeKey string `yaml:"code"`
	// Rollup lists coarser levels to report the same units table at.
	Rollup []RollupSpec `yaml:"rollup"`
}

// RollupSpec is one coarser level of reporting units (the county of a
// township, the city of a county): each unit's parent comes from the
// leading digits of its code or from a property, and every level gets the
// units table again, as units_<level>.
type RollupSpec struct {
	Level string `yaml:"level"` // county, city, province, or any name
	// Digits takes the parent's code from the first Digits digits of the
	// unit's code (6 county, 4 city, 2 province: the default for those
	// levels when Property is not given).
	Digits int `yaml:"digits"`
	// Property takes the parent's id from this property of the unit
	// (QXBH: the district code of a Shenzhen street).
	Property     string `yaml:"property"`
	NameProperty string `yaml:"name_property"` // the parent's name, from this property
	// Names is a CSV file with code and name columns (the national lists
	// areas.csv, cities.csv) naming the parents by code.
	Names string `yaml:"names"`
	// TeamLevel is the team level whose minimum the parents are judged by
	// (default district for county, none for city and province).
	TeamLevel string `yaml:"team_level"`
}

type raw struct {
	Name       string      `yaml:"name"`
	Preset     string      `yaml:"preset"`
	Standards  yaml.Node   `yaml:"standards"`
	Resolution wholeNumber `yaml:"resolution"`
	Network    Network     `yaml:"network"`
	Facilities struct {
		Bases    []FacilitySource `yaml:"bases"`
		Shelters []ShelterSource  `yaml:"shelters"`
		Depots   []struct {
			File string `yaml:"file"`
			CRS  string `yaml:"crs"`
		} `yaml:"depots"`
	} `yaml:"facilities"`
	Shelters   ShelterOptions   `yaml:"shelters"`
	Scenarios  []ScenarioSpec   `yaml:"scenarios"`
	Robustness Robustness       `yaml:"robustness"`
	BusyTeams  *BusyTeams       `yaml:"busy_teams"`
	Times      []string         `yaml:"times"`
	SpeedProf  string           `yaml:"speed_profile"`
	Population PopulationSource `yaml:"population"`
	Units      UnitsSource      `yaml:"units"`
	Zones      []struct {
		File    string       `yaml:"file"`
		CRS     string       `yaml:"crs"`
		OSM     []string     `yaml:"osm"`
		Builtup *BuiltupSpec `yaml:"builtup"`
		Name    string       `yaml:"name"`
	} `yaml:"zones"`
	// CRS is the default coordinate system of the study's files (not of
	// OpenStreetMap data, always WGS-84).
	CRS    string        `yaml:"crs"`
	Output OutputOptions `yaml:"output"`
	// Notes are the study author's caveats about the data, carried into
	// summary.json and the report ahead of the run's own notes.
	Notes []string `yaml:"notes"`
}

// ConfigError is a problem in a study file.
type ConfigError struct {
	File string
	Key  string // dotted key, when known
	Err  error
}

func (e *ConfigError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("study %s: %s: %v", e.File, e.Key, e.Err)
	}
	return fmt.Sprintf("study %s: %v", e.File, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Load reads and checks the study file at path: keys, values, and that
// every file it names exists.
func Load(path string) (*Study, error) {
	b, err := limits.ReadFile(path, limits.MaxStudyFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read study: %w", err)
	}
	return Parse(b, path)
}

// Parse is Load on bytes already read; path locates relative file names.
// Each section of the file checks itself, in the order of the file's
// documentation, and the first error is returned.
func Parse(b []byte, path string) (*Study, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(stripComments(b))) == 0 {
		return nil, &ConfigError{File: path, Err: ErrEmptyStudy}
	}
	var r raw
	if err := decodeStrict(b, &r); err != nil {
		return nil, &ConfigError{File: path, Err: err}
	}
	p := &parser{path: path, dir: filepath.Dir(abs)}
	st := &Study{File: abs}
	for _, section := range []func(*Study, *raw) error{
		p.head, p.network, p.shelterFacilities, p.depots, p.shelterOptions,
		p.scenarios, p.robustness, p.times, p.bases, p.population, p.units, p.zones,
	} {
		if err := section(st, &r); err != nil {
			return nil, err
		}
	}
	if err := st.readCRS(&r, p.fail); err != nil {
		return nil, err
	}
	st.Output = r.Output
	st.Notes = r.Notes
	return st, nil
}
