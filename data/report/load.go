package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

// ErrNotOutput marks a folder that is not a complete study output: no
// summary.json, a summary.json of another kind, or a table missing.
var ErrNotOutput = errors.New("report: not a rescuegrid study output")

// Report is a study output read back: summary.json and the tables a
// report shows. Times are seconds, NaN where no base reaches (or the
// column was null); residents are people. Coordinates are [lon, lat].
type Report struct {
	Dir     string          // the output folder
	Summary summary.Summary // summary.json as written by the study

	Units     []Unit
	Bases     []Base
	Cells     []Cell
	Gaps      []Gap
	Scenarios []ScenarioUnit // one row per scenario and unit; nil without scenarios

	ShelterUnits []ShelterUnit // nil without shelters
	Shelters     []Shelter
	Depots       []Depot

	// Siting is a 'rescuegrid site' result for the same study, when one
	// was given to Load (Options.SitingDir).
	Siting *Siting

	// SourceNotes are the provenance files (SOURCE.md) the sources name,
	// read from beside the study file when it is still there.
	SourceNotes []SourceNote
}

// Unit is one row of the units table.
type Unit struct {
	ID, Name                          string
	Cells                             int
	Residents, Within, Share, Outside float64
	P50, P90, Max                     float64 // seconds; NaN when unreached
	NoRoadCells                       int
	NoRoadResidents                   float64
	Bases, Members, MinMembers        int
	TeamShort                         int
	OwnTeamCovered                    float64
	RapidResidents, RapidMet          float64
	MeetsRescue, MeetsTeam            bool
	Geom                              orb.MultiPolygon
	// Backup are the residents by bases within the circle (0, 1, 2, 3+);
	// nil in outputs without the columns.
	Backup *[4]float64
	// Expected are the expected residents reached in time with busy
	// teams (0 in outputs without them).
	Expected float64
}

// Base is one row of the bases table.
type Base struct {
	ID, Name, Level, UnitID      string
	TeamSize                     int
	Snapped                      bool
	Nearest, Covered, OnlyCovers float64
	Loc                          orb.Point
}

// Cell is one populated H3 cell of the cells table.
type Cell struct {
	H3         h3.Cell
	UnitID     string
	Population float64
	Seconds    float64 // NaN when no base reaches it
	Within     bool
	NoRoad     bool
}

// Gap is one connected patch of cells outside the rescue circle.
type Gap struct {
	Rank      int
	Residents float64
	Cells     int
	Worst     float64 // seconds; NaN when unreached
	UnitID    string
	Loc       orb.Point // population-weighted centre
	Geom      orb.MultiPolygon
}

// ScenarioUnit is one row of the scenarios table.
type ScenarioUnit struct {
	Scenario, UnitID, Name      string
	Residents                   float64
	WithinBaseline, WithinAfter float64
	Lost                        float64
	CellsChanged                int
	P90Baseline, P90After       float64
}

// ShelterUnit is one row of the shelter_units table.
type ShelterUnit struct {
	UnitID, Name                  string
	Residents                     float64
	Shelters, UnknownCapacity     int
	Places, PlacesPerResident     float64
	M2PerResident                 float64
	Required, Deficit             float64
	WithinWalk                    float64
	WalkP50, WalkP90              float64
	Access                        float64
	Placed, Unplaced, DepotWithin float64
}

// Shelter is one row of the shelters table.
type Shelter struct {
	ID, Name, Class, Rule, UnitID string
	Places, NearestLoad           float64 // NearestLoad: if everyone went to the nearest shelter
	Load, Spare                   float64 // of the capacitated assignment
	Overflows, DepotWithin        bool
	Loc                           orb.Point
}

// Depot is one row of the depots table.
type Depot struct {
	ID, Name, UnitID string
	Snapped          bool
	Residents        float64
	Shelters         int
	Stock            string
	Loc              orb.Point
}

// SourceNote is the text of a provenance file.
type SourceNote struct {
	File string // as the sources name it, relative to the study file
	Text string
	// Translations are the file's translations found beside it, by
	// language: SOURCE.zh-CN.md beside SOURCE.md for zh-CN.
	Translations map[i18n.Lang]SourceNote
}

// In is the note a report in language l quotes: its translation into l
// when there is one, else the note itself.
func (n SourceNote) In(l i18n.Lang) SourceNote {
	if t, ok := n.Translations[l]; ok {
		return t
	}
	return SourceNote{File: n.File, Text: n.Text}
}

// Options for Load.
type Options struct {
	// SitingDir is a folder written by 'rescuegrid site' for the same
	// study; empty for none.
	SitingDir string
}

// Load reads the study output in dir: summary.json, then the cells,
// units, bases and gaps tables, the scenarios table when the summary has
// scenarios, and the shelter tables when it has shelters. A folder that is
// not a study output, or lacks a table, is an ErrNotOutput error naming
// the file.
func Load(dir string, opt Options) (*Report, error) {
	sum, err := readSummary(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Dir: dir, Summary: *sum}
	steps := []struct {
		name string
		need bool
		read func(*table)
	}{
		{"units", true, r.readUnits},
		{"bases", true, r.readBases},
		{"cells", true, r.readCells},
		{"gaps", true, r.readGaps},
		{"scenarios", len(sum.Scenarios) > 0, r.readScenarios},
		{"shelter_units", sum.Shelters != nil, r.readShelterUnits},
		{"shelters", sum.Shelters != nil, r.readShelters},
		{"depots", sum.Shelters != nil && sum.Shelters.Depots > 0, r.readDepots},
	}
	for _, s := range steps {
		if !s.need {
			continue
		}
		t, err := readTable(dir, s.name)
		if err != nil {
			return nil, err
		}
		s.read(t)
		t.release()
		if t.err != nil {
			return nil, t.err
		}
	}
	if len(r.Units) != sum.Units || len(r.Cells) != sum.Cells || len(r.Bases) != sum.Bases {
		return nil, fmt.Errorf("%s: says %d units, %d cells and %d bases; the tables hold %d, %d and %d (files from different runs?)",
			filepath.Join(dir, summary.File), sum.Units, sum.Cells, sum.Bases, len(r.Units), len(r.Cells), len(r.Bases))
	}
	if opt.SitingDir != "" {
		if r.Siting, err = LoadSiting(opt.SitingDir); err != nil {
			return nil, err
		}
		if r.Siting.Study != sum.Study {
			return nil, fmt.Errorf("siting output %s is for the study %q, the study output %s for %q: give the siting result of the same study",
				opt.SitingDir, r.Siting.Study, dir, sum.Study)
		}
	}
	r.readSourceNotes()
	return r, nil
}

// readSummary reads dir/summary.json and checks that it is a study's.
func readSummary(dir string) (*summary.Summary, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("study output: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a folder", ErrNotOutput, dir)
	}
	path := filepath.Join(dir, summary.File)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no %s (give the folder 'rescuegrid analyze --out' wrote, or a study file)", ErrNotOutput, dir, summary.File)
	}
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	var probe struct {
		Objective *string         `json:"objective"`
		Standard  json.RawMessage `json:"standard"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotOutput, path, err)
	}
	if probe.Objective != nil {
		return nil, fmt.Errorf("%w: %s is a siting result ('rescuegrid site'): give the study's output folder and --siting %s", ErrNotOutput, dir, dir)
	}
	var s summary.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNotOutput, path, err)
	}
	if s.Standard == nil || s.Resolution == 0 {
		return nil, fmt.Errorf("%w: %s has no standard or resolution: not a study summary", ErrNotOutput, path)
	}
	return &s, nil
}

func nan(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func multiPolygon(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g
	case orb.Polygon:
		return orb.MultiPolygon{g}
	}
	return nil
}

func point(g orb.Geometry) orb.Point {
	if p, ok := g.(orb.Point); ok {
		return p
	}
	return orb.Point{math.NaN(), math.NaN()}
}

func (r *Report) readUnits(t *table) {
	id, name, cells := t.strings("unit_id"), t.strings("name"), t.ints("cells")
	res, within, share, outside := t.floats("residents"), t.floats("within"), t.floats("share"), t.floats("outside")
	p50, p90, mx := t.floats("p50_seconds"), t.floats("p90_seconds"), t.floats("max_seconds")
	nrc, nrr := t.ints("no_road_cells"), t.floats("no_road_residents")
	bases, members, minm, short := t.ints("bases"), t.ints("members"), t.ints("min_members"), t.ints("team_short")
	own, rr, rm := t.floats("own_team_covered"), t.floats("rapid_residents"), t.floats("rapid_met")
	mr, mt, geom := t.bools("meets_rescue"), t.bools("meets_team"), t.geoms("geometry")
	if t.err != nil {
		return
	}
	for i := range id {
		r.Units = append(r.Units, Unit{
			ID: id[i], Name: name[i], Cells: int(cells[i]),
			Residents: res[i], Within: within[i], Share: share[i], Outside: outside[i],
			P50: p50[i], P90: p90[i], Max: mx[i], NoRoadCells: int(nrc[i]), NoRoadResidents: nrr[i],
			Bases: int(bases[i]), Members: int(members[i]), MinMembers: int(minm[i]), TeamShort: int(short[i]),
			OwnTeamCovered: own[i], RapidResidents: rr[i], RapidMet: rm[i],
			MeetsRescue: mr[i], MeetsTeam: mt[i], Geom: multiPolygon(geom[i]),
		})
	}
	r.readUnitBackup(t)
}

func (r *Report) readBases(t *table) {
	id, name, level, unit := t.strings("base_id"), t.strings("name"), t.strings("level"), t.strings("unit_id")
	size, snapped := t.ints("team_size"), t.bools("snapped")
	near, cov, only := t.floats("nearest_residents"), t.floats("covered_residents"), t.floats("only_covers_residents")
	geom := t.geoms("geometry")
	if t.err != nil {
		return
	}
	for i := range id {
		r.Bases = append(r.Bases, Base{ID: id[i], Name: name[i], Level: level[i], UnitID: unit[i], TeamSize: int(size[i]),
			Snapped: snapped[i], Nearest: near[i], Covered: cov[i], OnlyCovers: only[i], Loc: point(geom[i])})
	}
}

func (r *Report) readCells(t *table) {
	cell, unit, pop, sec := t.uints("h3"), t.strings("unit_id"), t.floats("population"), t.floats("seconds")
	within, noRoad := t.bools("within_target"), t.bools("no_road_access")
	if t.err != nil {
		return
	}
	r.Cells = make([]Cell, len(cell))
	for i := range cell {
		c := h3.Cell(cell[i])
		if !c.IsValid() {
			t.err = fmt.Errorf("%s: row %d: %x is not an H3 cell", t.path, i, cell[i])
			return
		}
		r.Cells[i] = Cell{H3: c, UnitID: unit[i], Population: pop[i], Seconds: sec[i], Within: within[i], NoRoad: noRoad[i]}
	}
}

func (r *Report) readGaps(t *table) {
	rank, res, cells, worst := t.ints("rank"), t.floats("residents"), t.ints("cells"), t.floats("worst_seconds")
	unit, lon, lat, geom := t.strings("unit_id"), t.floats("lon"), t.floats("lat"), t.geoms("geometry")
	if t.err != nil {
		return
	}
	for i := range rank {
		r.Gaps = append(r.Gaps, Gap{Rank: int(rank[i]), Residents: res[i], Cells: int(cells[i]), Worst: worst[i],
			UnitID: unit[i], Loc: orb.Point{lon[i], lat[i]}, Geom: multiPolygon(geom[i])})
	}
}

func (r *Report) readScenarios(t *table) {
	sc, unit, name := t.strings("scenario"), t.strings("unit_id"), t.strings("name")
	res, wb, ws, lost := t.floats("residents"), t.floats("within_baseline"), t.floats("within_scenario"), t.floats("lost")
	changed, pb, ps := t.ints("cells_changed"), t.floats("p90_baseline_seconds"), t.floats("p90_scenario_seconds")
	if t.err != nil {
		return
	}
	for i := range sc {
		r.Scenarios = append(r.Scenarios, ScenarioUnit{Scenario: sc[i], UnitID: unit[i], Name: name[i], Residents: res[i],
			WithinBaseline: wb[i], WithinAfter: ws[i], Lost: lost[i], CellsChanged: int(changed[i]), P90Baseline: pb[i], P90After: ps[i]})
	}
}

func (r *Report) readShelterUnits(t *table) {
	id, name, res := t.strings("unit_id"), t.strings("name"), t.floats("residents")
	n, unk, places, ppr, m2 := t.ints("shelters"), t.ints("unknown_capacity"), t.floats("places"), t.floats("places_per_resident"), t.floats("m2_per_resident")
	req, def, ww := t.floats("required_places"), t.floats("place_deficit"), t.floats("within_walk_reach")
	p50, p90, acc := t.floats("walk_p50_seconds"), t.floats("walk_p90_seconds"), t.floats("access_2sfca")
	placed, unplaced, dw := t.floats("placed"), t.floats("unplaced"), t.floats("depot_within")
	if t.err != nil {
		return
	}
	for i := range id {
		r.ShelterUnits = append(r.ShelterUnits, ShelterUnit{UnitID: id[i], Name: name[i], Residents: res[i],
			Shelters: int(n[i]), UnknownCapacity: int(unk[i]), Places: places[i], PlacesPerResident: ppr[i], M2PerResident: m2[i],
			Required: req[i], Deficit: def[i], WithinWalk: ww[i], WalkP50: p50[i], WalkP90: p90[i], Access: acc[i],
			Placed: placed[i], Unplaced: unplaced[i], DepotWithin: dw[i]})
	}
}

func (r *Report) readShelters(t *table) {
	id, name, class, rule, unit := t.strings("shelter_id"), t.strings("name"), t.strings("class"), t.strings("capacity_rule"), t.strings("unit_id")
	places, nearest, load, spare := t.floats("places"), t.floats("nearest_load"), t.floats("load"), t.floats("spare")
	over, dw, geom := t.bools("overflows"), t.bools("depot_within"), t.geoms("geometry")
	if t.err != nil {
		return
	}
	for i := range id {
		r.Shelters = append(r.Shelters, Shelter{ID: id[i], Name: name[i], Class: class[i], Rule: rule[i], UnitID: unit[i],
			Places: places[i], NearestLoad: nearest[i], Load: load[i], Spare: spare[i], Overflows: over[i], DepotWithin: dw[i], Loc: point(geom[i])})
	}
}

func (r *Report) readDepots(t *table) {
	id, name, unit, snapped := t.strings("depot_id"), t.strings("name"), t.strings("unit_id"), t.bools("snapped")
	res, n, stock, geom := t.floats("residents"), t.ints("shelters"), t.strings("stock"), t.geoms("geometry")
	if t.err != nil {
		return
	}
	for i := range id {
		r.Depots = append(r.Depots, Depot{ID: id[i], Name: name[i], UnitID: unit[i], Snapped: snapped[i],
			Residents: res[i], Shelters: int(n[i]), Stock: stock[i], Loc: point(geom[i])})
	}
}

// maxNoteBytes caps a provenance file quoted in the report.
const maxNoteBytes = 6000

// readSourceNotes reads the distinct SOURCE.md files the sources name,
// relative to the study file. Missing files are skipped: the report then
// names them without quoting them.
func (r *Report) readSourceNotes() {
	dir := filepath.Dir(r.Summary.StudyFile)
	seen := map[string]bool{}
	for _, s := range r.Summary.Sources {
		if s.Provenance == "" || seen[s.Provenance] {
			continue
		}
		seen[s.Provenance] = true
		p := s.Provenance
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		text, ok := readNote(p, s.Provenance)
		if !ok {
			continue
		}
		note := SourceNote{File: s.Provenance, Text: text}
		// SOURCE.md's translations: SOURCE.zh-CN.md beside it.
		ext := filepath.Ext(s.Provenance)
		for _, l := range i18n.Languages() {
			if l == i18n.EN {
				continue
			}
			name := strings.TrimSuffix(s.Provenance, ext) + "." + l.String() + ext
			if text, ok := readNote(strings.TrimSuffix(p, ext)+"."+l.String()+ext, name); ok {
				if note.Translations == nil {
					note.Translations = map[i18n.Lang]SourceNote{}
				}
				note.Translations[l] = SourceNote{File: name, Text: text}
			}
		}
		r.SourceNotes = append(r.SourceNotes, note)
	}
}

// readNote reads the provenance file at path, named name in the report,
// cut at maxNoteBytes; ok is false when it cannot be read.
func readNote(path, name string) (text string, ok bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	text = string(b)
	if len(text) > maxNoteBytes {
		cut := maxNoteBytes
		for cut > 0 && (text[cut]&0xC0) == 0x80 { // not inside a UTF-8 sequence
			cut--
		}
		text = text[:cut] + "\n… (cut here; the whole file is " + name + ")"
	}
	return text, true
}
