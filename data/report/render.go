package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

//go:embed report.html.tmpl
var templates embed.FS

// page is parsed once with a stand-in for "t" (the catalogue lookup);
// Render binds "t" to the report's language on a clone.
var page = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"t": func(string, ...any) string { return "" },
}).ParseFS(templates, "report.html.tmpl"))

// OSMCopyrightURL is where OpenStreetMap's licence and attribution terms
// are published; the report links it beside the attribution.
const OSMCopyrightURL = "https://www.openstreetmap.org/copyright"

// RenderOptions tune Render.
type RenderOptions struct {
	// Title heads the page; empty means "Rescue coverage report".
	Title string
	Map   MapOptions
	// Now stamps the page ("report made"); zero means time.Now.
	Now time.Time
	// Lang is the language of the page's words (figures, study and unit
	// names are the same in every language); the zero value is English.
	Lang i18n.Lang
}

// Render writes r as one self-contained HTML page to w.
func Render(w io.Writer, r *Report, opt RenderOptions) error {
	v, err := newView(r, opt)
	if err != nil {
		return err
	}
	tmpl, err := page.Clone()
	if err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	tmpl.Funcs(template.FuncMap{"t": func(key string, args ...any) string { return opt.Lang.T(key, args...) }})
	if err := tmpl.Execute(w, v); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// The view: everything the template shows, formatted. Numbers are
// strings here so that the template holds no arithmetic.
type view struct {
	l                                                i18n.Lang
	Lang                                             string // BCP 47 tag for <html lang>
	Title, Study, Standard, Created, Made, Generator string
	TargetMin, TargetShare                           string
	Num                                              map[string]int

	Headline string
	Met      bool
	KPIs     []kpi
	Findings []string

	Map       *svgMap
	MapLegend []legendRow
	MapNote   string
	Symbols   []string
	// MapShelters and MapDepots: the map draws them (legend rows).
	MapShelters, MapDepots bool

	Units          []unitRow
	UnitsTotal     unitRow
	OutsideUnits   string
	Teams          []teamRow
	TeamsTotal     teamRow
	EmptyUnits     string
	HasRapid       bool
	UnitsMeeting   string
	Bases          []baseRow
	Gaps           []gapRow
	GapsNote       string
	Backup         *backupView
	Day            *dayView
	Times          *timesView
	Shelter        *shelterView
	Scenarios      *scenarioView
	Siting         *sitingView
	Settings       []setting
	Sources        []sourceRow
	OSM            bool
	OSMURL         string
	OSMAttribution string
	SourceNotes    []SourceNote
	Notes          []string
	Timings        string
	Files          string
}

// kpi is one key figure. SubKey/SubValue, when set, put a second figure
// in the line under it, marked with its own data-key.
type kpi struct {
	Key, Label, Value, Sub, Class string
	SubKey, SubValue              string
}

type legendRow struct {
	Key, Label, Color, Cells, Residents, Share string
	Hatch                                      bool
}

type unitRow struct {
	ID, Name, Residents, Within, Share, Outside, P50, P90, Max string
	NoRoad, Rescue, RescueClass, Rapid                         string
}

type teamRow struct {
	ID, Name, Bases, Members, MinMembers, Short, OwnReach string
	Team, TeamClass                                       string
}

type baseRow struct {
	ID, Name, Level, TeamSize, Unit, Snapped string
	Nearest, Covered, OnlyCovers             string
}

type gapRow struct {
	Rank, Residents, Cells, Worst, Unit, Where string
}

type setting struct {
	Key, Value, Note string
}

type sourceRow struct {
	Role, RoleLabel, File, Size, Detail, Provenance string
	OSM                                             bool
}

type shelterView struct {
	KPIs      []kpi
	Units     []shelterRow
	Overflow  []overflowRow
	Depots    []depotRow
	HasDepots bool
	FixedPct  string
	Reach     string
}

type shelterRow struct {
	Name, Residents, Shelters, Places, Per100, Required, Deficit, DeficitClass string
	WithinWalk, WalkP50, WalkP90, Unplaced, DepotWithin                        string
}

type overflowRow struct {
	Name, Class, Rule, Places, Nearest, Over string
}

type depotRow struct {
	ID, Name, Unit, Snapped, Residents, Shelters, Stock string
}

type scenarioView struct {
	Names []string
	Rows  []scenarioRow
	Units []scenarioUnitRow
}

type scenarioRow struct {
	Name, Change, Within, Delta, Share, Lost, Worst string
	Baseline                                        bool
}

type scenarioUnitRow struct {
	Name, Residents, Baseline string
	Cells                     []scenarioCell
}

type scenarioCell struct {
	Share, Lost string
	Worse       bool
}

type sitingView struct {
	Objective, Dir                  string
	Facts                           []setting
	GainChart, ValueChart           template.HTML
	Curve                           []curveRow
	Sites                           []siteRow
	GainLabel, ValueLabel, PlanNote string
}

type curveRow struct {
	K, Site, Gain, Value, Share, Gap string
}

type siteRow struct {
	Rank, ID, Where, Unit, Members string
}

func newView(r *Report, opt RenderOptions) (*view, error) {
	s := &r.Summary
	std := s.Standard
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	v := &view{
		Title: opt.Title, Study: s.Study, Standard: std.Name, Generator: s.Generator,
		Created: s.Created.UTC().Format("2006-01-02 15:04 UTC"), Made: now.UTC().Format("2006-01-02 15:04 UTC"),
		TargetMin: minutes(std.Rescue.Minutes), TargetShare: target(std.Rescue.CoverageTarget),
		OSMURL: OSMCopyrightURL, OSMAttribution: summary.OSMAttribution,
		l: opt.Lang, Lang: opt.Lang.String(),
	}
	if v.Title == "" {
		v.Title = v.l.T("report.title")
	}
	opt.Map.Lang = opt.Lang
	m, err := renderMap(r, opt.Map)
	if err != nil {
		return nil, err
	}
	v.Map = m
	v.Met = s.Share >= std.Rescue.CoverageTarget
	v.unitsAndKPIs(r)
	v.basesAndGaps(r)
	v.backup(r)
	v.day(r)
	v.times(r)
	v.shelters(r)
	v.scenarios(r)
	v.siting(r)
	v.findings(r)
	v.settings(r)
	v.sources(r)

	// Section numbers, in page order, for the sections present.
	v.Num = map[string]int{}
	n := 0
	for _, sec := range []struct {
		id string
		on bool
	}{
		{"summary", true}, {"map", true}, {"units", true}, {"bases", true}, {"gaps", true},
		{"shelters", v.Shelter != nil}, {"scenarios", v.Scenarios != nil}, {"siting", v.Siting != nil},
		{"settings", true}, {"sources", true},
	} {
		if sec.on {
			n++
			v.Num[sec.id] = n
		}
	}
	return v, nil
}

// unitOrder sorts unit indices worst first: most residents outside, then
// lowest share; units without residents last.
func unitOrder(us []Unit) []int {
	idx := make([]int, len(us))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ua, ub := us[idx[a]], us[idx[b]]
		if (ua.Residents > 0) != (ub.Residents > 0) {
			return ua.Residents > 0
		}
		if ua.Outside != ub.Outside {
			return ua.Outside > ub.Outside
		}
		return ua.Share < ub.Share
	})
	return idx
}

func (v *view) unitsAndKPIs(r *Report) {
	s := &r.Summary
	std := s.Standard
	outsideGaps := 0
	for _, g := range r.Gaps {
		if g.Residents > 0 {
			outsideGaps++
		}
	}
	shareClass, outsideClass := "bad", "bad"
	if v.Met {
		shareClass = "ok"
	}
	if math.Round(s.Outside) == 0 {
		outsideClass = ""
	}
	v.KPIs = []kpi{
		{Key: "residents", Label: v.l.T("report.kpi.residents"), Value: people(s.Residents), Sub: v.l.T("report.kpi.residents_sub", "cells", count(s.Cells))},
		{Key: "within", Label: v.l.T("report.kpi.within", "min", v.TargetMin), Value: people(s.Within), Sub: v.l.T("report.kpi.within_sub")},
		{Key: "share", Label: v.l.T("report.kpi.share"), Value: pct(s.Share), Sub: v.l.T("report.kpi.share_sub", "target", v.TargetShare), Class: shareClass},
		{Key: "outside", Label: v.l.T("report.kpi.outside"), Value: people(s.Outside), Sub: v.l.T("report.kpi.outside_sub", "gaps", count(outsideGaps)), Class: outsideClass},
		{Key: "no_road_cells", Label: v.l.T("report.kpi.noroad"), Value: count(s.NoRoadCells), SubKey: "no_road_residents", SubValue: people(s.NoRoadResidents), Sub: v.l.T("report.kpi.noroad_sub")},
		{Key: "p90", Label: v.l.T("report.kpi.p90"), Value: durOr(nan(s.P50Seconds), "–") + " / " + durOr(nan(s.P90Seconds), "–"), Sub: v.l.T("report.kpi.p90_sub")},
	}

	v.Headline = v.l.T("report.headline", "share", pct(s.Share), "residents", people(s.Residents), "min", v.TargetMin, "outside", people(s.Outside))

	var empty []string
	for _, i := range unitOrder(r.Units) {
		u := r.Units[i]
		if u.Residents <= 0 {
			empty = append(empty, u.Name)
			continue
		}
		row := unitRow{ID: u.ID, Name: u.Name, Residents: people(u.Residents), Within: people(u.Within), Share: pct(u.Share),
			Outside: people(u.Outside), P50: v.dur(u.P50), P90: v.dur(u.P90), Max: v.dur(u.Max), NoRoad: people(u.NoRoadResidents)}
		team := teamRow{ID: u.ID, Name: u.Name, Bases: count(u.Bases), Members: count(u.Members), MinMembers: count(u.MinMembers),
			Short: count(u.TeamShort), OwnReach: pct(u.OwnTeamCovered / u.Residents)}
		if u.TeamShort == 0 {
			team.Short = "–"
		}
		team.Team, team.TeamClass = teamStatus(v.l, u)
		v.Teams = append(v.Teams, team)
		if u.MeetsRescue {
			row.Rescue, row.RescueClass = v.l.T("verdict.met"), "ok"
		} else {
			row.Rescue, row.RescueClass = v.l.T("verdict.not_met"), "bad"
		}
		if u.RapidResidents > 0 {
			v.HasRapid = true
			row.Rapid = pct(u.RapidMet / u.RapidResidents)
		} else {
			row.Rapid = "–"
		}
		v.Units = append(v.Units, row)
	}
	v.UnitsMeeting = v.l.T("report.n_of_m", "n", s.UnitsMeetingRescue, "m", s.UnitsWithResidents)
	v.UnitsTotal = unitRow{Name: v.l.T("report.all_residents"), Residents: people(s.Residents), Within: people(s.Within), Share: pct(s.Share),
		Outside: people(s.Outside), P50: v.dur(nan(s.P50Seconds)), P90: v.dur(nan(s.P90Seconds)), Max: v.dur(nan(s.MaxSeconds)), NoRoad: people(s.NoRoadResidents)}
	bases, members, own, res := 0, 0, 0.0, 0.0
	for _, u := range r.Units {
		bases += u.Bases
		members += u.Members
		own += u.OwnTeamCovered
		res += u.Residents
	}
	v.TeamsTotal = teamRow{Name: v.l.T("report.all_units"), Bases: count(bases), Members: count(members), OwnReach: pct(own / res)}
	if s.CellsOutsideUnits > 0 {
		v.OutsideUnits = v.l.T("report.outside_units", "residents", people(s.ResidentsOutsideUnit), "cells", count(s.CellsOutsideUnits))
	}
	if len(empty) > 0 {
		sort.Strings(empty)
		if len(empty) <= 30 {
			v.EmptyUnits = v.l.T("report.empty_units", "n", len(empty), "list", strings.Join(empty, v.l.T("report.list_sep")))
		} else {
			v.EmptyUnits = v.l.T("report.empty_units_many", "n", count(len(empty)))
		}
	}

	// Legend.
	v.MapShelters, v.MapDepots = len(r.Shelters) > 0, len(r.Depots) > 0
	for _, b := range v.Map.Bands {
		if b.Cells == 0 && (b.Key == "unreached" || b.Key == "far") {
			continue
		}
		v.MapLegend = append(v.MapLegend, legendRow{Key: b.Key, Label: bandLabel(v.l, b), Color: b.Color, Hatch: b.Hatch,
			Cells: count(b.Cells), Residents: people(b.Residents), Share: pct(b.Share)})
	}
	v.Symbols = []string{"base", "gap", "unit"}
	mode := v.l.T("report.map.per_cell")
	if !v.Map.PerCell {
		mode = v.l.T("report.map.merged")
	}
	v.MapNote = v.l.T("report.map.note", "turnout", decimal(std.Rescue.TurnoutSeconds, 0), "walk", fmt.Sprintf("%g", std.Access.WalkKPH), "mode", mode, "res", s.Resolution, "scale", distanceLabel(v.Map.ScaleM))
}

// teamStatus says whether a unit's own team meets the minimum and reaches
// its residents, as the units table's meets_team does.
func teamStatus(l i18n.Lang, u Unit) (string, string) {
	switch {
	case u.Bases == 0:
		return l.T("summary.team.none"), "bad"
	case u.TeamShort > 0:
		return l.T("report.team.short", "n", u.TeamShort), "bad"
	case !u.MeetsTeam:
		return l.T("summary.team.far"), "warn"
	}
	return l.T("summary.team.ok"), "ok"
}

// dur is the time in min:s, or "not reached" in the page's language.
func (v *view) dur(sec float64) string { return durOr(sec, v.l.T("report.not_reached")) }

// yesNo says yes or no in the page's language.
func (v *view) yesNo(b bool) string {
	if b {
		return v.l.T("report.yes")
	}
	return v.l.T("report.no")
}

// bandLabel is a map legend band's label in language l ("0–5 min",
// "not reached", …).
func bandLabel(l i18n.Lang, b timeBand) string {
	switch b.Key {
	case "unreached":
		return l.T("report.not_reached")
	case "noroad":
		return l.T("report.band.noroad")
	case "far":
		return l.T("report.band.far", "min", strings.TrimSuffix(strings.TrimPrefix(b.Label, "over "), " min"))
	}
	return l.T("report.band.range", "range", strings.TrimSuffix(b.Label, " min"))
}

func (v *view) basesAndGaps(r *Report) {
	units := map[string]string{}
	for _, u := range r.Units {
		units[u.ID] = u.Name
	}
	unitName := func(id string) string {
		if id == "" {
			return v.l.T("report.outside_every_unit")
		}
		if n, ok := units[id]; ok {
			return n
		}
		return id
	}
	for _, b := range r.Bases {
		snapped := v.yesNo(b.Snapped)
		v.Bases = append(v.Bases, baseRow{ID: b.ID, Name: b.Name, Level: levelName(v.l, b.Level), TeamSize: count(b.TeamSize), Unit: unitName(b.UnitID),
			Snapped: snapped, Nearest: people(b.Nearest), Covered: people(b.Covered), OnlyCovers: people(b.OnlyCovers)})
	}
	const shown = 10
	for _, g := range r.Gaps {
		if g.Rank > shown {
			continue
		}
		v.Gaps = append(v.Gaps, gapRow{Rank: fmt.Sprint(g.Rank), Residents: people(g.Residents), Cells: count(g.Cells),
			Worst: v.dur(g.Worst), Unit: unitName(g.UnitID), Where: fmt.Sprintf("%.5f, %.5f", g.Loc[1], g.Loc[0])})
	}
	if n := len(r.Gaps); n > shown {
		rest := 0.0
		for _, g := range r.Gaps {
			if g.Rank > shown {
				rest += g.Residents
			}
		}
		v.GapsNote = v.l.T("report.gaps_more", "n", count(n-shown), "residents", people(rest))
	}
}

func (v *view) shelters(r *Report) {
	ss := r.Summary.Shelters
	if ss == nil {
		return
	}
	std := r.Summary.Standard
	sv := &shelterView{HasDepots: len(r.Depots) > 0, FixedPct: target(std.Shelters.FixedShare)}
	reachShare := math.NaN()
	if r.Summary.Residents > 0 {
		reachShare = ss.WithinReach / r.Summary.Residents
	}
	deficitClass := ""
	if ss.Deficit > 0 {
		deficitClass = "bad"
	}
	sv.KPIs = []kpi{
		{Key: "shelters", Label: v.l.T("report.kpi.shelters"), Value: count(ss.Shelters), Sub: v.l.T("report.kpi.shelters_sub", "n", count(ss.UnknownCapacity))},
		{Key: "places", Label: v.l.T("report.kpi.places"), Value: people(ss.Places), Sub: v.l.T("report.kpi.places_sub", "per100", decimal(100*ss.PlacesPerResident, 2))},
		{Key: "required_places", Label: v.l.T("report.kpi.required"), Value: people(ss.Required), Sub: v.l.T("report.kpi.required_sub", "pct", sv.FixedPct)},
		{Key: "place_deficit", Label: v.l.T("report.kpi.deficit"), Value: people(ss.Deficit), Sub: v.l.T("report.kpi.deficit_sub"), Class: deficitClass},
		{Key: "within_walk_reach", Label: v.l.T("report.kpi.walk"), Value: pct(reachShare), Sub: v.l.T("report.kpi.walk_sub", "n", people(ss.WithinReach))},
		{Key: "unplaced", Label: v.l.T("report.kpi.unplaced"), Value: people(ss.Unplaced), Sub: v.l.T("report.kpi.unplaced_sub", "demand", people(ss.Demand), "walk", durOr(nan(ss.MeanWalkSeconds), "–"))},
	}
	for _, u := range r.ShelterUnits {
		if u.Residents <= 0 && u.Shelters == 0 {
			continue
		}
		row := shelterRow{Name: u.Name, Residents: people(u.Residents), Shelters: count(u.Shelters), Places: people(u.Places),
			Per100: decimal(100*u.PlacesPerResident, 2), Required: people(u.Required), Deficit: people(u.Deficit),
			WithinWalk: "–", WalkP50: durOr(u.WalkP50, "–"), WalkP90: durOr(u.WalkP90, "–"),
			Unplaced: people(u.Unplaced), DepotWithin: "–"}
		if u.UnknownCapacity > 0 {
			row.Shelters += v.l.T("report.unknown_n", "n", u.UnknownCapacity)
		}
		if u.Deficit > 0 {
			row.DeficitClass = "bad"
		}
		if u.Residents > 0 {
			row.WithinWalk = pct(u.WithinWalk / u.Residents)
			row.DepotWithin = pct(u.DepotWithin / u.Residents)
		}
		sv.Units = append(sv.Units, row)
	}
	over := append([]Shelter(nil), r.Shelters...)
	sort.SliceStable(over, func(i, j int) bool { return over[i].NearestLoad-over[i].Places > over[j].NearestLoad-over[j].Places })
	for _, sh := range over {
		if !sh.Overflows || len(sv.Overflow) == 10 {
			continue
		}
		name := sh.Name
		if name == "" {
			name = sh.ID
		}
		sv.Overflow = append(sv.Overflow, overflowRow{Name: name, Class: className(v.l, sh.Class), Rule: sh.Rule, Places: people(sh.Places),
			Nearest: people(sh.NearestLoad), Over: people(sh.NearestLoad - sh.Places)})
	}
	units := map[string]string{}
	for _, u := range r.Units {
		units[u.ID] = u.Name
	}
	for _, d := range r.Depots {
		snapped := v.yesNo(d.Snapped)
		sv.Depots = append(sv.Depots, depotRow{ID: d.ID, Name: d.Name, Unit: units[d.UnitID], Snapped: snapped,
			Residents: people(d.Residents), Shelters: count(d.Shelters), Stock: d.Stock})
	}
	var classes []string
	for name, c := range std.Shelters.Classes {
		classes = append(classes, fmt.Sprintf("%s %g m", className(v.l, name), c.ReachM))
	}
	sort.Strings(classes)
	sv.Reach = strings.Join(classes, v.l.T("report.list_sep"))
	v.Shelter = sv
}

func (v *view) scenarios(r *Report) {
	s := &r.Summary
	if len(s.Scenarios) == 0 {
		return
	}
	sv := &scenarioView{}
	sv.Rows = append(sv.Rows, scenarioRow{Name: v.l.T("report.scen.baseline"), Change: v.l.T("report.scen.as_studied"), Within: people(s.Within), Delta: "–", Share: pct(s.Share), Lost: "–", Worst: "–", Baseline: true})
	byScen := map[string]map[string]ScenarioUnit{}
	for _, su := range r.Scenarios {
		if byScen[su.Scenario] == nil {
			byScen[su.Scenario] = map[string]ScenarioUnit{}
		}
		byScen[su.Scenario][su.UnitID] = su
	}
	for _, sc := range s.Scenarios {
		sv.Names = append(sv.Names, sc.Name)
		var change []string
		if sc.ClosedEdges > 0 {
			change = append(change, v.l.T("report.scen.closed", "n", count(sc.ClosedEdges)))
		}
		if sc.SlowedEdges > 0 {
			change = append(change, v.l.T("report.scen.slowed", "n", count(sc.SlowedEdges)))
		}
		if len(sc.UnknownWays) > 0 {
			change = append(change, v.l.T("report.scen.unknown_ways", "n", len(sc.UnknownWays)))
		}
		if n := len(sc.BasesOut); n > 0 {
			key := "report.scen.bases_out"
			if n == 1 {
				key = "report.scen.base_out"
			}
			change = append(change, v.l.T(key, "n", n, "list", v.listUpTo(sc.BasesOut, 4)))
		}
		if len(change) == 0 {
			change = append(change, v.l.T("report.scen.bases_out_only"))
		}
		share := math.NaN()
		if s.Residents > 0 {
			share = sc.Within / s.Residents
		}
		worst, worstLost := "–", 0.0
		for _, su := range byScen[sc.Name] {
			if su.Lost > worstLost {
				worst, worstLost = su.Name, su.Lost
			}
		}
		if worstLost > 0 {
			worst = v.l.T("report.name_n", "name", worst, "n", people(worstLost))
		}
		sv.Rows = append(sv.Rows, scenarioRow{Name: sc.Name, Change: strings.Join(change, v.l.T("report.semicolon")), Within: people(sc.Within),
			Delta: signed(sc.Within - s.Within), Share: pct(share), Lost: people(sc.Lost), Worst: worst})
	}
	for _, i := range unitOrder(r.Units) {
		u := r.Units[i]
		if u.Residents <= 0 {
			continue
		}
		row := scenarioUnitRow{Name: u.Name, Residents: people(u.Residents), Baseline: pct(u.Share)}
		for _, sc := range s.Scenarios {
			su, ok := byScen[sc.Name][u.ID]
			if !ok {
				row.Cells = append(row.Cells, scenarioCell{Share: "–"})
				continue
			}
			c := scenarioCell{Share: pct(su.WithinAfter / su.Residents)}
			if su.Lost > 0 {
				c.Lost, c.Worse = "−"+people(su.Lost), true
			}
			row.Cells = append(row.Cells, c)
		}
		sv.Units = append(sv.Units, row)
	}
	v.Scenarios = sv
}

// signed formats a change in people with its sign: +12, −4,182, 0.
func signed(d float64) string {
	r := math.Round(d)
	switch {
	case r > 0:
		return "+" + people(r)
	case r < 0:
		return "−" + people(-r)
	}
	return "0"
}

func (v *view) siting(r *Report) {
	st := r.Siting
	if st == nil {
		return
	}
	res := r.Summary.Residents
	var gainLabel, valueLabel string
	if st.Objective == "time" {
		gainLabel, valueLabel = v.l.T("report.gain.time"), v.l.T("report.value.time")
	} else {
		gainLabel, valueLabel = v.l.T("report.gain.residents"), v.l.T("report.value.residents")
	}
	sv := &sitingView{Dir: st.Dir, GainLabel: gainLabel, ValueLabel: valueLabel,
		GainChart: template.HTML(gainChart(v.l, st, gainLabel)), ValueChart: template.HTML(valueChart(v.l, st, res, valueLabel))}
	switch st.Objective {
	case "coverage", "all", "time", "expected":
		sv.Objective = v.l.T("report.obj." + st.Objective)
	default:
		sv.Objective = st.Objective
	}
	area := "–"
	if a, err := h3.HexagonAreaAvgKm2(st.CandidateRes); err == nil {
		area = decimal(a, 2)
	}
	sv.Facts = []setting{
		{Key: v.l.T("report.site.objective"), Value: sv.Objective},
		{Key: v.l.T("report.site.candidates"), Value: v.l.T("report.site.candidates_v", "n", count(st.Candidates), "res", st.CandidateRes, "area", area, "considered", count(st.Considered))},
		{Key: v.l.T("report.site.existing"), Value: v.l.T("report.site.existing_v", "n", count(r.Summary.Bases))},
	}
	if st.Objective == "time" {
		sv.Facts = append(sv.Facts,
			setting{Key: v.l.T("report.site.mean"), Value: v.l.T("report.site.mean_v", "before", durOr(st.Baseline/math.Max(res, 1), "–"), "after", durOr(st.MeanSeconds, "–"), "n", len(st.Sites))})
	} else {
		sv.Facts = append(sv.Facts,
			setting{Key: v.l.T("report.site.inside"), Value: v.l.T("report.site.inside_v", "before", people(st.Baseline), "bshare", pct(st.Baseline/res), "after", people(st.Covered), "ashare", pct(st.Covered/res), "n", len(st.Sites))},
			setting{Key: v.l.T("report.site.reachable"), Value: v.l.T("report.site.reachable_v", "n", people(st.Coverable))})
	}
	for _, c := range st.Curve {
		gap := "–"
		if !math.IsNaN(c.Gap) {
			gap = decimal(100*c.Gap, 2) + " %"
		}
		row := curveRow{K: fmt.Sprint(c.K), Site: c.SiteID, Gap: gap}
		if st.Objective == "time" {
			row.Gain, row.Value, row.Share = decimal(c.Gain/3600, 1), durOr(c.Value/math.Max(res, 1), "–"), pct(c.Covered/res)
		} else {
			row.Gain, row.Value, row.Share = people(c.Gain), people(c.Value), pct(c.Value/res)
		}
		sv.Curve = append(sv.Curve, row)
	}
	for _, s := range st.Sites {
		unit := v.l.T("report.outside_every_unit")
		for _, u := range r.Units {
			if len(u.Geom) > 0 && u.Geom.Bound().Contains(s.Loc) && planar.MultiPolygonContains(u.Geom, s.Loc) {
				unit = u.Name
				break
			}
		}
		sv.Sites = append(sv.Sites, siteRow{Rank: fmt.Sprint(s.Rank), ID: s.ID, Where: fmt.Sprintf("%.5f, %.5f", s.Loc[1], s.Loc[0]), Unit: unit, Members: count(s.Members)})
	}
	sv.PlanNote = v.l.T("report.site.plan_note")
	v.Siting = sv
}

func (v *view) findings(r *Report) {
	s := &r.Summary
	std := s.Standard
	var f []string
	if len(v.Units) > 0 {
		worst := v.Units[0]
		f = append(f, v.l.T("report.find.units", "meeting", v.UnitsMeeting, "target", v.TargetShare, "unit", worst.Name, "share", worst.Share, "outside", worst.Outside))
	}
	var noTeam, short []string
	for _, i := range unitOrder(r.Units) {
		u := r.Units[i]
		if u.Residents <= 0 {
			continue
		}
		switch {
		case u.Bases == 0:
			noTeam = append(noTeam, u.Name)
		case u.TeamShort > 0:
			short = append(short, v.l.T("report.find.short_unit", "unit", u.Name, "n", u.Members, "min", u.MinMembers))
		}
	}
	if len(noTeam) > 0 {
		f = append(f, v.l.T("report.find.noteam", "n", len(noTeam), "m", s.UnitsWithResidents, "list", v.listUpTo(noTeam, 8)))
	}
	if len(short) > 0 {
		f = append(f, v.l.T("report.find.short", "list", v.listUpTo(short, 8)))
	}
	if len(r.Gaps) > 0 {
		g := r.Gaps[0]
		f = append(f, v.l.T("report.find.gap", "residents", people(g.Residents), "cells", count(g.Cells), "unit", v.Gaps[0].Unit, "worst", v.dur(g.Worst), "n", count(len(r.Gaps))))
	}
	if s.NoRoadCells > 0 {
		f = append(f, v.l.T("report.find.noroad", "cells", count(s.NoRoadCells), "residents", people(s.NoRoadResidents), "m", fmt.Sprintf("%g", std.Access.SnapDistanceM)))
	}
	if s.Shelters != nil {
		f = append(f, v.l.T("report.find.shelters", "places", people(s.Shelters.Places), "per100", decimal(100*s.Shelters.PlacesPerResident, 2), "pct", target(std.Shelters.FixedShare), "required", people(s.Shelters.Required), "deficit", people(s.Shelters.Deficit)))
	}
	if len(s.Scenarios) > 0 {
		worst := s.Scenarios[0]
		for _, sc := range s.Scenarios {
			if sc.Lost > worst.Lost {
				worst = sc
			}
		}
		f = append(f, v.l.T("report.find.scenario", "n", len(s.Scenarios), "name", worst.Name, "lost", people(worst.Lost)))
	}
	if st := r.Siting; st != nil && len(st.Sites) > 0 && st.Objective != "time" && s.Residents > 0 {
		f = append(f, v.l.T("report.find.siting", "n", len(st.Sites), "more", people(st.Covered-st.Baseline), "from", pct(st.Baseline/s.Residents), "to", pct(st.Covered/s.Residents)))
	}
	v.Findings = f
}

// listUpTo is listUpTo in the page's language.
func (v *view) listUpTo(xs []string, n int) string { return listIn(v.l, xs, n) }

func listIn(l i18n.Lang, xs []string, n int) string {
	sep := l.T("report.list_sep")
	if len(xs) <= n {
		return strings.Join(xs, sep)
	}
	return strings.Join(xs[:n], sep) + l.T("report.and_more", "n", len(xs)-n)
}

// levelName is a team level in language l (乡镇, 村 …), or as given.
func levelName(l i18n.Lang, level string) string {
	if l.Has("level." + level) {
		return l.T("level." + level)
	}
	return level
}

// className is a shelter class in language l, or as given.
func className(l i18n.Lang, class string) string {
	if l.Has("shelter_class." + class) {
		return l.T("shelter_class." + class)
	}
	return strings.ReplaceAll(class, "_", "-")
}

func (v *view) settings(r *Report) {
	s := &r.Summary
	std := s.Standard
	var teams []string
	for level, n := range std.Teams.MinMembers {
		teams = append(teams, fmt.Sprintf("%s %d", levelName(v.l, level), n))
	}
	sort.Strings(teams)
	var iso []string
	for _, m := range std.IsochroneMinutes {
		iso = append(iso, minutes(m))
	}
	rp := std.Rescue.Rapid
	area, edge := "", ""
	if a, err := h3.HexagonAreaAvgKm2(s.Resolution); err == nil {
		area = decimal(a, 3)
	}
	if e, err := h3.HexagonEdgeLengthAvgKm(s.Resolution); err == nil {
		edge = decimal(e*1000, 0)
	}
	l := v.l
	levels := func(ls []string) string {
		out := make([]string, len(ls))
		for i, x := range ls {
			out[i] = levelName(l, x)
		}
		return strings.Join(out, l.T("report.list_sep"))
	}
	v.Settings = []setting{
		{Key: l.T("report.set.preset"), Value: std.Name, Note: description(l, std.Description, std.DescriptionZh)},
		{Key: l.T("report.set.circle"), Value: l.T("report.set.circle_v", "min", v.TargetMin, "turnout", decimal(std.Rescue.TurnoutSeconds, 0)),
			Note: l.T("report.set.circle_n", "target", v.TargetShare, "horizon", minutes(std.Rescue.SecondBaseHorizonMinutes))},
		{Key: l.T("term.rapid_135"), Value: l.T("report.set.rapid_v", "respond", minutes(rp.RespondMinutes), "first", minutes(rp.FirstResponderMinutes), "pro", minutes(rp.ProfessionalMinutes)),
			Note: l.T("report.set.rapid_n", "first", levels(rp.FirstResponderLevels), "pro", levels(rp.ProfessionalLevels))},
		{Key: l.T("report.set.teams"), Value: strings.Join(teams, l.T("report.list_sep")), Note: l.T("report.set.teams_n")},
		{Key: l.T("report.set.access"), Value: l.T("report.set.access_v", "walk", fmt.Sprintf("%g", std.Access.WalkKPH), "m", fmt.Sprintf("%g", std.Access.SnapDistanceM))},
		{Key: l.T("report.set.iso"), Value: l.T("report.band.range", "range", strings.Join(iso, ", "))},
		{Key: l.T("report.set.grid"), Value: l.T("report.set.grid_v", "res", s.Resolution), Note: l.T("report.set.grid_n", "area", area, "edge", edge, "cells", count(s.Cells))},
		{Key: l.T("report.set.roads"), Value: l.T("report.set.roads_v", "profile", s.Graph.Profile, "nodes", count(s.Graph.Nodes), "edges", count(s.Graph.Edges)), Note: l.T("report.set.roads_n", "src", s.Graph.Source)},
		{Key: l.T("report.set.population"), Value: l.T("report.kpi.walk_sub", "n", people(s.Residents)), Note: s.PopulationText(l)},
		{Key: l.T("report.set.units"), Value: l.T("report.set.units_v", "n", count(s.Units), "m", count(s.UnitsWithResidents))},
		{Key: l.T("report.set.bases"), Value: count(s.Bases), Note: strings.Join(s.UnplacedBases, "; ")},
	}
	if s.Shelters != nil {
		var classes []string
		for name, c := range std.Shelters.Classes {
			classes = append(classes, l.T("report.set.class", "class", className(l, name), "area", fmt.Sprintf("%g", c.AreaM2PerPerson), "reach", fmt.Sprintf("%g", c.ReachM)))
		}
		sort.Strings(classes)
		v.Settings = append(v.Settings,
			setting{Key: l.T("term.shelter"), Value: l.T("report.set.shelters_v", "pct", target(std.Shelters.FixedShare), "walk", fmt.Sprintf("%g", std.Shelters.WalkKPH)), Note: strings.Join(classes, "; ")},
			setting{Key: l.T("term.depot"), Value: l.T("report.set.depots_v", "min", minutes(std.Depots.ReachMinutes))})
	}
	v.Settings = append(v.Settings,
		setting{Key: l.T("report.set.file"), Value: s.StudyFile},
		setting{Key: l.T("report.set.computed"), Value: l.T("report.set.computed_v", "at", v.Created, "gen", s.Generator)})
}

func (v *view) sources(r *Report) {
	s := &r.Summary
	srcs := s.Sources
	if len(srcs) == 0 { // outputs written before summary.json listed its sources
		srcs = []summary.Source{{Role: "road network", File: s.Graph.Source, Detail: "OpenStreetMap (" + s.Graph.Profile + " profile)", OSM: true}}
		if s.Population != "" {
			srcs = append(srcs, summary.Source{Role: "population", Detail: s.Population})
		}
	}
	for _, src := range srcs {
		size := ""
		if src.Bytes > 0 {
			size = bytesLabel(src.Bytes)
		}
		v.Sources = append(v.Sources, sourceRow{Role: src.Role, RoleLabel: roleName(v.l, src.Role), File: src.File, Size: size, Detail: src.DetailText(v.l), Provenance: src.Provenance, OSM: src.OSM})
		v.OSM = v.OSM || src.OSM
	}
	if strings.HasSuffix(s.Graph.Source, ".pbf") || strings.HasSuffix(s.Graph.Source, ".osm") {
		v.OSM = true
	}
	for _, n := range r.SourceNotes {
		v.SourceNotes = append(v.SourceNotes, n.In(v.l))
	}
	v.Notes = s.NoteTexts(v.l)
	// The stages in the order of their English text, named in v.l.
	type stage struct{ en, said string }
	var stages []stage
	var total float64
	for k, t := range s.TimingsSeconds {
		secs := fmt.Sprintf("%.2f", t)
		stages = append(stages, stage{i18n.EN.T("analyze.stage", "stage", k, "secs", secs), v.l.T("analyze.stage", "stage", v.l.Name("stage.", k), "secs", secs)})
		total += t
	}
	sort.Slice(stages, func(i, j int) bool { return stages[i].en < stages[j].en })
	said := make([]string, len(stages))
	for i, st := range stages {
		said[i] = st.said
	}
	v.Timings = v.l.T("report.timings", "total", fmt.Sprintf("%.2f", total), "stages", strings.Join(said, v.l.T("analyze.stage_sep")))
	v.Files = r.Dir
}

// roleName is an input's role in language l ("road network" 路网 …);
// scenario roles keep the scenario's name.
func roleName(l i18n.Lang, role string) string {
	if name, ok := strings.CutPrefix(role, "scenario "); ok {
		return l.T("report.role.scenario", "name", name)
	}
	key := "report.role." + strings.ReplaceAll(role, " ", "_")
	if l.Has(key) {
		return l.T(key)
	}
	return role
}

// description picks the preset's description in language l.
func description(l i18n.Lang, en, zh string) string {
	if l == i18n.ZhCN && zh != "" {
		return zh
	}
	return en
}
