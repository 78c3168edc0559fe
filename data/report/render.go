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
)

//go:embed report.html.tmpl
var templates embed.FS

var page = template.Must(template.New("report.html.tmpl").ParseFS(templates, "report.html.tmpl"))

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
}

// Render writes r as one self-contained HTML page to w.
func Render(w io.Writer, r *Report, opt RenderOptions) error {
	v, err := newView(r, opt)
	if err != nil {
		return err
	}
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// The view: everything the template shows, formatted. Numbers are
// strings here so that the template holds no arithmetic.
type view struct {
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
	Role, File, Size, Detail, Provenance string
	OSM                                  bool
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
	}
	if v.Title == "" {
		v.Title = "Rescue coverage report"
	}
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
		{Key: "residents", Label: "Residents", Value: people(s.Residents), Sub: fmt.Sprintf("on %s populated H3 cells", count(s.Cells))},
		{Key: "within", Label: fmt.Sprintf("Inside the %s-min circle", v.TargetMin), Value: people(s.Within), Sub: "residents reached in time"},
		{Key: "share", Label: "Share inside", Value: pct(s.Share), Sub: "target " + v.TargetShare, Class: shareClass},
		{Key: "outside", Label: "Outside the circle", Value: people(s.Outside), Sub: fmt.Sprintf("residents, in %s gaps", count(outsideGaps)), Class: outsideClass},
		{Key: "no_road_cells", Label: "Cells without road access", Value: count(s.NoRoadCells), SubKey: "no_road_residents", SubValue: people(s.NoRoadResidents), Sub: "residents in them"},
		{Key: "p90", Label: "Travel time p50 / p90", Value: durOr(nan(s.P50Seconds), "–") + " / " + durOr(nan(s.P90Seconds), "–"), Sub: "min:s, population-weighted"},
	}

	v.Headline = fmt.Sprintf("%s of the %s residents live within the %s-minute rescue circle of the nearest base; %s are outside it.",
		pct(s.Share), people(s.Residents), v.TargetMin, people(s.Outside))

	var empty []string
	for _, i := range unitOrder(r.Units) {
		u := r.Units[i]
		if u.Residents <= 0 {
			empty = append(empty, u.Name)
			continue
		}
		row := unitRow{ID: u.ID, Name: u.Name, Residents: people(u.Residents), Within: people(u.Within), Share: pct(u.Share),
			Outside: people(u.Outside), P50: dur(u.P50), P90: dur(u.P90), Max: dur(u.Max), NoRoad: people(u.NoRoadResidents)}
		team := teamRow{ID: u.ID, Name: u.Name, Bases: count(u.Bases), Members: count(u.Members), MinMembers: count(u.MinMembers),
			Short: count(u.TeamShort), OwnReach: pct(u.OwnTeamCovered / u.Residents)}
		if u.TeamShort == 0 {
			team.Short = "–"
		}
		team.Team, team.TeamClass = teamStatus(u)
		v.Teams = append(v.Teams, team)
		if u.MeetsRescue {
			row.Rescue, row.RescueClass = "met", "ok"
		} else {
			row.Rescue, row.RescueClass = "not met", "bad"
		}
		if u.RapidResidents > 0 {
			v.HasRapid = true
			row.Rapid = pct(u.RapidMet / u.RapidResidents)
		} else {
			row.Rapid = "–"
		}
		v.Units = append(v.Units, row)
	}
	v.UnitsMeeting = fmt.Sprintf("%d of %d", s.UnitsMeetingRescue, s.UnitsWithResidents)
	v.UnitsTotal = unitRow{Name: "All residents", Residents: people(s.Residents), Within: people(s.Within), Share: pct(s.Share),
		Outside: people(s.Outside), P50: dur(nan(s.P50Seconds)), P90: dur(nan(s.P90Seconds)), Max: dur(nan(s.MaxSeconds)), NoRoad: people(s.NoRoadResidents)}
	bases, members, own, res := 0, 0, 0.0, 0.0
	for _, u := range r.Units {
		bases += u.Bases
		members += u.Members
		own += u.OwnTeamCovered
		res += u.Residents
	}
	v.TeamsTotal = teamRow{Name: "All units", Bases: count(bases), Members: count(members), OwnReach: pct(own / res)}
	if s.CellsOutsideUnits > 0 {
		v.OutsideUnits = fmt.Sprintf("The total includes %s residents in %s cells whose centre lies outside every unit.", people(s.ResidentsOutsideUnit), count(s.CellsOutsideUnits))
	}
	if len(empty) > 0 {
		sort.Strings(empty)
		if len(empty) <= 30 {
			v.EmptyUnits = fmt.Sprintf("%d more units have no residents in the study grid: %s.", len(empty), strings.Join(empty, ", "))
		} else {
			v.EmptyUnits = fmt.Sprintf("%s more units have no residents in the study grid (the units file covers more than the study area); they are left out of the table.", count(len(empty)))
		}
	}

	// Legend.
	v.MapShelters, v.MapDepots = len(r.Shelters) > 0, len(r.Depots) > 0
	for _, b := range v.Map.Bands {
		if b.Cells == 0 && (b.Key == "unreached" || b.Key == "far") {
			continue
		}
		v.MapLegend = append(v.MapLegend, legendRow{Key: b.Key, Label: b.Label, Color: b.Color, Hatch: b.Hatch,
			Cells: count(b.Cells), Residents: people(b.Residents), Share: pct(b.Share)})
	}
	v.Symbols = []string{"base", "gap", "unit"}
	mode := "one hexagon per populated H3 cell"
	if !v.Map.PerCell {
		mode = "populated H3 cells, merged by class"
	}
	v.MapNote = fmt.Sprintf("Travel time from the nearest rescue base (turnout %s s + drive + walk from the road to the cell centre at %g km/h), %s at resolution %d. Projection: local equirectangular, north up; scale bar %s.",
		decimal(std.Rescue.TurnoutSeconds, 0), std.Access.WalkKPH, mode, s.Resolution, distanceLabel(v.Map.ScaleM))
}

// teamStatus says whether a unit's own team meets the minimum and reaches
// its residents, as the units table's meets_team does.
func teamStatus(u Unit) (string, string) {
	switch {
	case u.Bases == 0:
		return "no team", "bad"
	case u.TeamShort > 0:
		return fmt.Sprintf("%d short", u.TeamShort), "bad"
	case !u.MeetsTeam:
		return "too far", "warn"
	}
	return "ok", "ok"
}

func (v *view) basesAndGaps(r *Report) {
	units := map[string]string{}
	for _, u := range r.Units {
		units[u.ID] = u.Name
	}
	unitName := func(id string) string {
		if id == "" {
			return "outside every unit"
		}
		if n, ok := units[id]; ok {
			return n
		}
		return id
	}
	for _, b := range r.Bases {
		snapped := "yes"
		if !b.Snapped {
			snapped = "no"
		}
		v.Bases = append(v.Bases, baseRow{ID: b.ID, Name: b.Name, Level: b.Level, TeamSize: count(b.TeamSize), Unit: unitName(b.UnitID),
			Snapped: snapped, Nearest: people(b.Nearest), Covered: people(b.Covered), OnlyCovers: people(b.OnlyCovers)})
	}
	const shown = 10
	for _, g := range r.Gaps {
		if g.Rank > shown {
			continue
		}
		v.Gaps = append(v.Gaps, gapRow{Rank: fmt.Sprint(g.Rank), Residents: people(g.Residents), Cells: count(g.Cells),
			Worst: durOr(g.Worst, "not reached"), Unit: unitName(g.UnitID), Where: fmt.Sprintf("%.5f, %.5f", g.Loc[1], g.Loc[0])})
	}
	if n := len(r.Gaps); n > shown {
		rest := 0.0
		for _, g := range r.Gaps {
			if g.Rank > shown {
				rest += g.Residents
			}
		}
		v.GapsNote = fmt.Sprintf("%s more gaps hold %s residents (gaps.csv lists them all).", count(n-shown), people(rest))
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
		{Key: "shelters", Label: "Shelters for people", Value: count(ss.Shelters), Sub: fmt.Sprintf("%s of unknown capacity", count(ss.UnknownCapacity))},
		{Key: "places", Label: "Places", Value: people(ss.Places), Sub: decimal(100*ss.PlacesPerResident, 2) + " per 100 residents"},
		{Key: "required_places", Label: "Places the standard asks", Value: people(ss.Required), Sub: sv.FixedPct + " of residents in fixed shelters"},
		{Key: "place_deficit", Label: "Deficit", Value: people(ss.Deficit), Sub: "places missing", Class: deficitClass},
		{Key: "within_walk_reach", Label: "Shelter within walking reach", Value: pct(reachShare), Sub: people(ss.WithinReach) + " residents"},
		{Key: "unplaced", Label: "Without a place", Value: people(ss.Unplaced), Sub: fmt.Sprintf("of %s needing one; mean walk %s", people(ss.Demand), durOr(nan(ss.MeanWalkSeconds), "–"))},
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
			row.Shelters += fmt.Sprintf(" (%d unknown)", u.UnknownCapacity)
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
		sv.Overflow = append(sv.Overflow, overflowRow{Name: name, Class: sh.Class, Rule: sh.Rule, Places: people(sh.Places),
			Nearest: people(sh.NearestLoad), Over: people(sh.NearestLoad - sh.Places)})
	}
	units := map[string]string{}
	for _, u := range r.Units {
		units[u.ID] = u.Name
	}
	for _, d := range r.Depots {
		snapped := "yes"
		if !d.Snapped {
			snapped = "no"
		}
		sv.Depots = append(sv.Depots, depotRow{ID: d.ID, Name: d.Name, Unit: units[d.UnitID], Snapped: snapped,
			Residents: people(d.Residents), Shelters: count(d.Shelters), Stock: d.Stock})
	}
	var classes []string
	for name, c := range std.Shelters.Classes {
		classes = append(classes, fmt.Sprintf("%s %g m", strings.ReplaceAll(name, "_", "-"), c.ReachM))
	}
	sort.Strings(classes)
	sv.Reach = strings.Join(classes, ", ")
	v.Shelter = sv
}

func (v *view) scenarios(r *Report) {
	s := &r.Summary
	if len(s.Scenarios) == 0 {
		return
	}
	sv := &scenarioView{}
	sv.Rows = append(sv.Rows, scenarioRow{Name: "baseline", Change: "as studied", Within: people(s.Within), Delta: "–", Share: pct(s.Share), Lost: "–", Worst: "–", Baseline: true})
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
			change = append(change, count(sc.ClosedEdges)+" road edges closed")
		}
		if sc.SlowedEdges > 0 {
			change = append(change, count(sc.SlowedEdges)+" road edges slowed")
		}
		if len(sc.UnknownWays) > 0 {
			change = append(change, fmt.Sprintf("%d way ids not in the network", len(sc.UnknownWays)))
		}
		if n := len(sc.BasesOut); n > 0 {
			change = append(change, fmt.Sprintf("%d %s out of service (%s)", n, map[bool]string{true: "base", false: "bases"}[n == 1], listUpTo(sc.BasesOut, 4)))
		}
		if len(change) == 0 {
			change = append(change, "bases out of service")
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
			worst = fmt.Sprintf("%s (%s)", worst, people(worstLost))
		}
		sv.Rows = append(sv.Rows, scenarioRow{Name: sc.Name, Change: strings.Join(change, "; "), Within: people(sc.Within),
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
	gainLabel, valueLabel := sitingUnit(st.Objective)
	sv := &sitingView{Dir: st.Dir, GainLabel: gainLabel, ValueLabel: valueLabel,
		GainChart: template.HTML(gainChart(st)), ValueChart: template.HTML(valueChart(st, res))}
	switch st.Objective {
	case "coverage":
		sv.Objective = "most residents inside the rescue circle for K new sites (maximal covering, MCLP)"
	case "all":
		sv.Objective = "fewest new sites to bring the coverage target inside the circle (set covering, LSCP)"
	case "time":
		sv.Objective = "least population-weighted travel time (p-median)"
	case "expected":
		sv.Objective = "most residents expected to be reached in time when teams are out on other calls (maximal expected covering, MEXCLP)"
	default:
		sv.Objective = st.Objective
	}
	area := "–"
	if a, err := h3.HexagonAreaAvgKm2(st.CandidateRes); err == nil {
		area = decimal(a, 2)
	}
	sv.Facts = []setting{
		{Key: "Objective", Value: sv.Objective},
		{Key: "Candidate sites", Value: fmt.Sprintf("%s centres of H3 cells of resolution %d (about %s km² each) with road access, of %s considered", count(st.Candidates), st.CandidateRes, area, count(st.Considered))},
		{Key: "Existing bases", Value: fmt.Sprintf("%s, all kept open", count(r.Summary.Bases))},
	}
	if st.Objective == "time" {
		sv.Facts = append(sv.Facts,
			setting{Key: "Mean travel time", Value: fmt.Sprintf("%s with the existing bases, %s with %d new sites", durOr(st.Baseline/math.Max(res, 1), "–"), durOr(st.MeanSeconds, "–"), len(st.Sites))})
	} else {
		sv.Facts = append(sv.Facts,
			setting{Key: "Residents inside the circle", Value: fmt.Sprintf("%s (%s) with the existing bases → %s (%s) with %d new sites", people(st.Baseline), pct(st.Baseline/res), people(st.Covered), pct(st.Covered/res), len(st.Sites))},
			setting{Key: "Reachable at all", Value: fmt.Sprintf("%s residents: the rest have no road access or no candidate reaches them in time", people(st.Coverable))})
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
		unit := "outside every unit"
		for _, u := range r.Units {
			if len(u.Geom) > 0 && u.Geom.Bound().Contains(s.Loc) && planar.MultiPolygonContains(u.Geom, s.Loc) {
				unit = u.Name
				break
			}
		}
		sv.Sites = append(sv.Sites, siteRow{Rank: fmt.Sprint(s.Rank), ID: s.ID, Where: fmt.Sprintf("%.5f, %.5f", s.Loc[1], s.Loc[0]), Unit: unit, Members: count(s.Members)})
	}
	sv.PlanNote = "The curve adds sites one at a time (greedy order: what each further station buys); the plan is the greedy choice improved by swaps, or the exact optimum where the branch and bound ran, so its sites can differ from the curve's."
	v.Siting = sv
}

func (v *view) findings(r *Report) {
	s := &r.Summary
	std := s.Standard
	var f []string
	if len(v.Units) > 0 {
		worst := v.Units[0]
		f = append(f, fmt.Sprintf("%s units with residents meet the %s target. Most residents outside the circle: %s (%s inside, %s outside).",
			v.UnitsMeeting, v.TargetShare, worst.Name, worst.Share, worst.Outside))
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
			short = append(short, fmt.Sprintf("%s (%d of %d)", u.Name, u.Members, u.MinMembers))
		}
	}
	if len(noTeam) > 0 {
		f = append(f, fmt.Sprintf("No rescue team based in %d of %d units: %s.", len(noTeam), s.UnitsWithResidents, listUpTo(noTeam, 8)))
	}
	if len(short) > 0 {
		f = append(f, fmt.Sprintf("Team below the minimum in %s.", listUpTo(short, 8)))
	}
	if len(r.Gaps) > 0 {
		g := r.Gaps[0]
		f = append(f, fmt.Sprintf("The largest gap holds %s residents in %s cells (%s), worst time %s; %s gaps in all.",
			people(g.Residents), count(g.Cells), v.Gaps[0].Unit, durOr(g.Worst, "not reached"), count(len(r.Gaps))))
	}
	if s.NoRoadCells > 0 {
		f = append(f, fmt.Sprintf("%s cells with %s residents have no road within %g m of their centre; they count as outside the circle.",
			count(s.NoRoadCells), people(s.NoRoadResidents), std.Access.SnapDistanceM))
	}
	if s.Shelters != nil {
		f = append(f, fmt.Sprintf("Shelters offer %s places, %s per 100 residents; the standard's %s asks %s (deficit %s).",
			people(s.Shelters.Places), decimal(100*s.Shelters.PlacesPerResident, 2), target(std.Shelters.FixedShare), people(s.Shelters.Required), people(s.Shelters.Deficit)))
	}
	if len(s.Scenarios) > 0 {
		worst := s.Scenarios[0]
		for _, sc := range s.Scenarios {
			if sc.Lost > worst.Lost {
				worst = sc
			}
		}
		f = append(f, fmt.Sprintf("Of %d scenarios, %s costs the most: %s residents lose coverage.", len(s.Scenarios), worst.Name, people(worst.Lost)))
	}
	if st := r.Siting; st != nil && len(st.Sites) > 0 && st.Objective != "time" && s.Residents > 0 {
		f = append(f, fmt.Sprintf("%d new sites would bring %s more residents inside the circle (%s → %s).",
			len(st.Sites), people(st.Covered-st.Baseline), pct(st.Baseline/s.Residents), pct(st.Covered/s.Residents)))
	}
	v.Findings = f
}

func listUpTo(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
}

func (v *view) settings(r *Report) {
	s := &r.Summary
	std := s.Standard
	var teams []string
	for level, n := range std.Teams.MinMembers {
		teams = append(teams, fmt.Sprintf("%s %d", level, n))
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
	v.Settings = []setting{
		{Key: "Standards preset", Value: std.Name, Note: std.Description},
		{Key: "Rescue circle", Value: fmt.Sprintf("%s min from the nearest base, turnout %s s included", v.TargetMin, decimal(std.Rescue.TurnoutSeconds, 0)),
			Note: fmt.Sprintf("target: %s of residents inside; second-nearest base searched to %s min", v.TargetShare, minutes(std.Rescue.SecondBaseHorizonMinutes))},
		{Key: `"135" rapid rescue`, Value: fmt.Sprintf("respond %s min, first responders %s min, professionals %s min", minutes(rp.RespondMinutes), minutes(rp.FirstResponderMinutes), minutes(rp.ProfessionalMinutes)),
			Note: fmt.Sprintf("in the study's built-up and industrial zones; first responders: %s; professionals: %s", strings.Join(rp.FirstResponderLevels, ", "), strings.Join(rp.ProfessionalLevels, ", "))},
		{Key: "Team minimum members", Value: strings.Join(teams, ", "), Note: "per unit, by the level of its bases"},
		{Key: "Road to cell centre", Value: fmt.Sprintf("walk at %g km/h; no road within %g m = no road access", std.Access.WalkKPH, std.Access.SnapDistanceM)},
		{Key: "Isochrones", Value: strings.Join(iso, ", ") + " min"},
		{Key: "Grid", Value: fmt.Sprintf("H3 resolution %d", s.Resolution), Note: fmt.Sprintf("cells of about %s km², edge about %s m; %s populated cells", area, edge, count(s.Cells))},
		{Key: "Road network", Value: fmt.Sprintf("%s profile, %s nodes, %s edges", s.Graph.Profile, count(s.Graph.Nodes), count(s.Graph.Edges)), Note: "from " + s.Graph.Source},
		{Key: "Population", Value: people(s.Residents) + " residents", Note: s.Population},
		{Key: "Reporting units", Value: fmt.Sprintf("%s units, %s with residents", count(s.Units), count(s.UnitsWithResidents))},
		{Key: "Rescue bases", Value: count(s.Bases), Note: strings.Join(s.UnplacedBases, "; ")},
	}
	if s.Shelters != nil {
		var classes []string
		for name, c := range std.Shelters.Classes {
			classes = append(classes, fmt.Sprintf("%s %g m²/person within %g m", strings.ReplaceAll(name, "_", "-"), c.AreaM2PerPerson, c.ReachM))
		}
		sort.Strings(classes)
		v.Settings = append(v.Settings,
			setting{Key: "Shelters", Value: fmt.Sprintf("fixed shelters for %s of residents; walk at %g km/h", target(std.Shelters.FixedShare), std.Shelters.WalkKPH), Note: strings.Join(classes, "; ")},
			setting{Key: "Depots", Value: fmt.Sprintf("reach within %s min by road", minutes(std.Depots.ReachMinutes))})
	}
	v.Settings = append(v.Settings,
		setting{Key: "Study file", Value: s.StudyFile},
		setting{Key: "Computed", Value: v.Created + " by " + s.Generator})
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
		v.Sources = append(v.Sources, sourceRow{Role: src.Role, File: src.File, Size: size, Detail: src.Detail, Provenance: src.Provenance, OSM: src.OSM})
		v.OSM = v.OSM || src.OSM
	}
	if strings.HasSuffix(s.Graph.Source, ".pbf") || strings.HasSuffix(s.Graph.Source, ".osm") {
		v.OSM = true
	}
	v.SourceNotes = r.SourceNotes
	v.Notes = s.Notes
	var stages []string
	var total float64
	for k, t := range s.TimingsSeconds {
		stages = append(stages, fmt.Sprintf("%s %.2f s", k, t))
		total += t
	}
	sort.Strings(stages)
	v.Timings = fmt.Sprintf("%.2f s (%s)", total, strings.Join(stages, ", "))
	v.Files = r.Dir
}
