package study

import (
	"context"
	"io"

	"fmt"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
	"math"
	"strconv"
	"strings"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/data/facility"
)

// BusyTeams is the study file's busy_teams: expected coverage when teams
// are out on other calls (MEXCLP, Daskin 1983; see coverage.BusyInput).
// Its presence asks for it ("busy_teams: {}" derives every base's busy
// fraction from the standard's busy.calls_per_resident_year and
// busy.job_minutes). A base's own fraction comes, first, from a
// busy_fraction column of its file; then from Fraction; else it is
// derived.
type BusyTeams struct {
	// Fraction is every base's busy fraction in [0, 1], for bases
	// without a busy_fraction column (nil: derive from the call rate).
	Fraction *float64 `yaml:"fraction"`
}

func checkBusyTeams(b *BusyTeams) error {
	if b == nil || b.Fraction == nil {
		return nil
	}
	if f := *b.Fraction; !(f >= 0 && f <= 1) {
		return fmt.Errorf("fraction %v: want a share of the time in [0, 1]", f)
	}
	return nil
}

// busyColumn reads a base's busy_fraction column: NaN when absent or
// empty, an error naming the file and line when it is not a share.
func busyColumn(file string, p facility.Point) (float64, error) {
	s := strings.TrimSpace(p.Attrs["busy_fraction"])
	if s == "" {
		return math.NaN(), nil
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil || !(q >= 0 && q <= 1) {
		return 0, &facility.ParseError{File: file, Line: p.Line, Err: fmt.Errorf("%w: busy_fraction %q is not a share of the time in [0, 1]", facility.ErrBadValue, s)}
	}
	return q, nil
}

// busyInput is the coverage input's busy fractions for its n bases: nil
// unless the study asks for busy teams.
func (in *Inputs) busyInput(n int) *coverage.BusyInput {
	bt := in.Study.BusyTeams
	if bt == nil {
		return nil
	}
	q := make([]float64, n)
	for b := range q {
		q[b] = math.NaN()
		if b < len(in.BaseBusy) {
			q[b] = in.BaseBusy[b]
		}
		if math.IsNaN(q[b]) && bt.Fraction != nil {
			q[b] = *bt.Fraction
		}
	}
	return &coverage.BusyInput{Fraction: q}
}

// Busy columns, added to the cells, units and bases tables when the study
// asks for busy teams (and only then: outputs without busy_teams keep
// their columns).
var (
	cellsBusyFields = []arrow.Field{
		arrowio.Field("expected", arrow.PrimitiveTypes.Float64, "", "probability that the first free team, in order of travel time, arrives within the rescue circle (teams busy independently, MEXCLP)"),
	}
	unitsBusyFields = []arrow.Field{
		arrowio.Field("expected_within", arrow.PrimitiveTypes.Float64, "people", "expected residents reached within the rescue circle with busy teams"),
		arrowio.Field("expected_share", arrow.PrimitiveTypes.Float64, "", "expected_within / residents (1 with no residents)"),
	}
	basesBusyFields = []arrow.Field{
		arrowio.Field("busy_fraction", arrow.PrimitiveTypes.Float64, "", "share of the time the team is out on calls"),
		arrowio.Field("busy_derived", arrow.FixedWidthTypes.Boolean, "", "busy_fraction derived from the call rate, job time and nearest residents (else given)"),
	}
)

// addBusyColumns adds the busy columns to the cells, units and bases
// records of tables (replacing them) when r has expected coverage.
func addBusyColumns(mem memory.Allocator, tables map[string]arrow.Record, r *coverage.Result) {
	if r.Busy == nil {
		return
	}
	fb := array.NewFloat64Builder(mem)
	defer fb.Release()
	bb := array.NewBooleanBuilder(mem)
	defer bb.Release()

	if tables["cells"] != nil { // not when Write streams the cells (cellBatches)
		fb.AppendValues(r.Cells.Expected, nil)
		withColumns(tables, "cells", cellsBusyFields, fb.NewArray())
	}

	for _, u := range r.Units {
		fb.Append(u.Expected)
	}
	within := fb.NewArray()
	for _, u := range r.Units {
		fb.Append(coverage.ExpectedShare(u.Expected, u.Residents))
	}
	withColumns(tables, "units", unitsBusyFields, within, fb.NewArray())

	fb.AppendValues(r.Busy.Fraction, nil)
	bb.AppendValues(r.Busy.Derived, nil)
	withColumns(tables, "bases", basesBusyFields, fb.NewArray(), bb.NewArray())
}

// withColumns replaces tables[name] by the same record with cols added
// before its geometry column (at the end without one). It takes over
// cols.
func withColumns(tables map[string]arrow.Record, name string, fields []arrow.Field, cols ...arrow.Array) {
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	rec := tables[name]
	at := int(rec.NumCols())
	if idx := rec.Schema().FieldIndices("geometry"); len(idx) > 0 {
		at = idx[0]
	}
	var fs []arrow.Field
	var cs []arrow.Array
	fs = append(fs, rec.Schema().Fields()[:at]...)
	cs = append(cs, rec.Columns()[:at]...)
	fs = append(fs, fields...)
	cs = append(cs, cols...)
	fs = append(fs, rec.Schema().Fields()[at:]...)
	cs = append(cs, rec.Columns()[at:]...)
	meta := rec.Schema().Metadata()
	out := array.NewRecord(arrow.NewSchema(fs, &meta), cs, rec.NumRows())
	rec.Release()
	tables[name] = out
}

func busySummary(r *coverage.Result) *BusySummary {
	if r.Busy == nil {
		return nil
	}
	s := r.Summary
	out := &BusySummary{Expected: s.Expected, ExpectedShare: coverage.ExpectedShare(s.Expected, s.Residents), Within: s.Within,
		Saturated: r.Busy.Saturated,
		Model:     "MEXCLP (Daskin 1983) with a busy fraction per base: teams busy independently; a call goes to the first free team in order of travel time"}
	for b, q := range r.Busy.Fraction {
		if r.Busy.Derived[b] {
			out.Derived++
		} else {
			out.Given++
		}
		out.MeanFraction += q / float64(len(r.Busy.Fraction))
		out.MaxFraction = max(out.MaxFraction, q)
	}
	return out
}

// printBusy writes the busy-teams line of the readable summary.
func printBusy(w io.Writer, r *coverage.Result, minutes float64) {
	b := busySummary(r)
	if b == nil {
		return
	}
	fmt.Fprintf(w, "  busy teams (mean busy fraction %.3f, at most %.3f): expected residents reached within %g min %s (%.1f %%), against %s with every team free\n",
		b.MeanFraction, b.MaxFraction, minutes, people(b.Expected), 100*b.ExpectedShare, people(b.Within))
	if len(b.Saturated) > 0 {
		fmt.Fprintf(w, "  bases with more calls than one team can take (never free): %s\n", list(b.Saturated, 5))
	}
}

// SiteBusy returns the busy fractions of a siting matrix's sites for the
// expected objective: the study's bases first (their busy fractions as a
// coverage study with busy teams computes them: given, or derived from the
// call rate; derived for every base when the study has no busy_teams), then
// the candidates at newFraction, or, when newFraction is NaN, at the mean
// of the bases' (a new team takes over part of its neighbours' calls: the
// mean is a neutral guess, not a forecast). sites is the matrix's number of
// sites; the bases must be its first sites, in order.
func SiteBusy(ctx context.Context, in *Inputs, sites int, newFraction float64) ([]float64, error) {
	ci := in.Coverage
	if ci.Busy == nil {
		q := make([]float64, len(ci.Bases))
		for b := range q {
			q[b] = math.NaN()
		}
		ci.Busy = &coverage.BusyInput{Fraction: q}
	}
	r, err := coverage.Compute(ctx, ci)
	if err != nil {
		return nil, fmt.Errorf("busy fractions of the bases: %w", err)
	}
	if sites < len(ci.Bases) {
		return nil, fmt.Errorf("busy fractions: %d sites, fewer than the %d bases", sites, len(ci.Bases))
	}
	out := make([]float64, sites)
	copy(out, r.Busy.Fraction)
	if math.IsNaN(newFraction) {
		newFraction = 0
		for _, q := range r.Busy.Fraction {
			newFraction += q / float64(len(r.Busy.Fraction))
		}
	}
	if !(newFraction >= 0 && newFraction <= 1) {
		return nil, fmt.Errorf("busy fraction of new sites %v: want a share in [0, 1]", newFraction)
	}
	for j := len(ci.Bases); j < sites; j++ {
		out[j] = newFraction
	}
	return out, nil
}

// planBusy is the busy input of a plan's coverage study: the bases' as
// the study has them, then each new site's as the plan was sited with
// (derived when it was not: nil plan.Busy). nil without busy teams.
func planBusy(b *coverage.BusyInput, plan *SitePlan) *coverage.BusyInput {
	if b == nil {
		return nil
	}
	q := append([]float64(nil), b.Fraction...)
	for _, j := range plan.Sites {
		v := math.NaN()
		if plan.Busy != nil {
			v = plan.Busy[j]
		}
		q = append(q, v)
	}
	return &coverage.BusyInput{Fraction: q}
}
