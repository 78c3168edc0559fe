package study

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/data/tiles"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/textwidth"
)

// TimesSpec is the study file's times and speed_profile:
//
//	times: ["03:00", "08:00", "17:30"]
//	speed_profile: rush-hour.yaml   # default: free flow at every hour
//
// Each time is studied on the road graph re-weighted by the profile's
// speed factors for the period holding it, beside the study's own
// (free-flow) answer.
type TimesSpec struct {
	Times   []TimeOfDay
	Profile *SpeedProfile
}

// TimeOfDay is a time of day in minutes after midnight, with its label as
// the study file wrote it ("08:00").
type TimeOfDay struct {
	Label   string
	Minutes int
}

// SpeedProfile is a time-of-day speed profile, one YAML file:
//
//	name: example-rush-hour
//	illustrative: true            # or source: where the factors come from
//	periods:
//	  - name: morning_peak
//	    from: "07:00"             # inclusive
//	    to: "09:30"               # exclusive; a period may wrap midnight
//	    factors: {primary: 0.55, secondary: 0.6, default: 0.8}
//	ways: way_factors.csv         # optional: way_id,period,factor per OSM way
//
// A factor is a share of the free-flow speed (0.5: half the speed, twice
// the time) for roads of a highway class ("primary"; "primary_link" falls
// back to "primary"), "default" for the other classes. A way's own factor
// (ways CSV) wins over its class's. Hours in no period, and the default
// profile, are free flow: factor 1.
type SpeedProfile struct {
	Name         string        `yaml:"name" json:"name"`
	Description  string        `yaml:"description" json:"description,omitempty"`
	Source       string        `yaml:"source" json:"source,omitempty"`
	Illustrative bool          `yaml:"illustrative" json:"illustrative"`
	Periods      []SpeedPeriod `yaml:"periods" json:"periods"`
	Ways         string        `yaml:"ways" json:"ways,omitempty"`
	wayFactors   map[wayPeriod]float64
}

// SpeedPeriod is a named period of the day and its speed factors.
type SpeedPeriod struct {
	Name    string             `yaml:"name" json:"name"`
	From    string             `yaml:"from" json:"from"`
	To      string             `yaml:"to" json:"to"`
	Factors map[string]float64 `yaml:"factors" json:"factors"`
	from    int
	to      int
}

type wayPeriod struct {
	way    int64
	period string
}

// FreeFlow is the default profile: every road at its free-flow speed at
// every hour (factor 1), as the drive profile's speeds are.
var FreeFlow = &SpeedProfile{Name: "free-flow", Description: "every road at its free-flow speed at every hour (factor 1): no time-of-day data"}

// parseClock reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) || len(m) != 2 {
		return 0, fmt.Errorf("%q: want a time of day HH:MM", s)
	}
	return hh*60 + mm, nil
}

func parseTimes(times []string, profile string, file func(key, name string) (string, error), fail func(key, format string, a ...any) error) (*TimesSpec, error) {
	if len(times) == 0 {
		if profile != "" {
			return nil, fail("speed_profile", "needs times: the times of day to study")
		}
		return nil, nil
	}
	spec := &TimesSpec{Profile: FreeFlow}
	seen := map[int]bool{}
	for i, t := range times {
		m, err := parseClock(t)
		if err != nil || m == 24*60 {
			return nil, fail(fmt.Sprintf("times[%d]", i), "%q: want a time of day from 00:00 to 23:59", t)
		}
		if seen[m] {
			return nil, fail(fmt.Sprintf("times[%d]", i), "%q appears twice", t)
		}
		seen[m] = true
		spec.Times = append(spec.Times, TimeOfDay{Label: strings.TrimSpace(t), Minutes: m})
	}
	if profile != "" {
		path, err := file("speed_profile", profile)
		if err != nil {
			return nil, err
		}
		if spec.Profile, err = ReadSpeedProfile(path); err != nil {
			return nil, fail("speed_profile", "%v", err)
		}
	}
	return spec, nil
}

// ReadSpeedProfile reads and checks a speed profile file (and its ways
// CSV, relative to it).
func ReadSpeedProfile(path string) (*SpeedProfile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p SpeedProfile
	if err := decodeStrict(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if p.Name == "" {
		p.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if !p.Illustrative && strings.TrimSpace(p.Source) == "" {
		return nil, fmt.Errorf("%s: give the source of the factors, or illustrative: true", path)
	}
	names := map[string]bool{}
	for i := range p.Periods {
		pr := &p.Periods[i]
		key := fmt.Sprintf("%s: periods[%d]", path, i)
		if pr.Name == "" || names[pr.Name] {
			return nil, fmt.Errorf("%s.name %q: want a name, unique among the periods", key, pr.Name)
		}
		names[pr.Name] = true
		if pr.from, err = parseClock(pr.From); err != nil {
			return nil, fmt.Errorf("%s.from: %v", key, err)
		}
		if pr.to, err = parseClock(pr.To); err != nil {
			return nil, fmt.Errorf("%s.to: %v", key, err)
		}
		if pr.from == pr.to%(24*60) && pr.from == pr.to {
			return nil, fmt.Errorf("%s: from and to are both %s: an empty period", key, pr.From)
		}
		for class, f := range pr.Factors {
			if !(f > 0) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%s.factors.%s = %v: want a share of the free-flow speed > 0", key, class, f)
			}
		}
	}
	for i := range p.Periods {
		for j := i + 1; j < len(p.Periods); j++ {
			for m := 0; m < 24*60; m++ {
				if p.Periods[i].holds(m) && p.Periods[j].holds(m) {
					return nil, fmt.Errorf("%s: periods %s and %s overlap at %02d:%02d", path, p.Periods[i].Name, p.Periods[j].Name, m/60, m%60)
				}
			}
		}
	}
	if p.Ways != "" {
		wp := p.Ways
		if !filepath.IsAbs(wp) {
			wp = filepath.Join(filepath.Dir(path), wp)
		}
		if p.wayFactors, err = readWayFactors(wp, names); err != nil {
			return nil, err
		}
		p.Ways = wp
	}
	return &p, nil
}

func (pr *SpeedPeriod) holds(m int) bool {
	if pr.from < pr.to {
		return m >= pr.from && m < pr.to
	}
	return m >= pr.from || m < pr.to // wraps midnight
}

// readWayFactors reads way_id,period,factor rows.
func readWayFactors(path string, periods map[string]bool) (map[wayPeriod]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("speed profile ways: %w", err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, c := range []string{"way_id", "period", "factor"} {
		if _, ok := col[c]; !ok {
			return nil, fmt.Errorf("%s: no column %s (want way_id,period,factor)", path, c)
		}
	}
	out := map[wayPeriod]float64{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		id, err := strconv.ParseInt(strings.TrimSpace(rec[col["way_id"]]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: way_id %q is not an OSM way id", path, line, rec[col["way_id"]])
		}
		per := strings.TrimSpace(rec[col["period"]])
		if !periods[per] {
			return nil, fmt.Errorf("%s:%d: period %q is not a period of the profile", path, line, per)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(rec[col["factor"]]), 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%s:%d: factor %q: want a share of the free-flow speed > 0", path, line, rec[col["factor"]])
		}
		out[wayPeriod{id, per}] = f
	}
}

// Period returns the period holding minute m of the day, nil when none
// (free flow).
func (p *SpeedProfile) Period(m int) *SpeedPeriod {
	for i := range p.Periods {
		if p.Periods[i].holds(m) {
			return &p.Periods[i]
		}
	}
	return nil
}

// needsClasses reports whether a period gives a factor by class (beyond
// "default"), which needs the ways' highway tags.
func (p *SpeedProfile) needsClasses() bool {
	for _, pr := range p.Periods {
		for c := range pr.Factors {
			if c != "default" {
				return true
			}
		}
	}
	return false
}

// SpeedFactor is the share of free-flow speed on way of highway class
// in period pr (nil: free flow, 1).
func (p *SpeedProfile) SpeedFactor(pr *SpeedPeriod, way int64, class string) float64 {
	if pr == nil {
		return 1
	}
	if f, ok := p.wayFactors[wayPeriod{way, pr.Name}]; ok {
		return f
	}
	if f, ok := pr.Factors[class]; ok {
		return f
	}
	if f, ok := pr.Factors[strings.TrimSuffix(class, "_link")]; ok {
		return f
	}
	if f, ok := pr.Factors["default"]; ok {
		return f
	}
	return 1
}

// TimeResult is the study at one time of day.
type TimeResult struct {
	Time     TimeOfDay
	Period   string // the profile's period holding it ("" : free flow)
	Graph    *graph.Graph
	Coverage *coverage.Result
	Reweight float64 // seconds spent re-weighting the graph
}

// WayClasses returns the highway class of every way of the study's
// graph, read from its PBF (nil when the profile needs none).
func WayClasses(ctx context.Context, in *Inputs, p *SpeedProfile) (map[int64]string, error) {
	if !p.needsClasses() {
		return nil, nil
	}
	if in.Study.Network.PBF == "" {
		return nil, errors.New("speed_profile: factors by road class need network.pbf to read the roads' highway tags (a built graph has none); give per-way factors only, or the PBF")
	}
	g := in.Graph
	ids := make([]int64, 0, g.NumWays())
	seen := map[int64]bool{}
	for e := 0; e < g.NumEdges(); e++ {
		if w := g.WayID(graph.EdgeID(e)); !seen[w] {
			seen[w] = true
			ids = append(ids, w)
		}
	}
	return osm.WayHighways(in.osmContext(ctx), in.Study.Network.PBF, ids, osm.Options{})
}

// TimeGraph is g re-weighted for period pr of p: each edge's time divided
// by its speed factor.
func TimeGraph(g *graph.Graph, p *SpeedProfile, pr *SpeedPeriod, classes map[int64]string) (*graph.Graph, error) {
	return g.Reweighted(func(e graph.EdgeID) float64 {
		w := g.WayID(e)
		return 1 / p.SpeedFactor(pr, w, classes[w])
	})
}

// computeTimes runs the coverage study at each time of the study.
func computeTimes(ctx context.Context, in *Inputs) ([]TimeResult, error) {
	spec := in.Study.Times
	classes, err := WayClasses(ctx, in, spec.Profile)
	if err != nil {
		return nil, err
	}
	graphs := map[string]*graph.Graph{} // by period: times in one period share a graph
	var out []TimeResult
	for _, t := range spec.Times {
		pr := spec.Profile.Period(t.Minutes)
		tr := TimeResult{Time: t}
		key := ""
		if pr != nil {
			tr.Period, key = pr.Name, pr.Name
		}
		g, ok := graphs[key]
		if !ok {
			t0 := timeNow()
			if g, err = TimeGraph(in.Graph, spec.Profile, pr, classes); err != nil {
				return nil, fmt.Errorf("time %s: %w", t.Label, err)
			}
			tr.Reweight = timeNow().Sub(t0).Seconds()
			graphs[key] = g
		}
		tr.Graph = g
		ci := in.Coverage
		ci.Graph = g
		if tr.Coverage, err = coverage.Compute(ctx, ci); err != nil {
			return nil, fmt.Errorf("time %s: %w", t.Label, err)
		}
		out = append(out, tr)
	}
	return out, nil
}

// TimeTables returns, for each of the cells, units, bases and gaps
// tables, the table at every time of the study one after the other, with
// a leading time column ("08:00"): name_times. The caller releases them.
func TimeTables(mem memory.Allocator, in *Inputs, times []TimeResult) (map[string]arrow.Record, error) {
	if len(times) == 0 {
		return nil, nil
	}
	per := make([]map[string]arrow.Record, len(times))
	defer func() {
		for _, m := range per {
			for _, r := range m {
				r.Release()
			}
		}
	}()
	for k, tr := range times {
		tin := *in
		tin.Coverage.Graph = tr.Graph
		t, err := Tables(mem, &tin, tr.Coverage)
		if err != nil {
			return nil, err
		}
		per[k] = t
	}
	out := map[string]arrow.Record{}
	for _, name := range []string{"cells", "units", "bases", "gaps"} {
		schema := per[0][name].Schema()
		fields := append([]arrow.Field{{Name: "time", Type: arrow.BinaryTypes.String,
			Metadata: arrow.NewMetadata([]string{"description"}, []string{"time of day HH:MM the row is for (speed profile period)"})}}, schema.Fields()...)
		meta := schema.Metadata()
		sb := array.NewStringBuilder(mem)
		var rows int64
		for k, tr := range times {
			n := per[k][name].NumRows()
			for i := int64(0); i < n; i++ {
				sb.Append(tr.Time.Label)
			}
			rows += n
		}
		cols := []arrow.Array{sb.NewArray()}
		sb.Release()
		for c := 0; c < int(schema.NumFields()); c++ {
			parts := make([]arrow.Array, len(times))
			for k := range times {
				parts[k] = per[k][name].Column(c)
			}
			a, err := array.Concatenate(parts, mem)
			if err != nil {
				for _, x := range cols {
					x.Release()
				}
				return nil, fmt.Errorf("%s_times: %w", name, err)
			}
			cols = append(cols, a)
		}
		out[name+"_times"] = array.NewRecord(arrow.NewSchema(fields, &meta), cols, rows)
		for _, x := range cols {
			x.Release()
		}
	}
	return out, nil
}

func timesSummary(in *Inputs, times []TimeResult) *TimesSummary {
	if len(times) == 0 {
		return nil
	}
	out := &TimesSummary{Profile: in.Study.Times.Profile.summary()}
	for _, tr := range times {
		s := tr.Coverage.Summary
		ts := TimeSummary{Time: tr.Time.Label, Period: tr.Period, Within: s.Within, Share: s.Share, Outside: s.Outside,
			P50Seconds: ptr(s.P50), P90Seconds: ptr(s.P90), BackupShare: s.Backup.Share()}
		if tr.Coverage.Busy != nil {
			e := s.Expected
			ts.Expected = &e
		}
		for _, u := range tr.Coverage.Units {
			if u.Residents > 0 && u.MeetsRescue {
				ts.Units++
			}
		}
		out.Times = append(out.Times, ts)
	}
	sort.SliceStable(out.Times, func(a, b int) bool { return out.Times[a].Time < out.Times[b].Time })
	return out
}

// PrintTimes writes the times of day to the readable summary.
func PrintTimes(w io.Writer, l i18n.Lang, in *Inputs, r *coverage.Result, times []TimeResult) {
	s := timesSummary(in, times)
	if s == nil {
		return
	}
	p := in.Study.Times.Profile
	kind := l.T("summary.times_source", "source", p.Source)
	if p.Illustrative {
		kind = l.T("summary.times_illustrative")
	}
	if p == FreeFlow {
		kind = l.T("summary.times_free_flow_always")
	}
	fmt.Fprintln(w, "\n  "+l.T("summary.times_of_day", "profile", p.Name, "kind", kind, "within", people(r.Summary.Within), "share", fmt.Sprintf("%.1f", 100*r.Summary.Share)))
	for _, t := range s.Times {
		per := t.Period
		if per == "" {
			per = l.T("summary.times_free_flow")
		}
		fmt.Fprintf(w, "    %s %s %s\n", textwidth.PadRight(t.Time, 6), textwidth.PadRight(per, 16), l.T("summary.times_row", "within", people(t.Within),
			"share", fmt.Sprintf("%.1f", 100*t.Share), "outside", people(t.Outside), "p90", dur(nanOr(t.P90Seconds))))
	}
}

func nanOr(p *float64) float64 {
	if p == nil {
		return math.Inf(1)
	}
	return *p
}

var timeNow = time.Now

func (p *SpeedProfile) summary() summary.SpeedProfileSummary {
	out := summary.SpeedProfileSummary{Name: p.Name, Description: p.Description, Source: p.Source, Illustrative: p.Illustrative, Ways: p.Ways,
		Periods: []summary.SpeedPeriodSummary{}}
	for _, pr := range p.Periods {
		out.Periods = append(out.Periods, summary.SpeedPeriodSummary{Name: pr.Name, From: pr.From, To: pr.To, Factors: pr.Factors})
	}
	return out
}

// ComputeTimes runs the coverage study at each time of day of the study
// (nil without times), as Compute does; the tile commands use it.
func ComputeTimes(ctx context.Context, in *Inputs) ([]TimeResult, error) {
	if in.Study == nil || in.Study.Times == nil {
		return nil, nil
	}
	return computeTimes(ctx, in)
}

// TileTimes is the cells layer's view of the times of day.
func TileTimes(times []TimeResult) []tiles.TimeCells {
	var out []tiles.TimeCells
	for _, t := range times {
		out = append(out, tiles.TimeCells{Label: t.Time.Label, Time: t.Coverage.Cells.Time, Within: t.Coverage.Cells.Within})
	}
	return out
}
