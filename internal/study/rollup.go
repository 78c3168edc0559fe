package study

import (
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/data/units"
)

// defaultDigits is the length of a level's code prefix (统计用区划代码:
// province 2, city 4, county 6, township 9, village 12 digits).
var defaultDigits = map[string]int{"province": 2, "city": 4, "county": 6, "district": 6, "township": 9, "street": 9}

// defaultTeamLevel is the team level a rolled-up level is judged by.
var defaultTeamLevel = map[string]string{"county": "district", "district": "district"}

// checkRollup validates the rollup levels of a units source and resolves
// their names files.
func checkRollup(u UnitsSource, fail func(key, format string, a ...any) error, file func(key, name string) (string, error)) ([]RollupSpec, error) {
	seen := map[string]bool{}
	out := make([]RollupSpec, 0, len(u.Rollup))
	for i, r := range u.Rollup {
		key := fmt.Sprintf("units.rollup[%d]", i)
		if r.Level == "" || seen[r.Level] || strings.ContainsAny(r.Level, " /\\.") {
			return nil, fail(key+".level", "%q: want a name (county, city …), unique, without spaces, dots or slashes", r.Level)
		}
		seen[r.Level] = true
		if r.Property != "" && r.Digits != 0 {
			return nil, fail(key, "give digits (a prefix of the code) or property (the parent's id), not both")
		}
		if r.Property == "" && r.Digits == 0 {
			r.Digits = defaultDigits[r.Level]
			if r.Digits == 0 {
				return nil, fail(key, "level %q: give digits (how many leading digits of the code name the parent) or property", r.Level)
			}
		}
		if r.Digits < 0 || r.Digits > 12 {
			return nil, fail(key+".digits", "%d: want 1 to 12", r.Digits)
		}
		var err error
		if r.Names, err = file(key+".names", r.Names); err != nil {
			return nil, err
		}
		if r.TeamLevel == "" {
			r.TeamLevel = defaultTeamLevel[r.Level]
		}
		out = append(out, r)
	}
	return out, nil
}

// A Rollup is one coarser level of units with the study's answers.
type Rollup struct {
	Level   string
	Units   []coverage.UnitResult
	Codes   []string           // parent code or id, parallel to Units
	Geoms   []orb.MultiPolygon // dissolved outlines, parallel to Units
	Members [][]string         // the finest units' ids in each parent
}

// Rollups computes the study's rollup levels from the finest units and
// the coverage result.
func Rollups(in *Inputs, r *coverage.Result) ([]Rollup, error) {
	var out []Rollup
	for _, spec := range in.Study.Units.Rollup {
		ro, err := rollup(in, r, spec)
		if err != nil {
			return nil, fmt.Errorf("units.rollup %s: %w", spec.Level, err)
		}
		out = append(out, ro)
	}
	return out, nil
}

func rollup(in *Inputs, r *coverage.Result, spec RollupSpec) (Rollup, error) {
	names := map[string]string{}
	if spec.Names != "" {
		var err error
		if names, err = readCodeNames(spec.Names); err != nil {
			return Rollup{}, err
		}
	}
	ro := Rollup{Level: spec.Level}
	index := map[string]int32{}
	parent := make([]int32, len(in.Units))
	var geoms [][]orb.MultiPolygon
	for i, u := range in.Units {
		var key, name string
		switch {
		case spec.Property != "":
			key = u.Props[spec.Property]
			if key == "" {
				return Rollup{}, fmt.Errorf("unit %s (%s) has no property %q", u.ID, u.Origin, spec.Property)
			}
		default:
			if len(u.Code) < spec.Digits {
				return Rollup{}, fmt.Errorf("unit %s (%s) has code %q, too short for %d digits (name the code's property with units.code)", u.ID, u.Origin, u.Code, spec.Digits)
			}
			key = u.Code[:spec.Digits]
		}
		if spec.NameProperty != "" {
			name = u.Props[spec.NameProperty]
		}
		if n, ok := names[key]; ok {
			name = n
		}
		if name == "" {
			name = key
		}
		k, ok := index[key]
		if !ok {
			k = int32(len(ro.Units))
			index[key] = k
			ro.Units = append(ro.Units, coverage.UnitResult{Unit: coverage.Unit{ID: key, Name: name, Level: spec.TeamLevel}})
			ro.Codes = append(ro.Codes, key)
			ro.Members = append(ro.Members, nil)
			geoms = append(geoms, nil)
		}
		parent[i] = k
		ro.Members[k] = append(ro.Members[k], u.ID)
		geoms[k] = append(geoms[k], u.Geom)
	}
	ci := in.Coverage
	coarse := make([]coverage.Unit, len(ro.Units))
	for k := range ro.Units {
		coarse[k] = ro.Units[k].Unit
		if coarse[k].Level == "" {
			coarse[k].Level = "none" // no team minimum at this level
		}
	}
	cellUnit := make([]int32, len(ci.CellUnit))
	for i, u := range ci.CellUnit {
		cellUnit[i] = -1
		if u >= 0 {
			cellUnit[i] = parent[u]
		}
	}
	baseUnit := make([]int32, len(ci.BaseUnit))
	for i, u := range ci.BaseUnit {
		baseUnit[i] = -1
		if u >= 0 {
			baseUnit[i] = parent[u]
		}
	}
	ro.Units = coverage.Rollup(ci, r, coarse, cellUnit, baseUnit)
	for k := range ro.Units {
		if ro.Units[k].Level == "none" {
			ro.Units[k].Level = ""
		}
		g, err := units.Dissolve(geoms[k])
		if err != nil {
			return Rollup{}, fmt.Errorf("outline of %s: %w", ro.Codes[k], err)
		}
		ro.Geoms = append(ro.Geoms, g)
	}
	return ro, nil
}

// readCodeNames reads a CSV with code and name columns (the national
// division lists) into code -> name.
func readCodeNames(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("names %s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("names %s: empty", path)
	}
	ic, in := slices.Index(rows[0], "code"), slices.Index(rows[0], "name")
	if ic < 0 || in < 0 {
		return nil, fmt.Errorf("names %s: want code and name columns, have %v", path, rows[0])
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows[1:] {
		out[strings.TrimSpace(r[ic])] = strings.TrimSpace(r[in])
	}
	return out, nil
}
