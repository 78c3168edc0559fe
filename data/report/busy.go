package report

import (
	"fmt"

	"github.com/rescuegrid/rescuegrid/data/summary"
)

// has reports whether every record of the table has the named column:
// columns added by later versions are read only when present, so that an
// older output still makes a report.
func (t *table) has(name string) bool {
	if t.err != nil || len(t.recs) == 0 {
		return false
	}
	for _, rec := range t.recs {
		if len(rec.Schema().FieldIndices(name)) == 0 {
			return false
		}
	}
	return true
}

// backupColumns are the units table's residents by the number of bases
// within the rescue circle: 0, 1, 2, 3 or more.
var backupColumns = [4]string{"residents_0_bases", "residents_1_base", "residents_2_bases", "residents_3plus_bases"}

// readUnitBackup reads the backup columns into r.Units (read by
// readUnits first), when the table has them.
func (r *Report) readUnitBackup(t *table) {
	for _, c := range backupColumns {
		if !t.has(c) {
			return
		}
	}
	for k, c := range backupColumns {
		v := t.floats(c)
		if t.err != nil || len(v) != len(r.Units) {
			return
		}
		for i := range r.Units {
			if r.Units[i].Backup == nil {
				r.Units[i].Backup = &[4]float64{}
			}
			r.Units[i].Backup[k] = v[i]
		}
	}
	if t.has("expected_within") {
		v := t.floats("expected_within")
		if t.err == nil && len(v) == len(r.Units) {
			for i := range r.Units {
				r.Units[i].Expected = v[i]
			}
		}
	}
}

// backupView is the "when the nearest team is out" table: residents by
// the number of bases that reach them within the circle, per unit.
type backupView struct {
	Rows  []backupRow
	Total backupRow
	Note  string
	// Expected: the output has expected coverage with busy teams (the
	// rows' Expected), BusyNote says how it was computed.
	Expected bool
	BusyNote string
}

type backupRow struct {
	ID, Name, Residents, None, One, Two, Three, Backed string
	Expected                                           string
}

func newBackupRow(id, name string, b [4]float64) backupRow {
	res := b[0] + b[1] + b[2] + b[3]
	share := func(v float64) string {
		if res <= 0 {
			return "–"
		}
		return pct(v / res)
	}
	return backupRow{ID: id, Name: name, Residents: people(res), None: share(b[0]), One: share(b[1]), Two: share(b[2]),
		Three: share(b[3]), Backed: share(b[2] + b[3])}
}

// backup fills v.Backup when the output has backup coverage (outputs of
// versions before it have not).
func (v *view) backup(r *Report) {
	s := r.Summary.Backup
	if s == nil {
		return
	}
	bv := &backupView{}
	for _, i := range unitOrder(r.Units) {
		u := r.Units[i]
		if u.Residents <= 0 || u.Backup == nil {
			continue
		}
		row := newBackupRow(u.ID, u.Name, *u.Backup)
		row.Expected = pct(u.Expected / u.Residents)
		bv.Rows = append(bv.Rows, row)
	}
	var tot [4]float64
	for k, l := range [4]string{"0", "1", "2", "3+"} {
		tot[k] = s.ByBases[l]
	}
	bv.Total = newBackupRow("total", "All residents", tot)
	bv.Note = fmt.Sprintf("%s of the residents are reached within %s minutes by at least two bases: when the nearest team is out, another still arrives in time.",
		pct(s.Share), v.TargetMin)
	if b := r.Summary.BusyTeams; b != nil {
		bv.Expected = true
		bv.Total.Expected = pct(b.ExpectedShare)
		bv.BusyNote = fmt.Sprintf("With teams out on other calls (busy %s of the time on average, at most %s; %d bases' fractions derived from the call rate, %d given), "+
			"a call is expected to be reached within %s minutes %s of the time, against %s when every team is free: the chance that the first free team, in order of travel time, is within the circle (MEXCLP, Daskin 1983).",
			pct(b.MeanFraction), pct(b.MaxFraction), b.Derived, b.Given, v.TargetMin, pct(b.ExpectedShare), pct(b.Within/r.Summary.Residents))
	}
	v.Backup = bv
}

// dayView compares the residents (night) with the day population.
type dayView struct {
	Rows []dayRow
	Note string
}

type dayRow struct {
	Key, Label, People, Within, Share, Outside, P90, Backed string
}

// day fills v.Day when the output has a day population.
func (v *view) day(r *Report) {
	s := &r.Summary
	d := s.Day
	if d == nil {
		return
	}
	backed := func(b *summary.BackupSummary) string {
		if b == nil {
			return "–"
		}
		return pct(b.Share)
	}
	v.Day = &dayView{
		Rows: []dayRow{
			{Key: "night", Label: "By night (residents)", People: people(s.Residents), Within: people(s.Within), Share: pct(s.Share), Outside: people(s.Outside),
				P90: durOr(nan(s.P90Seconds), "–"), Backed: backed(s.Backup)},
			{Key: "day", Label: "By day (residents who stay + workers)", People: people(d.Total), Within: people(d.Within), Share: pct(d.Share), Outside: people(d.Outside),
				P90: durOr(nan(d.P90Seconds), "–"), Backed: backed(d.Backup)},
		},
		Note: fmt.Sprintf("By day %s of the residents stay home (%s) and %s workers are where they work (%s).",
			pct(d.StayShare), map[bool]string{true: "1 − workers / residents", false: "given"}[d.StayDerived], people(d.Workers), d.Source),
	}
}
