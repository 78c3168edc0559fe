package study

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/data/facility"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/data/population"
	"github.com/rescuegrid/rescuegrid/data/summary"
	"github.com/rescuegrid/rescuegrid/data/units"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"github.com/rescuegrid/rescuegrid/internal/limits"
)

// Inputs is a study with every input read: ready for coverage.Compute.
type Inputs struct {
	Study      *Study
	Graph      *graph.Graph
	Population *population.Table
	Units      []units.Unit
	Coverage   coverage.Input // holds the bases (Coverage.Bases)
	WalkGraph  *graph.Graph   // pedestrian graph, when the study has shelters
	Shelters   []facility.Shelter
	Depots     []facility.Depot
	Shelter    *shelter.Input // the shelter computation's input (nil: no shelters)
	Notes      []string       // warnings worth printing: skipped features, unplaced points
	// NoteMessages are the notes rescuegrid adds as messages of the
	// catalogue, aligned with Notes (shorter, or nil at a note of the
	// study's own): see note and NoteText.
	NoteMessages []*summary.Message
	// osmZones are the "135" zone polygons read from the PBF, builtupCells
	// the cells built-up by their buildings (see readOSMZones).
	osmZones     []units.Unit
	builtupCells map[h3.Cell]bool
	Timings      []StageTiming // where the time went
	// BaseBusy is each base's busy_fraction column, NaN where absent.
	BaseBusy []float64
	// DayPop is the day population per cell, parallel to Coverage.Cells
	// (nil without population.day); Day says how it was made.
	DayPop []float64
	Day    *DayInfo
	// Recorded, when set, stands in for Graph and the study's files in
	// summary.json: a batch merge has neither at hand, only what the plan
	// recorded of them.
	Recorded *Recorded
	// prefetch holds what the study's one pass over network.pbf read for
	// the stages after Read (see prefetchOSM).
	prefetch *osm.Prefetch
}

// Recorded is what summary.json says of the road graph and the input files,
// as recorded when they were read.
type Recorded struct {
	Profile, Source string
	Nodes, Edges    int
	Sources         []Source
}

// StageTiming is the wall time of one stage of a study.
type StageTiming struct {
	Stage string
	Took  time.Duration
}

// Options for Load.
type Options struct {
	Generator string // stored in a built graph's metadata
	Workers   int
	// Progress, when set, is told each stage as it starts.
	Progress func(stage string)
	// Basemap says the caller will ask Basemap(in): its features are then
	// read in the same pass over network.pbf as the other inputs.
	Basemap bool
}

// Read reads every input the study names and assembles the coverage input.
func Read(ctx context.Context, st *Study, opt Options) (*Inputs, error) {
	in := &Inputs{Study: st, Notes: append([]string(nil), st.Notes...)}
	stage := func(name string, fn func() error) error {
		if opt.Progress != nil {
			opt.Progress(name)
		}
		t0 := time.Now()
		err := fn()
		in.Timings = append(in.Timings, StageTiming{name, time.Since(t0)})
		return err
	}
	// The road network stage reads network.pbf once for every stage.
	err := stage("road network", func() (err error) {
		if ctx, err = in.prefetchOSM(ctx, opt); err != nil {
			return err
		}
		return in.readGraph(ctx, opt)
	})
	if err != nil {
		return nil, err
	}
	var bases []coverage.Base
	if err := stage("bases", func() (err error) { bases, err = in.readBases(ctx, opt); return err }); err != nil {
		return nil, err
	}
	for _, m := range gatedBases(in.Graph, bases, graph.SnapOptions{MaxDistanceM: st.Standard.Access.SnapDistanceM}) {
		in.note(m)
	}
	err = stage("population", func() error { return in.readPopulation(ctx) })
	if err != nil {
		return nil, err
	}
	if st.Population.Day != nil {
		if err := stage("day population", func() error { return in.readDay() }); err != nil {
			return nil, err
		}
	}
	err = stage("units", func() error { return in.readUnits(ctx) })
	if err != nil {
		return nil, err
	}
	if len(st.OSMZones) > 0 {
		if err := stage("osm zones", func() error { return in.readOSMZones(ctx, opt) }); err != nil {
			return nil, err
		}
	}
	if err := stage("cells to units", func() error { return in.assemble(opt, bases) }); err != nil {
		return nil, err
	}
	if len(st.Shelters) > 0 {
		if err := stage("shelter inputs", func() error { return in.readShelters(ctx, opt) }); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// readGraph opens the built graph the study names (checking its profile),
// or builds one from the OSM extract with the study's profile, speed
// factor and barriers.
func (in *Inputs) readGraph(ctx context.Context, opt Options) error {
	st := in.Study
	pbf := st.Network.PBF
	if st.Network.Graph != "" {
		if err := limits.RegularFile(st.Network.Graph); err != nil {
			return fmt.Errorf("network.graph: %w", err)
		}
		g, err := graph.Open(st.Network.Graph, graph.OpenOptions{})
		if err != nil {
			return err
		}
		// A built graph carries its profile: a rescue study drives,
		// and a profile the study names must be the graph's.
		got := g.Meta().Profile
		if got == "walk" || (st.Network.profileGiven && got != st.Network.Profile) {
			_ = g.Close() // the refusal below is the error to report
		}
		switch {
		case got == "walk":
			return fmt.Errorf("network.graph %s was built with the walk profile: a rescue study drives (build one with 'rescuegrid network build --profile drive'; a walk graph goes in network.walk_graph)", filepath.Base(st.Network.Graph))
		case st.Network.profileGiven && got != st.Network.Profile:
			return fmt.Errorf("network.profile is %s but the graph %s was built with the %s profile: build it with --profile %s, or remove network.profile", st.Network.Profile, filepath.Base(st.Network.Graph), got, st.Network.Profile)
		}
		in.Graph = g
		return nil
	}
	p, err := st.driveProfile()
	if err != nil {
		return err
	}
	in.Graph, err = osm.Build(ctx, pbf, p, osm.Options{Generator: opt.Generator})
	return err
}

// readPopulation reads the population the study names: an H3 table,
// polygons, a raster over the road network's extent, or an estimate from
// the OSM buildings.
func (in *Inputs) readPopulation(ctx context.Context) error {
	st := in.Study
	pbf := st.Network.PBF
	var err error
	p := st.Population
	switch {
	case p.H3 != "":
		in.Population, err = population.ReadH3(p.H3, st.Resolution)
	case p.Polygons != "":
		in.Population, err = population.ReadPolygons(p.Polygons, st.Resolution, population.PolygonOptions{Key: p.Key, CRS: st.SystemOf(p.Polygons)})
	case p.Raster != "":
		// The study area is the road network's extent, with room for
		// the walk from a road to a cell centre.
		area := in.Graph.Bound()
		pad := st.Standard.Access.SnapDistanceM / 111_000
		area = orb.Bound{Min: orb.Point{area.Min[0] - pad, area.Min[1] - pad}, Max: orb.Point{area.Max[0] + pad, area.Max[1] + pad}}
		var rs population.RasterStats
		in.Population, rs, err = population.FromRaster(ctx, p.Raster, st.Resolution, population.RasterOptions{Area: area})
		if err == nil {
			in.note(summary.NewMessage("note.raster", "file", filepath.Base(p.Raster), "people", fmt.Sprintf("%.0f", rs.Total), "pixels", strconv.Itoa(rs.PeoplePixels),
				"split", strconv.Itoa(rs.SplitPixels), "read", strconv.FormatInt(rs.BytesRead, 10), "bytes", strconv.FormatInt(rs.FileBytes, 10)))
		}
	case p.Buildings != nil:
		o := population.DefaultBuildingOptions()
		if b := p.Buildings; b != nil {
			if b.ScaleTo > 0 {
				o.ScaleTo = b.ScaleTo
			}
			if b.FloorM2PerResident > 0 {
				o.FloorM2PerResident = b.FloorM2PerResident
			}
			if b.DefaultLevels > 0 {
				o.DefaultLevels = b.DefaultLevels
			}
			if len(b.Types) > 0 {
				o.Types = b.Types
			}
		}
		var stats population.BuildingStats
		in.Population, stats, err = population.FromBuildings(ctx, pbf, st.Resolution, o)
		if err == nil {
			in.note(summary.NewMessage("note.buildings", "n", strconv.Itoa(stats.BuildingsUsed)).With("source", popEstimate(in.Population).Messages()...))
		}
	}
	return err
}

// readUnits reads the units: a GeoJSON file, or the OSM boundaries of the
// admin level (those that cannot be built are noted and left out).
func (in *Inputs) readUnits(ctx context.Context) error {
	st := in.Study
	pbf := st.Network.PBF
	var err error
	u := st.Units
	if u.File != "" {
		in.Units, err = units.ReadGeoJSON(u.File, units.GeoJSONOptions{IDKey: u.ID, NameKey: u.NameKey, CodeKey: u.CodeKey, Repair: u.Repair, CRS: st.SystemOf(u.File)})
		return err
	}
	var problems []osm.AreaProblem
	in.Units, problems, err = units.FromOSM(ctx, pbf, u.AdminLevel)
	for _, p := range problems {
		in.note(summary.NewMessage("note.unit_left_out", "unit", p.Ref(), "err", fmt.Sprint(p.Err)))
	}
	return err
}

// readShelters reads the walk graph, the shelters and the depots, and
// assembles the shelter computation's input.
func (in *Inputs) readShelters(ctx context.Context, opt Options) error {
	st := in.Study
	var err error
	if st.Network.WalkGraph != "" {
		in.WalkGraph, err = graph.Open(st.Network.WalkGraph, graph.OpenOptions{})
	} else {
		var p *osm.Profile
		if p, err = osm.BuiltinProfile("walk"); err == nil {
			p.SetUniformSpeed(st.Standard.Shelters.WalkKPH)
			in.WalkGraph, err = osm.Build(ctx, st.Network.PBF, p, osm.Options{Generator: opt.Generator})
		}
	}
	if err != nil {
		return fmt.Errorf("walk graph: %w", err)
	}
	seen := map[string]string{}
	for _, src := range st.Shelters {
		var list []facility.Shelter
		switch src.Format {
		case "sosrs":
			var rep *facility.SOSRSReport
			list, rep, err = facility.ReadSOSRS(src.File)
			if err != nil {
				return err
			}
			in.note(summary.NewMessage("note.sosrs", "file", filepath.Base(src.File), "rows", strconv.Itoa(rep.Rows), "nocoords", strconv.Itoa(len(rep.NoCoordinates)),
				"bad", strconv.Itoa(len(rep.BadCoordinates)), "dups", strconv.Itoa(len(rep.Duplicates)), "marked", strconv.Itoa(len(rep.Marked)),
				"kept", strconv.Itoa(rep.Kept), "unknown", strconv.Itoa(rep.UnknownCapacity)))
		default:
			list, err = facility.ReadShelters(src.File)
			if err != nil {
				return err
			}
		}
		facility.SheltersToWGS84(st.SystemOf(src.File), list)
		dropped := 0
		for _, sh := range list {
			if sh.Kind != "" && sh.Kind != facility.KindShelter {
				dropped++ // pet shelters, distribution points, kitchens house no people
				continue
			}
			if src.City != "" && !strings.EqualFold(strings.TrimSpace(sh.City), src.City) {
				continue
			}
			if sh.Class == "" {
				sh.Class = src.Class
			}
			if first, dup := seen[sh.ID]; dup {
				return fmt.Errorf("shelter id %q appears twice: %s and %s", sh.ID, first, src.File)
			}
			seen[sh.ID] = src.File
			in.Shelters = append(in.Shelters, sh)
		}
		if dropped > 0 {
			in.note(summary.NewMessage("note.no_people", "file", filepath.Base(src.File), "n", strconv.Itoa(dropped)))
		}
	}
	// Shelters beyond the walk graph serve people outside the study's
	// population grid: leave them out (and say so) rather than count their
	// places for residents who cannot reach them.
	area := in.WalkGraph.Bound().Pad(0.01)
	kept := in.Shelters[:0]
	outside := 0
	for _, sh := range in.Shelters {
		if area.Contains(sh.Loc) {
			kept = append(kept, sh)
		} else {
			outside++
		}
	}
	in.Shelters = kept
	if outside > 0 {
		f := func(v float64) string { return fmt.Sprintf("%.4f", v) }
		in.note(summary.NewMessage("note.shelters_outside", "n", strconv.Itoa(outside), "w", f(area.Min[0]), "s", f(area.Min[1]), "e", f(area.Max[0]), "north", f(area.Max[1])))
	}
	if len(in.Shelters) == 0 {
		return errors.New("facilities.shelters: no shelter for people in the files within the study area (after the city filter)")
	}
	for _, f := range st.Depots {
		ds, err := facility.ReadDepots(f)
		if err != nil {
			return err
		}
		facility.DepotsToWGS84(st.SystemOf(f), ds)
		in.Depots = append(in.Depots, ds...)
	}
	ci := in.Coverage
	ix := units.NewIndex(in.Units)
	si := &shelter.Input{
		Walk: in.WalkGraph, Drive: in.Graph, Standard: st.Standard,
		Cells: ci.Cells, Pop: ci.Pop, CellUnit: ci.CellUnit,
		Options: shelter.Options{
			DefaultClass:  st.ShelterOpt.DefaultClass,
			CutoffSeconds: st.ShelterOpt.CutoffMinutes * 60,
			DemandShare:   st.ShelterOpt.DemandShare,
			Workers:       opt.Workers,
		},
	}
	for _, u := range ci.Units {
		si.Units = append(si.Units, shelter.Unit{ID: u.ID, Name: u.Name})
	}
	for _, sh := range in.Shelters {
		si.Shelters = append(si.Shelters, shelter.Shelter{ID: sh.ID, Name: sh.Name, Loc: sh.Loc, Class: sh.Class, Capacity: sh.Capacity, AreaM2: sh.AreaM2})
		si.ShelterUnit = append(si.ShelterUnit, int32(ix.Locate(sh.Loc)))
	}
	for _, d := range in.Depots {
		si.Depots = append(si.Depots, shelter.Depot{ID: d.ID, Name: d.Name, Loc: d.Loc, Stock: d.Stock})
		si.DepotUnit = append(si.DepotUnit, int32(ix.Locate(d.Loc)))
	}
	in.Shelter = si
	return nil
}

// readBases reads every base source of the study.
func (in *Inputs) readBases(ctx context.Context, opt Options) ([]coverage.Base, error) {
	st := in.Study
	seen := map[string]string{}
	var bases []coverage.Base
	for i, src := range st.Bases {
		level := src.Level
		if level == "" {
			level = "township"
		}
		add := func(b coverage.Base, origin string) error {
			if first, dup := seen[b.ID]; dup {
				return fmt.Errorf("base id %q appears twice: %s and %s", b.ID, first, origin)
			}
			seen[b.ID] = origin
			bases = append(bases, b)
			return nil
		}
		if len(src.OSMTags) > 0 {
			var tags []osm.TagMatch
			for _, t := range src.OSMTags {
				m, err := osm.ParseTagMatch(t)
				if err != nil {
					return nil, err
				}
				tags = append(tags, m)
			}
			feats, err := osm.ExtractFeatures(ctx, st.Network.PBF, tags, osm.Options{Procs: opt.Workers})
			if err != nil {
				return nil, err
			}
			if len(feats) == 0 {
				return nil, fmt.Errorf("facilities.bases[%d]: no feature of %s has the tags %v", i, st.Network.PBF, src.OSMTags)
			}
			for _, f := range feats {
				b := coverage.Base{ID: f.Ref(), Name: f.Tags["name"], Level: level, Loc: f.Loc, TeamSize: src.TeamSize}
				if err := add(b, "osm "+f.Ref()); err != nil {
					return nil, err
				}
				in.BaseBusy = append(in.BaseBusy, math.NaN())
			}
			continue
		}
		pts, err := facility.ReadPoints(src.File)
		if err != nil {
			return nil, err
		}
		facility.PointsToWGS84(st.SystemOf(src.File), pts)
		for _, p := range pts {
			b := coverage.Base{ID: p.ID, Name: p.Attrs["name"], Level: level, Loc: p.Loc, TeamSize: src.TeamSize, OSMNode: p.OSMNode}
			if l := strings.TrimSpace(p.Attrs["level"]); l != "" {
				b.Level = l
			}
			if s := strings.TrimSpace(p.Attrs["team_size"]); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil || n < 0 {
					return nil, &facility.ParseError{File: src.File, Line: p.Line, Err: fmt.Errorf("%w: team_size %q is not a number of people", facility.ErrBadValue, s)}
				}
				b.TeamSize = n
			}
			q, err := busyColumn(src.File, p)
			if err != nil {
				return nil, err
			}
			if err := add(b, fmt.Sprintf("%s:%d", src.File, p.Line)); err != nil {
				return nil, err
			}
			in.BaseBusy = append(in.BaseBusy, q)
		}
	}
	if len(bases) == 0 {
		return nil, errors.New("no rescue team base in the study's facilities")
	}
	return bases, nil
}

// assemble locates cells and bases in units and zones.
func (in *Inputs) assemble(opt Options, bases []coverage.Base) error {
	st := in.Study
	in.dropEmptyCells()
	pop := in.Population
	ci := coverage.Input{
		Graph: in.Graph, Standard: st.Standard, Res: st.Resolution,
		Cells: pop.Cells, Pop: pop.Pop, Bases: bases, Workers: opt.Workers,
	}
	for _, u := range in.Units {
		ci.Units = append(ci.Units, coverage.Unit{ID: u.ID, Name: u.Name})
	}
	ix := units.NewIndex(in.Units)
	ci.CellUnit = make([]int32, len(ci.Cells))
	for i, c := range ci.Cells {
		p, err := geo.CellCenter(c)
		if err != nil {
			return err
		}
		ci.CellUnit[i] = int32(ix.Locate(p))
	}
	ci.BaseUnit = make([]int32, len(bases))
	for i, b := range bases {
		ci.BaseUnit[i] = int32(ix.Locate(b.Loc))
	}
	if len(st.Zones)+len(st.OSMZones) > 0 {
		var err error
		if ci.Zone, err = in.zoneFlags(ci.Cells); err != nil {
			return err
		}
	}
	ci.Busy = in.busyInput(len(bases))
	in.Coverage = ci
	return nil
}

// dropEmptyCells leaves out of the population (and the day population)
// the cells of no one, by night or by day: they are not populated cells and
// would count as such in the cells table and the summary (a population
// table may list them with 0).
func (in *Inputs) dropEmptyCells() {
	pop := in.Population
	empty := func(i int) bool { return pop.Pop[i] == 0 && (in.DayPop == nil || in.DayPop[i] == 0) }
	n := 0
	for i := range pop.Cells {
		if empty(i) {
			n++
		}
	}
	if n == 0 {
		return
	}
	t := &population.Table{Res: pop.Res, Source: pop.Source, Estimate: pop.Estimate, Cells: make([]h3.Cell, 0, len(pop.Cells)-n), Pop: make([]float64, 0, len(pop.Cells)-n)}
	var day []float64
	for i, c := range pop.Cells {
		if empty(i) {
			continue
		}
		t.Cells, t.Pop = append(t.Cells, c), append(t.Pop, pop.Pop[i])
		if in.DayPop != nil {
			day = append(day, in.DayPop[i])
		}
	}
	in.Population, in.DayPop = t, day
	in.note(summary.NewMessage("note.empty_cells", "n", strconv.Itoa(n)))
}

// note adds a note said by message m: in English in Notes, and kept as m
// for a reader in another language.
func (in *Inputs) note(m *summary.Message) {
	for len(in.NoteMessages) < len(in.Notes) {
		in.NoteMessages = append(in.NoteMessages, nil)
	}
	in.Notes = append(in.Notes, m.Text(i18n.EN))
	in.NoteMessages = append(in.NoteMessages, m)
}

// NoteText is note i in language l.
func (in *Inputs) NoteText(i int, l i18n.Lang) string {
	return summary.NoteText(in.Notes[i], in.NoteMessages, i, l)
}
