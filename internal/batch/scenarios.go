package batch

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/scenario"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/study"
	"github.com/uber/h3-go/v4"
)

// A study's scenarios and times of day split as its baseline does: the
// plan applies each scenario's road changes (each time's speed factors) to
// the whole graph, exactly as 'analyze' does,
// and cuts the changed graph with each shard's road mask (so its strongly
// connected components and node order are the whole changed graph's, and
// a shard's searches give the whole graph's times); each shard searches
// every scenario after its baseline; merge aggregates each scenario as
// 'analyze' does. Margins take the fastest edge over the baseline and every
// scenario (a slowdown factor below 1 speeds roads up).

// planScenario is one scenario, or one time of day, as merge needs it.
type planScenario struct {
	Name     string
	Time     *study.TimeOfDay // a time of day (nil: a scenario)
	Period   string           // the time's speed-profile period ("": free flow)
	Report   scenario.Report  // of the whole graph, as 'analyze' reports it
	Bases    []coverage.Base  // the scenario's bases
	BaseUnit []int32
	BaseOrig []int32 // per scenario base: its index among the study's bases (-1: moved or added)
	Roads    bool    // the scenario changes roads: shards have its own graph
	// Shelter is the scenario's shelter study (nil: the study has no
	// shelters, or a time of day).
	Shelter *shelterVariant
	// build makes the changed graph from the whole one (plan only).
	build func(*graph.Graph) (*graph.Graph, error)
}

// shardScenario is one scenario as a shard reads it:
// shards/NNNN/scenario-KK.bin, beside scenario-KK.rgraph when it changes roads.
type shardScenario struct {
	PlanID     string
	Roads      bool
	Bases      []coverage.Base
	BaseUnit   []int32
	BaseGlobal []int32 // index among the scenario's bases
	BaseOwned  []bool
	Busy       *coverage.BusyInput
	Cut        []orb.Point // of the scenario's graph
	// Shelters is the shard's part of the scenario's shelter study.
	Shelters *shardShelters
	// Near are the scenario's moved and added bases the shard does not
	// hold that may snap onto its roads (as shardInput.Near).
	Near []orb.Point
}

func scenarioPath(dir, shardDir string, k int, ext string) string {
	return filepath.Join(dir, shardDir, fmt.Sprintf("scenario-%02d.%s", k, ext))
}

// planScenarios reads the study's scenarios and checks that each splits:
// road changes, bases out of service, moved and added bases and team sizes
// do (a moved or added base is owned and held by its new place's parent).
// It returns them and the fastest edge speed of their changed graphs (m/s).
func planScenarios(ctx context.Context, st *study.Study, in *study.Inputs) ([]planScenario, float64, error) {
	var out []planScenario
	fastest := 0.0
	ci := in.Coverage
	for _, spec := range st.Scenarios {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		ch, err := study.ChangeOf(st, spec)
		if err != nil {
			return nil, 0, err
		}
		bases, baseUnit, err := study.ScenarioBases(in, ch)
		if err != nil {
			return nil, 0, fmt.Errorf("scenario %s: %w", ch.Name, err)
		}
		if ci.Busy != nil && len(ci.Busy.Fraction) != len(bases) {
			// What 'analyze' says: the busy fractions are the study's bases'.
			return nil, 0, fmt.Errorf("scenario %s: %w: %d bases but %d busy fractions", ch.Name, coverage.ErrInput, len(bases), len(ci.Busy.Fraction))
		}
		change := scenario.Scenario{Name: ch.Name, CloseWays: ch.CloseWays, CloseAreas: ch.CloseAreas, Slow: ch.Slow}
		ps := planScenario{Name: ch.Name, Bases: bases, BaseUnit: baseUnit,
			build: func(g *graph.Graph) (*graph.Graph, error) {
				sg, _, err := scenario.Apply(g, change)
				return sg, err
			}}
		// The scenario's bases are the study's in order, less those out,
		// then the added ones (-1); a base whose place differs from the
		// study's base of its id is placed anew (moved, or an id taken out
		// and added back elsewhere).
		j := 0
		for b, base := range ci.Bases {
			if j < len(bases) && bases[j].ID == base.ID {
				ps.BaseOrig = append(ps.BaseOrig, int32(b))
				j++
			}
		}
		for ; j < len(bases); j++ {
			ps.BaseOrig = append(ps.BaseOrig, -1)
		}
		for j, b := range ps.BaseOrig {
			if b < 0 || bases[j].Loc != ci.Bases[b].Loc {
				ps.BaseOrig[j] = -1
			}
		}
		if in.Shelter != nil {
			v, err := study.ScenarioShelterInput(in, ch)
			if err != nil {
				return nil, 0, fmt.Errorf("scenario %s: %w", ch.Name, err)
			}
			// The changed walk graph is made again when the shards are
			// written, one scenario at a time, rather than held.
			ps.Shelter = &shelterVariant{Closed: v.Input.Closed, CapacityFactor: v.Input.CapacityFactor, WalkChanged: v.WalkChanged,
				WalkClosedEdges: v.WalkClosedEdges, InClosedAreas: v.InClosedAreas,
				walk: func() (*graph.Graph, error) {
					v, err := study.ScenarioShelterInput(in, ch)
					if err != nil {
						return nil, err
					}
					return v.Input.Walk, nil
				}}
		}
		if len(ch.CloseWays)+len(ch.CloseAreas)+len(ch.Slow) > 0 {
			g, rep, err := scenario.Apply(in.Graph, change)
			if err != nil {
				return nil, 0, err
			}
			ps.Report, ps.Roads = rep, true
			fastest = max(fastest, fastestMPS(g))
		}
		out = append(out, ps)
	}
	times, tf, err := planTimes(ctx, st, in)
	if err != nil {
		return nil, 0, err
	}
	return append(out, times...), max(fastest, tf), nil
}

// planTimes returns the study's times of day, each on the graph
// re-weighted for its period, as computeTimes has them.
func planTimes(ctx context.Context, st *study.Study, in *study.Inputs) ([]planScenario, float64, error) {
	spec := st.Times
	if spec == nil {
		return nil, 0, nil
	}
	classes, err := study.WayClasses(ctx, in, spec.Profile)
	if err != nil {
		return nil, 0, err
	}
	ci := in.Coverage
	orig := make([]int32, len(ci.Bases))
	for b := range orig {
		orig[b] = int32(b)
	}
	var out []planScenario
	fastest := 0.0
	for _, t := range spec.Times {
		pr := spec.Profile.Period(t.Minutes)
		ps := planScenario{Name: "time " + t.Label, Time: &t, Bases: ci.Bases, BaseUnit: ci.BaseUnit, BaseOrig: orig, Roads: true,
			build: func(g *graph.Graph) (*graph.Graph, error) { return study.TimeGraph(g, spec.Profile, pr, classes) }}
		if pr != nil {
			ps.Period = pr.Name
		}
		g, err := ps.build(in.Graph)
		if err != nil {
			return nil, 0, fmt.Errorf("time %s: %w", t.Label, err)
		}
		fastest = max(fastest, fastestMPS(g))
		out = append(out, ps)
	}
	return out, fastest, nil
}

// writeScenarios writes each scenario's part of every shard: the changed
// graph cut with the shard's road mask, and the shard's scenario bases.
// roads[s] are shard s's road parents, items[s] the parents of its cells
// and bases, nears[s] the parents of bases that may snap onto its roads,
// bases[s] the study's bases it holds.
func writeScenarios(ctx context.Context, dir string, p *Plan, g *graph.Graph, ci coverage.Input, o *owners, scs []planScenario, roads, items, nears []map[h3.Cell]struct{}, bases [][]int32, cuts [][]orb.Point, sp *shelterPlan) error {
	for k, ps := range scs {
		sg := g
		if ps.Roads {
			var err error
			if sg, err = ps.build(g); err != nil {
				return fmt.Errorf("%s: %w", ps.Name, err)
			}
		}
		files := make([]*shardScenario, len(p.Shards))
		driveKept := make([][]graph.NodeID, len(p.Shards))
		for s, sh := range p.Shards {
			if err := ctx.Err(); err != nil {
				return err
			}
			ss := &shardScenario{PlanID: p.ID, Roads: ps.Roads, Cut: cuts[s]}
			files[s] = ss
			if ps.Roads {
				keep := make([]bool, sg.NumNodes())
				for v, q := range o.nodePar {
					_, keep[v] = roads[s][q]
				}
				cut, kept, err := sg.Subgraph(keep)
				if err != nil {
					return fmt.Errorf("batch: shard %d, scenario %s: %w", s, ps.Name, err)
				}
				if err := cut.WriteFile(scenarioPath(dir, sh.Dir, k, "rgraph")); err != nil {
					return err
				}
				ss.Cut = cutPoints(sg, kept)
				driveKept[s] = kept
			}
			for j, b := range ps.BaseOrig {
				var owner int32
				if b >= 0 {
					if _, ok := slices.BinarySearch(bases[s], b); !ok {
						continue
					}
					owner = o.base[b]
				} else {
					// A moved or added base: held as a study base at its
					// place would be, owned by its parent's shard.
					par, err := baseParent(ps.Bases[j], ci.Res, p.ParentRes)
					if err != nil {
						return err
					}
					owner = o.parent[par]
					if _, ok := items[s][par]; !ok && owner != int32(s) {
						if _, ok := nears[s][par]; ok {
							ss.Near = append(ss.Near, ps.Bases[j].Loc)
						}
						continue
					}
				}
				ss.Bases = append(ss.Bases, ps.Bases[j])
				ss.BaseUnit = append(ss.BaseUnit, ps.BaseUnit[j])
				ss.BaseGlobal = append(ss.BaseGlobal, int32(j))
				ss.BaseOwned = append(ss.BaseOwned, owner == int32(s))
				if ci.Busy != nil {
					if ss.Busy == nil {
						ss.Busy = &coverage.BusyInput{}
					}
					ss.Busy.Fraction = append(ss.Busy.Fraction, ci.Busy.Fraction[j])
				}
			}
			if ci.Busy != nil && ss.Busy == nil {
				ss.Busy = &coverage.BusyInput{Fraction: []float64{}}
			}
		}
		if ps.Shelter != nil {
			var changed *graph.Graph
			if ps.Roads {
				changed = sg
			}
			if err := sp.writeVariant(ctx, dir, p, k, ps.Shelter, changed, driveKept, files); err != nil {
				return fmt.Errorf("%s: %w", ps.Name, err)
			}
		}
		for s, sh := range p.Shards {
			if err := writeGob(scenarioPath(dir, sh.Dir, k, "bin"), files[s]); err != nil {
				return err
			}
		}
	}
	return nil
}

// runScenarios searches each scenario of the shard after its baseline,
// on the scenario's graph, and returns the owned rows of each.
func runScenarios(ctx context.Context, dir string, p *Plan, index int, si *shardInput, base coverage.Input, g *graph.Graph) ([]shardOutput, error) {
	var out []shardOutput
	sh := p.Shards[index]
	for k := 0; k < si.Scenarios; k++ {
		var ss shardScenario
		if err := readGob(scenarioPath(dir, sh.Dir, k, "bin"), &ss); err != nil {
			return nil, err
		}
		if ss.PlanID != p.ID {
			return nil, fmt.Errorf("batch: shard %d's scenario %d belongs to another plan: plan again", index, k)
		}
		name := fmt.Sprintf("%d", k)
		if k < len(p.Scenarios) {
			name = p.Scenarios[k]
		}
		res, err := runScenario(ctx, dir, p, si, &ss, base, g, k)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func runScenario(ctx context.Context, dir string, p *Plan, si *shardInput, ss *shardScenario, base coverage.Input, g *graph.Graph, k int) (shardOutput, error) {
	ci := base
	ci.Bases, ci.BaseUnit, ci.Busy = ss.Bases, ss.BaseUnit, ss.Busy
	if ss.Roads {
		sg, err := graph.Open(scenarioPath(dir, p.Shards[si.Index].Dir, k, "rgraph"), graph.OpenOptions{})
		if err != nil {
			return shardOutput{}, err
		}
		defer func() { _ = sg.Close() }() // read-only mapping
		ci.Graph = sg
	}
	res := shardOutput{PlanID: p.ID, Index: si.Index, Nodes: ci.Graph.NumNodes()}
	part, err := coverage.Search(ctx, ci)
	if err != nil && !errors.Is(err, coverage.ErrNoBases) {
		return res, fmt.Errorf("batch: shard %d: %w", si.Index, err)
	}
	if part == nil {
		return res, fmt.Errorf("%w: shard %d: no base within its margin lies on a road (plan with a larger --margin-minutes)", ErrMargin, si.Index)
	}
	vi := *si
	vi.BaseGlobal, vi.BaseOwned, vi.Cut = ss.BaseGlobal, ss.BaseOwned, ss.Cut
	vi.Near = append(slices.Clip(si.Near), ss.Near...)
	whole := g.NumNodes() == p.Graph.Nodes
	if err := res.fill(&vi, ci, part, p.LimitSeconds, whole); err != nil {
		return res, err
	}
	if ss.Shelters != nil {
		res.Shelter, err = runShelters(ctx, dir, p, si, ss.Shelters, ci.Graph, ss.Cut, ci.Workers)
	}
	return res, err
}

// mergeScenarios gathers and aggregates each scenario and time of day, as
// RunScenarios and computeTimes answer them beside the baseline.
func mergeScenarios(ctx context.Context, dir string, p *Plan, base coverage.Input, gi *globalInputs) ([]study.ScenarioResult, []study.TimeResult, error) {
	scs := gi.Scenarios
	var out []study.ScenarioResult
	var times []study.TimeResult
	for k, ps := range scs {
		ci := base
		ci.Bases, ci.BaseUnit = ps.Bases, ps.BaseUnit
		pick := func(o *shardOutput) (*shardOutput, error) {
			if k >= len(o.Scenarios) {
				return nil, fmt.Errorf("no answer for scenario %s", ps.Name)
			}
			return &o.Scenarios[k], nil
		}
		part, _, _, err := gatherShards(dir, p, ci, false, pick)
		if err != nil {
			return nil, nil, err
		}
		r, err := coverage.Finish(ctx, ci, part)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", ps.Name, err)
		}
		if ps.Time != nil {
			times = append(times, study.TimeResult{Time: *ps.Time, Period: ps.Period, Coverage: r})
			continue
		}
		sr := study.ScenarioResult{Name: ps.Name, Report: ps.Report, Result: r}
		if v := ps.Shelter; v != nil {
			pick := func(o *shardOutput) *shelterOutput {
				if k >= len(o.Scenarios) {
					return nil
				}
				return o.Scenarios[k].Shelter
			}
			if sr.Shelter, err = mergeShelters(ctx, dir, p, v.variantInput(gi.Shelter.input(nil, nil, 0)), pick); err != nil {
				return nil, nil, fmt.Errorf("scenario %s: %w", ps.Name, err)
			}
			sr.WalkClosedEdges, sr.SheltersInClosedAreas = v.WalkClosedEdges, v.InClosedAreas
		}
		out = append(out, sr)
	}
	return out, times, nil
}

// baseParent is the H3 parent (resolution pres) of a base's cell.
func baseParent(b coverage.Base, res, pres int) (h3.Cell, error) {
	c, err := geo.CellOf(b.Loc, res)
	if err != nil {
		return 0, fmt.Errorf("base %s: %w", b.ID, err)
	}
	return parentOf(c, pres), nil
}

// newBasePoints are the places of the scenarios' moved and added bases.
func newBasePoints(scs []planScenario) []orb.Point {
	var out []orb.Point
	for _, ps := range scs {
		for j, b := range ps.BaseOrig {
			if b < 0 {
				out = append(out, ps.Bases[j].Loc)
			}
		}
	}
	return out
}
