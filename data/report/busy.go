package report

import (
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
	bv.Total = newBackupRow("total", v.l.T("report.all_residents"), tot)
	bv.Note = v.l.T("report.backup.note", "share", pct(s.Share), "min", v.TargetMin)
	if b := r.Summary.BusyTeams; b != nil {
		bv.Expected = true
		bv.Total.Expected = pct(b.ExpectedShare)
		bv.BusyNote = v.l.T("report.backup.busy", "mean", pct(b.MeanFraction), "max", pct(b.MaxFraction), "derived", b.Derived, "given", b.Given,
			"min", v.TargetMin, "expected", pct(b.ExpectedShare), "free", pct(b.Within/r.Summary.Residents))
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
			{Key: "night", Label: v.l.T("report.day.night"), People: people(s.Residents), Within: people(s.Within), Share: pct(s.Share), Outside: people(s.Outside),
				P90: durOr(nan(s.P90Seconds), "–"), Backed: backed(s.Backup)},
			{Key: "day", Label: v.l.T("report.day.day"), People: people(d.Total), Within: people(d.Within), Share: pct(d.Share), Outside: people(d.Outside),
				P90: durOr(nan(d.P90Seconds), "–"), Backed: backed(d.Backup)},
		},
		Note: v.l.T("report.day.note", "stay", pct(d.StayShare), "how", v.l.T(map[bool]string{true: "report.day.derived", false: "report.day.given"}[d.StayDerived]), "workers", people(d.Workers), "src", d.Source),
	}
}

// timesView compares the times of day.
type timesView struct {
	Rows []timeRow
	Note string
}

type timeRow struct {
	Time, Period, Within, Share, Outside, P90, Backed, Units string
}

// times fills v.Times when the study has times of day.
func (v *view) times(r *Report) {
	s := &r.Summary
	ts := s.Times
	if ts == nil {
		return
	}
	tv := &timesView{}
	free := v.l.T("report.times.free")
	tv.Rows = append(tv.Rows, timeRow{Time: free, Period: "–", Within: people(s.Within), Share: pct(s.Share), Outside: people(s.Outside),
		P90: durOr(nan(s.P90Seconds), "–"), Units: v.l.T("report.of", "a", s.UnitsMeetingRescue, "b", s.UnitsWithResidents)})
	if s.Backup != nil {
		tv.Rows[0].Backed = pct(s.Backup.Share)
	}
	for _, t := range ts.Times {
		per := t.Period
		if per == "" {
			per = free
		}
		tv.Rows = append(tv.Rows, timeRow{Time: t.Time, Period: per, Within: people(t.Within), Share: pct(t.Share), Outside: people(t.Outside),
			P90: durOr(nan(t.P90Seconds), "–"), Backed: pct(t.BackupShare), Units: v.l.T("report.of", "a", t.Units, "b", s.UnitsWithResidents)})
	}
	p := ts.Profile
	switch {
	case p.Illustrative:
		tv.Note = v.l.T("report.times.illustrative", "name", p.Name)
	case p.Source != "":
		tv.Note = v.l.T("report.times.source", "name", p.Name, "source", p.Source)
	default:
		tv.Note = v.l.T("report.times.freeflow", "name", p.Name)
	}
	v.Times = tv
}
