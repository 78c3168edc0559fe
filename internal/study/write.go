package study

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/internal/atomicfile"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/textwidth"
)

func scenarioShelterSummary(sbase *shelter.Result, sc ScenarioResult) *ScenarioShelterSummary {
	if sbase == nil || sc.Shelter == nil {
		return nil
	}
	b, s := sbase.Summary, sc.Shelter.Summary
	over, away := ShelterChanges(sbase, sc.Shelter)
	return &ScenarioShelterSummary{
		Closed: s.Closed, Places: s.Places, PlacesBaseline: b.Places, Placed: s.Placed, PlacedBaseline: b.Placed,
		Unplaced: s.Unplaced, NewlyUnplaced: max(0, s.Unplaced-b.Unplaced), WithinReach: s.WithinReach, WithinReachBase: b.WithinReach,
		WalkClosedEdges: sc.WalkClosedEdges, StartToOverflow: shelterIDs(sbase, over), TurningAway: shelterIDs(sbase, away),
		InClosedAreas: sc.SheltersInClosedAreas, NearestOverflowed: s.NearestOverflowing,
	}
}

// shelterIDs returns the ids of shelters js, [] (not null) for none.
func shelterIDs(r *shelter.Result, js []int) []string {
	out := []string{}
	for _, j := range js {
		out = append(out, r.Shelters[j].ID)
	}
	return out
}

// shelterNames returns the names of shelters js (the id where a shelter has none).
func shelterNames(r *shelter.Result, js []int) []string {
	var out []string
	for _, j := range js {
		n := r.Shelters[j].Name
		if n == "" {
			n = r.Shelters[j].ID
		}
		out = append(out, n)
	}
	return out
}

// PrintScenarios writes each scenario's change against the baseline; sbase
// is the baseline shelter result (nil without shelters).
func PrintScenarios(w io.Writer, l i18n.Lang, r *coverage.Result, sbase *shelter.Result, scs []ScenarioResult) {
	if len(scs) == 0 {
		return
	}
	fmt.Fprintln(w, "\n  "+l.T("summary.scenarios", "within", people(r.Summary.Within)))
	for _, sc := range scs {
		delta := sc.Result.Summary.Within - r.Summary.Within + 0 // +0: no "-0"
		worst, worstLost := "", 0.0
		for u, bu := range r.Units {
			if l := bu.Within - sc.Result.Units[u].Within; l > worstLost {
				worst, worstLost = bu.Name, l
			}
		}
		fmt.Fprintf(w, "    %s %s", textwidth.PadRight(sc.Name, 20), l.T("summary.scenario", "inside", people(sc.Result.Summary.Within), "delta", fmt.Sprintf("%+.0f", math.Round(delta)+0),
			"closed", sc.Report.ClosedEdges, "slowed", sc.Report.SlowedEdges))
		if worst != "" {
			fmt.Fprint(w, l.T("summary.scenario_lost", "unit", worst, "lost", people(worstLost)))
		}
		fmt.Fprintln(w)
		if ss := scenarioShelterSummary(sbase, sc); ss != nil {
			over, away := ShelterChanges(sbase, sc.Shelter)
			fmt.Fprintf(w, "    %-20s shelters: %d closed, places %s -> %s, without a place %s (%+.0f)", "", ss.Closed, people(ss.PlacesBaseline), people(ss.Places),
				people(ss.Unplaced), math.Round(ss.Unplaced-sbase.Summary.Unplaced)+0)
			if ss.WalkClosedEdges > 0 {
				fmt.Fprintf(w, ", %d walk-graph edges closed", ss.WalkClosedEdges)
			}
			fmt.Fprintln(w)
			if len(over)+len(away) > 0 {
				fmt.Fprintf(w, "    %-20s start to overflow: %s; turn away more residents: %s\n", "", list(shelterNames(sbase, over), 4), list(shelterNames(sbase, away), 4))
			}
			if len(ss.InClosedAreas) > 0 {
				var in []int
				for j, sh := range sbase.Shelters {
					if slices.Contains(ss.InClosedAreas, sh.ID) {
						in = append(in, j)
					}
				}
				fmt.Fprintf(w, "    %-20s open shelters inside the closed areas: %s\n", "", list(shelterNames(sbase, in), 4))
			}
		}
	}
}

// list joins up to n ids, saying how many more there are.
func list(ids []string, n int) string {
	if len(ids) == 0 {
		return "none"
	}
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:n], ", "), len(ids)-n)
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Write writes every table and summary.json into the folder dir, made if
// missing. It does not replace anything: commands write into the hidden
// folder of an outdir.Folder, which swaps the complete result in. It stops
// between tables once ctx is done.
func Write(ctx context.Context, dir string, in *Inputs, res *Results, generator string, timings []StageTiming) (*Summary, error) {
	r, sr, scs := res.Coverage, res.Shelter, res.Scenarios
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output: %w", err)
	}
	tmp := dir
	mem := memory.NewGoAllocator()
	// The cells, the largest table, are built and written batch by batch,
	// never held whole, while the other tables are built (the gaps'
	// dissolve): the two largest tables on two cores, as Tables does.
	var dayPop []float64
	if res.Day != nil {
		dayPop = in.DayPop
	}
	type cellFiles struct {
		written []string
		err     error
	}
	cellsDone := make(chan cellFiles, 1)
	go func() {
		written, err := arrowio.WriteAllBatches(tmp, "cells", arrowio.GeoColumn{Name: "geometry"}, cellBatches(ctx, mem, in, r, dayPop))
		cellsDone <- cellFiles{written, err}
	}()
	var cells *cellFiles
	waitCells := func() *cellFiles {
		if cells == nil {
			c := <-cellsDone
			cells = &c
		}
		return cells
	}
	defer waitCells() // on every return: nothing is written into dir after
	tables, err := buildTables(mem, in, r, false)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, rec := range tables {
			rec.Release()
		}
	}()
	if len(scs) > 0 {
		tables["scenarios"] = ScenarioTable(mem, in, r, sr, scs)
		if rec := ScenarioShelterTable(mem, in, sr, scs); rec != nil {
			tables["scenario_shelters"] = rec
		}
	}
	if res.Critical != nil {
		tables["critical_segments"] = CriticalTable(mem, res.Critical)
	}
	if len(res.Times) > 0 {
		tt, err := TimeTables(mem, in, res.Times)
		if err != nil {
			return nil, err
		}
		for n, rec := range tt {
			tables[n] = rec
		}
	}
	if res.Day != nil {
		gaps, err := DayTables(mem, tables, in, res.Day)
		if err != nil {
			return nil, err
		}
		tables["gaps_day"] = gaps
	}
	if sr != nil {
		st, err := ShelterTables(mem, in, sr)
		if err != nil {
			return nil, err
		}
		for n, rec := range st {
			tables[n] = rec
		}
	}
	var files []string
	names := make([]string, 0, len(tables)+1)
	for n := range tables {
		names = append(names, n)
	}
	names = append(names, "cells")
	sort.Strings(names)
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var written []string
		var err error
		if n == "cells" {
			c := waitCells()
			written, err = c.written, c.err
		} else {
			geom := arrowio.GeoColumn{Name: "geometry"}
			if len(tables[n].Schema().FieldIndices("geometry")) == 0 {
				geom = arrowio.GeoColumn{}
			}
			written, err = arrowio.WriteAll(tmp, n, tables[n], geom)
		}
		if err != nil {
			return nil, fmt.Errorf("write %s table: %w", n, err)
		}
		for _, f := range written {
			files = append(files, filepath.Base(f))
		}
	}
	if in.Study.Output.GCJ02Copy {
		copies, err := writeGCJ02Copies(tmp, files)
		if err != nil {
			return nil, err
		}
		files = append(files, copies...)
	}
	sum := summarize(in, r, generator, timings)
	for _, sc := range scs {
		ss := ScenarioSummary{
			Name: sc.Name, Within: sc.Result.Summary.Within, Lost: max(0, r.Summary.Within-sc.Result.Summary.Within),
			ClosedEdges: sc.Report.ClosedEdges, SlowedEdges: sc.Report.SlowedEdges, UnknownWays: sc.Report.UnknownWays,
			Shelters: scenarioShelterSummary(sr, sc),
		}
		for _, spec := range in.Study.Scenarios {
			if spec.Name == sc.Name {
				ss.BasesOut = spec.BasesOut
			}
		}
		sum.Scenarios = append(sum.Scenarios, ss)
	}
	if sr != nil {
		s := sr.Summary
		sum.Shelters = &ShelterSummary{
			Shelters: s.Shelters, UnknownCapacity: s.UnknownCapacity, Places: s.Places,
			PlacesPerResident: s.PlacesPerResident, Required: s.Required, Deficit: s.Deficit,
			WithinReach: s.WithinReach, Demand: s.Demand, Placed: s.Placed, Unplaced: s.Unplaced,
			MeanWalkSeconds: ptr(s.MeanWalkSeconds), NearestOverflowing: s.NearestOverflowing,
			NearestOverflow: s.NearestOverflow, DepotsUnreached: s.DepotsUnreached, Depots: len(sr.Depots),
		}
	}
	sum.Critical = criticalSummary(res.Critical)
	sum.Day = daySummary(in, r, res.Day)
	sum.Times = timesSummary(in, res.Times)
	sum.Files = append(files, SummaryFile)
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, err
	}
	err = atomicfile.Write(filepath.Join(tmp, SummaryFile), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("write summary: %w", err)
	}
	return sum, nil
}

func summarize(in *Inputs, r *coverage.Result, generator string, timings []StageTiming) *Summary {
	st := in.Study
	s := r.Summary
	out := &Summary{
		Study: st.Name, StudyFile: st.File, Generator: generator, Created: time.Now().UTC().Truncate(time.Second),
		Resolution: st.Resolution, Standard: st.Standard, Population: in.Population.Source, PopulationEstimate: popEstimate(in.Population), Sources: st.Sources(),
		Residents: s.Residents, Within: s.Within, Share: s.Share, Outside: s.Outside,
		P50Seconds: ptr(s.P50), P90Seconds: ptr(s.P90), MaxSeconds: ptr(s.Max),
		Cells: s.Cells, NoRoadCells: s.NoRoadCells, NoRoadResidents: s.NoRoadResidents,
		CellsOutsideUnits: s.OutsideUnits, ResidentsOutsideUnit: s.OutsideUnitResidents,
		Units: len(r.Units), Bases: len(r.Bases), UnplacedBases: s.UnplacedBases, MovedBases: s.MovedBases, Notes: in.Notes, NoteMessages: noteMessages(in),
		TimingsSeconds: map[string]float64{},
	}
	out.Backup = backupSummary(s.Backup)
	out.BusyTeams = busySummary(r)
	if rec := in.Recorded; rec != nil {
		out.Graph.Profile, out.Graph.Nodes, out.Graph.Edges, out.Graph.Source = rec.Profile, rec.Nodes, rec.Edges, rec.Source
		out.Sources = rec.Sources
	} else {
		m := in.Graph.Meta()
		out.Graph.Profile, out.Graph.Nodes, out.Graph.Edges, out.Graph.Source = m.Profile, in.Graph.NumNodes(), in.Graph.NumEdges(), m.Source
	}
	for _, u := range r.Units {
		if u.Residents <= 0 {
			continue // an empty unit meets nothing and fails nothing
		}
		out.UnitsWithResidents++
		if u.MeetsRescue {
			out.UnitsMeetingRescue++
		}
		if u.MeetsTeam {
			out.UnitsMeetingTeam++
		}
	}
	for _, t := range timings {
		out.TimingsSeconds[t.Stage] = math.Round(t.Took.Seconds()*1000) / 1000
	}
	return out
}

// PrintSummary writes the person-readable summary: the region's coverage,
// the worst units and the largest gaps.
func PrintSummary(w io.Writer, l i18n.Lang, in *Inputs, r *coverage.Result) {
	st := in.Study
	s := r.Summary
	std := st.Standard
	mins := fmt.Sprintf("%g", std.Rescue.Minutes)
	fmt.Fprintln(w, l.T("summary.head", "name", st.Name, "preset", std.Name, "minutes", mins, "target", fmt.Sprintf("%g", 100*std.Rescue.CoverageTarget)))
	fmt.Fprintln(w, "  "+l.T("summary.residents", "residents", people(s.Residents), "cells", s.Cells, "res", st.Resolution, "source", popSource(l, in.Population)))
	fmt.Fprintln(w, "  "+l.T("summary.inside", "minutes", mins, "within", people(s.Within), "share", fmt.Sprintf("%.1f", 100*s.Share), "outside", people(s.Outside)))
	fmt.Fprintln(w, "  "+l.T("summary.times", "p50", durL(l, s.P50), "p90", durL(l, s.P90), "max", durL(l, s.Max)))
	printBackup(w, l, s, std.Rescue.Minutes)
	var rapidRes, rapidMet float64
	for _, u := range r.Units {
		rapidRes += u.RapidResidents
		rapidMet += u.RapidMet
	}
	if rapidRes > 0 {
		rp := std.Rescue.Rapid
		fmt.Fprintln(w, "  "+l.T("summary.rapid", "residents", people(rapidRes), "met", people(rapidMet), "share", fmt.Sprintf("%.1f", 100*rapidMet/rapidRes),
			"first", fmt.Sprintf("%g", rp.FirstResponderMinutes), "pro", fmt.Sprintf("%g", rp.ProfessionalMinutes)))
	}
	printBusy(w, r, std.Rescue.Minutes)
	if s.NoRoadCells > 0 {
		fmt.Fprintln(w, "  "+l.T("summary.noroad", "m", fmt.Sprintf("%g", std.Access.SnapDistanceM), "cells", s.NoRoadCells, "residents", people(s.NoRoadResidents)))
	}
	if s.OutsideUnits > 0 {
		fmt.Fprintln(w, "  "+l.T("summary.outside_units", "cells", s.OutsideUnits, "residents", people(s.OutsideUnitResidents)))
	}
	for _, u := range s.UnplacedBases {
		fmt.Fprintln(w, "  "+l.T("summary.base_left_out", "base", u))
	}
	moved := 0
	for _, b := range r.Bases {
		if b.Moved == "" {
			continue
		}
		moved++
		if b.FragmentNodes == 0 { // a result without the figures (read back)
			fmt.Fprintln(w, "  "+l.T("summary.base_moved", "base", b.ID+": "+b.Moved))
			continue
		}
		fmt.Fprintln(w, "  "+l.T("summary.base_moved_fragment", "base", b.ID, "moved", fmt.Sprintf("%.1f", b.MovedM),
			"near", fmt.Sprintf("%.1f", b.NearestRoadM), "nodes", b.FragmentNodes))
	}
	if moved == 0 {
		for _, u := range s.MovedBases {
			fmt.Fprintln(w, "  "+l.T("summary.base_moved", "base", u))
		}
	}
	units := append([]coverage.UnitResult(nil), r.Units...)
	sort.SliceStable(units, func(a, b int) bool {
		if units[a].Outside != units[b].Outside {
			return units[a].Outside > units[b].Outside
		}
		return units[a].Share < units[b].Share
	})
	meet, empty := 0, 0
	populated := units[:0:0]
	for _, u := range units {
		if u.Residents <= 0 {
			empty++
			continue
		}
		populated = append(populated, u)
		if u.MeetsRescue {
			meet++
		}
	}
	units = populated
	fmt.Fprint(w, "\n  "+l.T("summary.units_meeting", "minutes", mins, "meet", meet, "units", len(units)))
	if empty > 0 {
		fmt.Fprint(w, l.T("summary.units_empty", "n", empty))
	}
	fmt.Fprintln(w, l.T("summary.worst_first"))
	fmt.Fprintf(w, "    %s %s %s %s %s %s %s\n", textwidth.PadRight(l.T("summary.col.unit"), 28), textwidth.PadLeft(l.T("summary.col.residents"), 10), textwidth.PadLeft(l.T("summary.col.inside"), 8),
		textwidth.PadLeft(l.T("summary.col.outside"), 10), textwidth.PadLeft(l.T("summary.col.p90"), 9), textwidth.PadLeft(l.T("summary.col.members"), 9), l.T("summary.col.team"))
	for k, u := range units {
		if k == 10 {
			fmt.Fprintln(w, "    "+l.T("summary.more_units", "n", len(units)-10))
			break
		}
		team := l.T("summary.team.ok")
		switch {
		case u.Bases == 0:
			team = l.T("summary.team.none")
		case u.TeamShort > 0:
			team = l.T("summary.team.short", "short", u.TeamShort, "min", u.MinMembers)
		case !u.MeetsTeam:
			team = l.T("summary.team.far")
		}
		fmt.Fprintf(w, "    %s %10s %7.1f%% %10s %9s %9d %s\n", textwidth.PadRight(textwidth.Trim(u.Name, 28), 28), people(u.Residents), 100*u.Share, people(u.Outside), durL(l, u.P90), u.Members, team)
	}
	if len(r.Gaps) > 0 {
		fmt.Fprintln(w, "\n  "+l.T("summary.gaps"))
		for k, gp := range r.Gaps {
			if k == 5 {
				break
			}
			unit := "-"
			if gp.Unit >= 0 {
				unit = in.Coverage.Units[gp.Unit].Name
			}
			fmt.Fprintln(w, "    "+l.T("summary.gap", "rank", k+1, "residents", people(gp.Residents), "cells", len(gp.Cells),
				"lon", fmt.Sprintf("%.5f", gp.Centroid[0]), "lat", fmt.Sprintf("%.5f", gp.Centroid[1]), "unit", unit, "worst", durL(l, gp.WorstTime)))
		}
	}
}

// PrintShelterSummary writes the shelter part of the readable summary.
func PrintShelterSummary(w io.Writer, l i18n.Lang, in *Inputs, r *shelter.Result) {
	s := r.Summary
	std := in.Study.Standard
	fmt.Fprintln(w, "\n  "+l.T("summary.shelters", "n", s.Shelters, "unknown", s.UnknownCapacity, "places", people(s.Places), "per100", fmt.Sprintf("%.2f", 100*s.PlacesPerResident),
		"fixed", fmt.Sprintf("%g", 100*std.Shelters.FixedShare), "required", people(s.Required), "deficit", people(s.Deficit)))
	share := 0.0
	if s.Residents > 0 {
		share = s.WithinReach / s.Residents
	}
	fmt.Fprintln(w, "  "+l.T("summary.shelter_reach", "n", people(s.WithinReach), "share", fmt.Sprintf("%.1f", 100*share)))
	fmt.Fprintln(w, "  "+l.T("summary.shelter_demand", "demand", people(s.Demand), "placed", people(s.Placed), "walk", durL(l, s.MeanWalkSeconds), "unplaced", people(s.Unplaced)))
	fmt.Fprintln(w, "  "+l.T("summary.shelter_overflow", "n", s.NearestOverflowing, "over", people(s.NearestOverflow)))
	if len(r.Depots) > 0 {
		fmt.Fprintln(w, "  "+l.T("summary.depots", "n", len(r.Depots), "minutes", fmt.Sprintf("%g", std.Depots.ReachMinutes), "unreached", s.DepotsUnreached))
	}
}

func people(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// durL is dur with "unreached" in language l.
func durL(l i18n.Lang, sec float64) string {
	if math.IsInf(sec, 1) {
		return l.T("summary.unreached")
	}
	return dur(sec)
}

func dur(sec float64) string {
	if math.IsNaN(sec) {
		return "-"
	}
	if math.IsInf(sec, 1) {
		return "unreached"
	}
	// Rounded up to the second: 300.84 s prints 5:01, never as inside a
	// 5-minute circle it is outside of.
	s := int(math.Ceil(sec))
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// popSource says where the population came from in language l: a table
// estimated from OSM buildings in l's words with its figures, any other
// in its own words (a file's or the study's description).
func popSource(l i18n.Lang, t *population.Table) string {
	if e := popEstimate(t); e != nil {
		return e.Text(l)
	}
	return t.Source
}

// popEstimate is t's estimate from OSM buildings as summary.json keeps it
// (nil when t was not estimated).
func popEstimate(t *population.Table) *summary.PopulationEstimate {
	e := t.Estimate
	if e == nil {
		return nil
	}
	return &summary.PopulationEstimate{Buildings: e.Buildings, File: e.File, DefaultLevels: e.DefaultLevels, MaxLevels: e.MaxLevels,
		FloorM2: e.M2, Scale: e.Scale, ScaleTo: e.ScaleTo}
}

// noteMessages are in's note messages aligned with its notes for
// summary.json (nil when no note has one).
func noteMessages(in *Inputs) []*summary.Message {
	if len(in.NoteMessages) == 0 {
		return nil
	}
	out := make([]*summary.Message, len(in.Notes))
	copy(out, in.NoteMessages)
	return out
}
