package coverage

// BackupBands is the number of bands of backup coverage: residents reached
// within the rescue circle by 0, 1, 2, and 3 or more bases.
const BackupBands = 4

// Backup is backup coverage (Hogan & ReVelle 1986): the residents by the
// number of bases that reach them within the rescue circle. ByBases[k] is
// people reached by exactly k bases, the last band k or more; the bands
// add up to the residents. A resident with two or more is still covered
// when the nearest team is out.
type Backup struct {
	ByBases [BackupBands]float64 // people, by bases within the circle: 0, 1, 2, 3+
}

// Backed is the residents reached in time by at least two bases.
func (b Backup) Backed() float64 {
	var s float64
	for k := 2; k < BackupBands; k++ {
		s += b.ByBases[k]
	}
	return s
}

// Residents is the sum of the bands.
func (b Backup) Residents() float64 {
	var s float64
	for _, v := range b.ByBases {
		s += v
	}
	return s
}

// Share is Backed over the residents (1 with no residents, as a unit's
// share is).
func (b Backup) Share() float64 {
	if r := b.Residents(); r > 0 {
		return b.Backed() / r
	}
	return 1
}

// BandLabel names band k: "0", "1", "2", "3+".
func BandLabel(k int) string {
	if k == BackupBands-1 {
		return "3+"
	}
	return string(rune('0' + k))
}

func (b *Backup) add(count int32, pop float64) {
	k := min(int(count), BackupBands-1)
	b.ByBases[k] += pop
}

// backup fills the units' and the summary's backup coverage from the
// cells' count of bases within the circle.
func backup(in Input, res *Result) {
	for i, p := range in.Pop {
		n := res.Cells.CoveredBy[i]
		res.Summary.Backup.add(n, p)
		if u := in.CellUnit[i]; u >= 0 {
			res.Units[u].Backup.add(n, p)
		}
	}
}
