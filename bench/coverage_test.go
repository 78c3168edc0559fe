package bench_test

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/uber/h3-go/v4"
)

// poaInput is Porto Alegre's population grid with the peers' 12 sources as
// bases (on their graph vertices), all cells in one unit.
func poaInput(tb testing.TB) coverage.Input {
	tb.Helper()
	r := regions[0]
	g := load(tb, r)
	std, err := study.Preset(study.DefaultPreset, "")
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(shared.Path(tb, "data", "porto-alegre", "poa_hexgrid.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	in := coverage.Input{Graph: g, Standard: std, Res: 9, Units: []coverage.Unit{{ID: "poa", Name: "Porto Alegre"}}}
	for _, row := range rows[1:] {
		c, err := geo.ParseCell(row[0])
		if err != nil {
			tb.Fatal(err)
		}
		p, _ := strconv.ParseFloat(row[3], 64)
		in.Cells = append(in.Cells, c)
		in.Pop = append(in.Pop, p)
		in.CellUnit = append(in.CellUnit, 0)
	}
	for _, s := range sources(tb, r, g) {
		in.Bases = append(in.Bases, coverage.Base{ID: strconv.Itoa(int(s.Source)), Level: "township", TeamSize: 20, Loc: g.Point(s.Node)})
		in.BaseUnit = append(in.BaseUnit, 0)
	}
	return in
}

func refTimes(tb testing.TB, region string, g *graph.Graph) []float64 {
	tb.Helper()
	t := make([]float64, g.NumNodes())
	for i := range t {
		t[i] = math.Inf(1)
	}
	for id, s := range shared.ReferenceTimes(tb, region) {
		v, ok := g.Node(id)
		if !ok {
			tb.Fatalf("reference node %d not in graph", id)
		}
		t[v] = s
	}
	return t
}

// TestCoverageMatchesReferencePortoAlegre recomputes every cell's time from
// the peers' node times (the same snapped edge, the same partial edge and
// off-road walk) and compares with the engine's.
func TestCoverageMatchesReferencePortoAlegre(t *testing.T) {
	in := poaInput(t)
	res, err := coverage.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	g := in.Graph
	ref := refTimes(t, "porto-alegre", g)
	walk := in.Standard.WalkMPS()
	var within, total float64
	checked := 0
	for i, c := range in.Cells {
		if res.Cells.NoRoad[i] {
			continue
		}
		sn, err := g.Snap(res.Cells.Center[i], graph.SnapOptions{MaxDistanceM: in.Standard.Access.SnapDistanceM})
		if err != nil {
			t.Fatal(err)
		}
		f := sn.Fraction
		want := ref[sn.Tail] + f*float64(g.Weight(sn.Edge))
		if sn.Twin != graph.NoEdge {
			want = math.Min(want, ref[g.Head(sn.Edge)]+(1-f)*float64(g.Weight(sn.Twin)))
		}
		want += sn.DistanceM / walk
		if got := res.Cells.Time[i]; math.Abs(got-want) > 1e-6 {
			t.Errorf("cell %s: %.6f s, from the reference node times %.6f s", c, got, want)
		}
		checked++
		total += in.Pop[i]
		if want <= 900 {
			within += in.Pop[i]
		}
	}
	t.Logf("Porto Alegre: %d cells checked; %.0f of %.0f residents within 15 min (%.2f %%); engine says %.2f %%",
		checked, within, total, 100*within/total, 100*res.Summary.Share)
	if checked < 1100 {
		t.Errorf("only %d cells have road access", checked)
	}
	// Every resident counted once: cells, unit and summary agree with the input.
	var sum float64
	for _, p := range in.Pop {
		sum += p
	}
	if sum != 812935 || res.Summary.Residents != sum || res.Units[0].Residents != sum {
		t.Errorf("residents: input %v, summary %v, unit %v; want 812935 each", sum, res.Summary.Residents, res.Units[0].Residents)
	}
	var nearest float64
	for _, b := range res.Bases {
		nearest += b.Nearest
	}
	var unreachable float64
	for i, tm := range res.Cells.Time {
		if math.IsInf(tm, 1) {
			unreachable += in.Pop[i]
		}
	}
	if math.Abs(nearest+unreachable-sum) > 1e-6 {
		t.Errorf("residents by nearest base %v + unreachable %v != %v", nearest, unreachable, sum)
	}
}

// TestCoverageMonotone: a base added inside the largest gap never lowers
// coverage, and a shorter rescue circle never raises it.
func TestCoverageMonotone(t *testing.T) {
	in := poaInput(t)
	in.Bases, in.BaseUnit = in.Bases[:4], in.BaseUnit[:4] // fewer bases: real gaps
	base, err := coverage.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(base.Gaps) == 0 {
		t.Fatal("no gap with 4 bases")
	}
	gap := base.Gaps[0]
	more := in
	more.Bases = append(append([]coverage.Base(nil), in.Bases...), coverage.Base{ID: "new", Level: "township", TeamSize: 20, Loc: orb.Point(gap.Centroid)})
	more.BaseUnit = append(append([]int32(nil), in.BaseUnit...), 0)
	added, err := coverage.Compute(context.Background(), more)
	if err != nil {
		t.Fatal(err)
	}
	if added.Summary.Within < base.Summary.Within {
		t.Errorf("adding a base in the largest gap lowered coverage: %.0f -> %.0f", base.Summary.Within, added.Summary.Within)
	}
	for i := range in.Cells {
		if added.Cells.Time[i] > base.Cells.Time[i]+1e-9 {
			t.Fatalf("cell %s: %.3f s with the new base, %.3f s without", in.Cells[i], added.Cells.Time[i], base.Cells.Time[i])
		}
	}
	t.Logf("largest gap: %.0f residents; a base at its centre raises coverage %.0f -> %.0f", gap.Residents, base.Summary.Within, added.Summary.Within)
	prev := math.Inf(1)
	for _, m := range []float64{20, 15, 10, 5} {
		std := *in.Standard
		std.Rescue.Minutes = m
		std.Rescue.SecondBaseHorizonMinutes = 30
		c := in
		c.Standard = &std
		r, err := coverage.Compute(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if r.Summary.Within > prev {
			t.Errorf("rescue circle %v min covers %.0f residents, more than the longer circle's %.0f", m, r.Summary.Within, prev)
		}
		prev = r.Summary.Within
	}
}

var _ = h3.Cell(0)

// TestRapid135 marks the northern half of Porto Alegre's cells as a "135"
// zone, makes half the bases village teams (first responders) and half
// professional, and checks each zone cell's verdict against the times of a
// separate run with only that class of base.
func TestRapid135(t *testing.T) {
	in := poaInput(t)
	in.Zone = make([]bool, len(in.Cells))
	for i, c := range in.Cells {
		p, _ := geo.CellCenter(c)
		in.Zone[i] = p[1] > -30.05
	}
	for i := range in.Bases {
		if i%2 == 0 {
			in.Bases[i].Level = "village"
		} else {
			in.Bases[i].Level = "professional"
		}
	}
	res, err := coverage.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	only := func(level string) []float64 {
		c := in
		c.Bases, c.BaseUnit = nil, nil
		for i, b := range in.Bases {
			if b.Level == level {
				c.Bases = append(c.Bases, b)
				c.BaseUnit = append(c.BaseUnit, in.BaseUnit[i])
			}
		}
		c.Zone = nil
		r, err := coverage.Compute(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return r.Cells.Time
	}
	first, prof := only("village"), only("professional")
	r := in.Standard.Rescue.Rapid
	met, zone := 0, 0
	for i := range in.Cells {
		want := int8(-1)
		if in.Zone[i] {
			zone++
			want = 0
			if first[i] <= r.FirstResponderMinutes*60 && prof[i] <= r.ProfessionalMinutes*60 {
				want = 1
				met++
			}
		}
		if got := res.Cells.Rapid[i]; got != want {
			t.Fatalf("cell %s: 135 verdict %d, want %d (first responders %.0f s, professionals %.0f s)", in.Cells[i], got, want, first[i], prof[i])
		}
	}
	if zone == 0 || met == 0 || met == zone {
		t.Errorf("%d zone cells, %d meet 135: the test should see both verdicts", zone, met)
	}
	var unitMet float64
	for _, u := range res.Units {
		unitMet += u.RapidMet
	}
	t.Logf("135 zone: %d cells, %d meet it (%.0f residents)", zone, met, unitMet)
}
