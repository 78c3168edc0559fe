package coverage

// Rollup aggregates a computed study onto coarser units (the counties of
// its townships, the city of its counties): the same answers per unit as
// Result.Units, with coarse, cellUnit (the coarse unit of each cell, -1
// none; parallel to in.Cells) and baseUnit (parallel to in.Bases) in place
// of the input's. Nothing is searched again: the cells' times are those of
// res.
//
// A coarse unit's team is judged by its own level's minimum (the Unit's
// Level). OwnTeamCovered keeps the cells' own-unit test of the finest
// level: residents a base of their own township reaches in time.
func Rollup(in Input, res *Result, coarse []Unit, cellUnit, baseUnit []int32) []UnitResult {
	in.Units, in.CellUnit, in.BaseUnit = coarse, cellUnit, baseUnit
	out := units(in, res)
	for i, p := range in.Pop {
		if u := cellUnit[i]; u >= 0 {
			out[u].Backup.add(res.Cells.CoveredBy[i], p)
			if res.Cells.Expected != nil {
				out[u].Expected += p * res.Cells.Expected[i]
			}
		}
	}
	return out
}
