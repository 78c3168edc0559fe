package main

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/rescuegrid/rescuegrid/internal/i18n"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/limits"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
	"github.com/rescuegrid/rescuegrid/internal/textwidth"
	"strconv"
)

const networkHelp = `Build a road graph from OpenStreetMap, or describe one.

Usage:
  rescuegrid network build --pbf FILE.osm.pbf [--profile drive|walk|emergency] --out FILE.rgraph
  rescuegrid network info FILE.rgraph [--json]

Example:
  rescuegrid network build --pbf data/sample/andorra/andorra.osm.pbf --out andorra.rgraph
  rescuegrid network info andorra.rgraph
`

func runNetwork(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		help := networkHelp
		if h, ok := i18n.Help(e.lang, "network"); ok {
			help = h
		}
		fmt.Fprint(e.stdout, help)
		if len(args) == 0 {
			return usageErr("network: want a subcommand: build or info")
		}
		return nil
	}
	switch args[0] {
	case "build":
		return runNetworkBuild(ctx, args[1:], e)
	case "info":
		return runNetworkInfo(args[1:], e)
	}
	return usageErr("network: unknown subcommand %q (want build or info)", args[0])
}

const networkBuildHelp = `
Read the routable ways of an OpenStreetMap extract (.osm.pbf, or .osm XML),
apply a travel profile's speed model and write one binary graph file.

Profiles (their full rules are data: data/osm/profiles/*.json; 'network info'
prints the one a graph was built with):
  drive      car, the road-graph contract of the reference answers: speeds by
             highway class, maxspeed (km/h or mph), access and one-way rules
  emergency  drive × --speed-factor (default 1.0, uncalibrated), and ways marked
             emergency=yes/designated or service=emergency_access are kept;
             barrier nodes (bollard, gate, lift_gate, chain, ...) close the road
             unless emergency=yes/designated or the access tags allow cars;
             turn restrictions (no_left_turn, only_straight_on, ...) hold
             unless their except tag lists emergency
  walk       pedestrian ways and roads pedestrians may use at --walk-kph
             (default 5 km/h), one-way tags ignored
A JSON file of the same shape (--profile-file) replaces the built-in table.
--barriers adds the barrier rules (without the emergency exemption) to a
profile that has none, e.g. drive; the drive default ignores barriers, as the
reference contract does. 'network info' counts barriers applied and skipped.
--turn-restrictions adds OSM turn restrictions (type=restriction relations,
no_* and only_*, via a node; restriction:motorcar and except= honoured) to a
profile that has none, e.g. drive. Each via node is split: every road into it
that has restricted turns ends at a copy of the node (negative id) from which
only the allowed turns leave, so every search honours them. Via-way
restrictions, time-conditional ones (day_on, hour_on, :conditional) and
relations that do not fit the roads are skipped; 'network info' counts them
by reason.

The extract is read once; every node location goes to a temporary index on
disk (16 bytes a node, in --tmp-dir: the output's folder by default), so
memory follows the road network, not the extract. The index is removed
however the build ends.

Usage:
  rescuegrid network build --pbf FILE.osm.pbf [--profile NAME] --out FILE.rgraph [--tmp-dir DIR]

Example:
  rescuegrid network build --pbf data/sample/andorra/andorra.osm.pbf \
      --profile drive --out andorra.rgraph
`

func runNetworkBuild(ctx context.Context, args []string, e *env) error {
	fs := newFlags("network build", networkBuildHelp, e)
	pbf := fs.String("pbf", "", "OpenStreetMap extract to read (.osm.pbf or .osm)")
	out := fs.String("out", "", "graph file to write (.rgraph)")
	profileName := fs.String("profile", "drive", "travel profile: "+strings.Join(osm.ProfileNames(), ", "))
	profileFile := fs.String("profile-file", "", "JSON profile file to use instead of a built-in one")
	factor := fs.Float64("speed-factor", 0, "multiply every speed by this (emergency vehicles, night); 0 keeps the profile's")
	walkKPH := fs.Float64("walk-kph", 0, "walking speed in km/h for the walk profile (default 5)")
	barriers := fs.Bool("barriers", false, "close barrier nodes (bollards, gates, ...) to cars unless their access tags allow them (drive; emergency always does)")
	turns := fs.Bool("turn-restrictions", false, "obey OSM turn restrictions (no_left_turn, only_straight_on, ...) as a car (drive; emergency always does)")
	tmpDir := fs.String("tmp-dir", "", "folder for the temporary node index, about 16 bytes per node of the extract (default: the output's folder)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		if *pbf == "" && isExtract(pos[0]) {
			return usageErr("network build: unexpected argument %q: give the extract with --pbf %s", pos[0], pos[0])
		}
		return usageErr("network build: unexpected argument %q", pos[0])
	}
	if *pbf == "" || *out == "" {
		return usageErr("network build: --pbf and --out are required (run 'rescuegrid network build --help')")
	}
	var p *osm.Profile
	if *profileFile != "" {
		p, err = osm.LoadProfile(*profileFile)
	} else {
		p, err = osm.BuiltinProfile(*profileName)
	}
	if err != nil {
		return err
	}
	if *factor < 0 {
		return usageErr("network build: --speed-factor %v must be > 0", *factor)
	}
	if *factor > 0 {
		p.SpeedFactor = *factor
	}
	if *walkKPH < 0 {
		return usageErr("network build: --walk-kph %v must be > 0", *walkKPH)
	}
	if *walkKPH > 0 {
		if p.Name != "walk" {
			return usageErr("network build: --walk-kph applies to the walk profile, not %q", p.Name)
		}
		p.SetUniformSpeed(*walkKPH)
	}
	if *barriers {
		if p.Name == "walk" {
			return usageErr("network build: --barriers closes barriers to motor vehicles and does not apply to the walk profile")
		}
		if p.Barriers == nil {
			p.Barriers = osm.DefaultBarrierRules()
		}
	}
	if *turns {
		if p.Name == "walk" {
			return usageErr("network build: --turn-restrictions binds vehicles and does not apply to the walk profile")
		}
		if p.TurnRestrictions == nil {
			p.TurnRestrictions = osm.DefaultTurnRules()
		}
	}
	if dir := dirOf(*out); dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("network build: output folder %s does not exist", dir)
		}
	}
	if err := checkOutFile(*out); err != nil {
		return err
	}
	tmp := *tmpDir
	if tmp == "" {
		if tmp = dirOf(*out); tmp == "" {
			tmp = "."
		}
	} else if st, err := os.Stat(tmp); err != nil || !st.IsDir() {
		return fmt.Errorf("network build: --tmp-dir %s is not a folder", tmp)
	}
	t0 := time.Now()
	bar := newProgress(e, "progress.reading")
	contracting := false
	g, err := osm.Build(ctx, *pbf, p, osm.Options{
		Generator: "rescuegrid " + versionString(),
		TempDir:   tmp,
		Progress:  func(_ int, done, total int64) { bar.update(done, total) },
		Contracting: func(done, total int) {
			if !contracting {
				// The second long step (minutes for a country): say so, and
				// that a signal stops it too.
				contracting = true
				bar.done()
				e.infof("%s", e.lang.T("network.contracting", "n", total, "secs", fmt.Sprintf("%.2f", time.Since(t0).Seconds())))
				bar = newProgress(e, "progress.contracting")
			}
			bar.update(int64(done), int64(total))
		},
	})
	bar.done()
	if err != nil {
		return err
	}
	err = outdir.WriteFile(ctx, *out, func(w io.Writer) error {
		_, err := g.WriteTo(w) // streamed: no second copy of the graph in memory
		return err
	})
	if err != nil {
		return err
	}
	e.infof("%s", e.lang.T("network.built", "out", *out, "nodes", g.NumNodes(), "edges", g.NumEdges(), "ways", g.NumWays(),
		"profile", p.Name, "secs", fmt.Sprintf("%.2f", time.Since(t0).Seconds())))
	return nil
}

func dirOf(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return ""
	}
	return path[:i]
}

const networkInfoHelp = `
Describe a graph file: nodes, edges, bounding box, profile and speed table,
where and when it was built, connectivity and memory.

Usage:
  rescuegrid network info FILE.rgraph [--json]

Example:
  rescuegrid network info andorra.rgraph --json | jq .nodes
`

// graphInfo is the --json shape of `network info`.
type graphInfo struct {
	File             string           `json:"file"`
	FormatVersion    int              `json:"format_version"`
	Nodes            int              `json:"nodes"`
	Edges            int              `json:"edges"`
	Ways             int              `json:"ways"`
	BBox             [4]float64       `json:"bbox"`
	Profile          string           `json:"profile"`
	ProfileSpec      json.RawMessage  `json:"profile_spec,omitempty"`
	BuiltAt          time.Time        `json:"built_at"`
	Generator        string           `json:"generator,omitempty"`
	Source           string           `json:"source,omitempty"`
	SourceSHA256     string           `json:"source_sha256,omitempty"`
	Components       int              `json:"strong_components"`
	LargestComponent int              `json:"largest_component_nodes"`
	MemoryBytes      int              `json:"memory_bytes"`
	BytesPerEdge     float64          `json:"memory_bytes_per_edge"`
	Stats            map[string]int64 `json:"stats,omitempty"`
	LoadMillis       float64          `json:"load_ms"`
	// Hierarchy describes the contraction hierarchy (nil: none).
	Hierarchy *hierarchyInfo `json:"hierarchy,omitempty"`
}

// hierarchyInfo is the contraction hierarchy's part of `network info`.
type hierarchyInfo struct {
	CoreNodes int `json:"core_nodes"`
	CoreEdges int `json:"core_edges"`
	UpEdges   int `json:"up_edges"`
	DownEdges int `json:"down_edges"`
	Bytes     int `json:"memory_bytes"`
	// SweepBytes is the sweep table a search to every node builds on
	// first use (graph.SweepTable), beside the graph.
	SweepBytes int `json:"sweep_table_bytes"`
}

func runNetworkInfo(args []string, e *env) error {
	fs := newFlags("network info", networkInfoHelp, e)
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	verify := fs.Bool("verify", false, "check every invariant of the file too (the graph is memory-mapped and its checksum checked either way)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErr("network info: want one graph file, got %d arguments", len(pos))
	}
	t0 := time.Now()
	if err := limits.RegularFile(pos[0]); err != nil {
		return fmt.Errorf("network info: %w", err)
	}
	g, err := graph.Open(pos[0], graph.OpenOptions{Verify: *verify})
	if err != nil {
		return err
	}
	load := time.Since(t0)
	m := g.Meta()
	b := g.Bound()
	info := graphInfo{
		File: pos[0], FormatVersion: graph.FormatVersion,
		Nodes: g.NumNodes(), Edges: g.NumEdges(), Ways: g.NumWays(),
		BBox:    [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]},
		Profile: m.Profile, ProfileSpec: m.ProfileSpec, BuiltAt: m.BuiltAt, Generator: m.Generator,
		Source: m.Source, SourceSHA256: m.SourceSHA256,
		Components: g.NumComponents(), LargestComponent: g.LargestComponentSize(),
		MemoryBytes: g.MemoryBytes(), BytesPerEdge: float64(g.MemoryBytes()) / float64(max(1, g.NumEdges())),
		Stats: m.Stats, LoadMillis: float64(load.Microseconds()) / 1000,
	}
	if h := g.Hierarchy(); h != nil {
		_, tgt, _ := g.CoreCSR()
		info.Hierarchy = &hierarchyInfo{CoreNodes: g.NumCore(), CoreEdges: len(tgt), UpEdges: h.NumUp(), DownEdges: h.NumDown(), Bytes: h.MemoryBytes(), SweepBytes: g.SweepTableBytes()}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	w := e.stdout
	l := e.lang
	// line writes a label padded to 15 columns (by display width) and a value.
	line := func(label, value string) {
		fmt.Fprintf(w, "%s%s\n", textwidth.PadRight(l.T("netinfo.label."+label), 15), value)
	}
	f1 := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	line("file", l.T("netinfo.file", "file", info.File, "format", info.FormatVersion, "ms", f1(info.LoadMillis)))
	line("nodes", strconv.Itoa(info.Nodes))
	line("edges", l.T("netinfo.edges", "edges", info.Edges, "ways", info.Ways))
	line("bbox", l.T("netinfo.bbox", "box", fmt.Sprintf("%.7f,%.7f .. %.7f,%.7f", b.Min[0], b.Min[1], b.Max[0], b.Max[1])))
	line("connectivity", l.T("netinfo.connectivity", "parts", info.Components, "largest", info.LargestComponent,
		"pct", f1(100*float64(info.LargestComponent)/float64(info.Nodes))))
	line("memory", l.T("netinfo.memory", "bytes", info.MemoryBytes, "per", f1(info.BytesPerEdge)))
	if h := info.Hierarchy; h != nil {
		line("hierarchy", l.T("netinfo.hierarchy", "core", h.CoreNodes, "coreedges", h.CoreEdges, "up", h.UpEdges, "down", h.DownEdges, "bytes", h.Bytes))
		line("sweep", l.T("netinfo.sweep", "bytes", h.SweepBytes))
	} else {
		line("hierarchy", l.T("netinfo.hierarchy.none"))
	}
	line("built", l.T("netinfo.built", "at", info.BuiltAt.Format(time.RFC3339), "by", info.Generator))
	line("source", l.T("netinfo.source", "source", info.Source, "sha", info.SourceSHA256))
	line("profile", info.Profile)
	var p osm.Profile
	if err := json.Unmarshal(m.ProfileSpec, &p); err == nil && len(p.SpeedsKPH) > 0 {
		classes := make([]string, 0, len(p.SpeedsKPH))
		for k := range p.SpeedsKPH {
			classes = append(classes, k)
		}
		sort.Slice(classes, func(i, j int) bool {
			if p.SpeedsKPH[classes[i]] != p.SpeedsKPH[classes[j]] {
				return p.SpeedsKPH[classes[i]] > p.SpeedsKPH[classes[j]]
			}
			return classes[i] < classes[j]
		})
		factor := p.SpeedFactor
		if factor == 0 {
			factor = 1
		}
		line("speeds", l.T("netinfo.speeds", "maxspeed", l.T(fmt.Sprintf("netinfo.bool.%v", p.UseMaxspeed)), "factor", factor))
		for _, c := range classes {
			fmt.Fprintf(w, "  %-16s %6.1f\n", c, p.SpeedsKPH[c])
		}
	}
	if p.Barriers != nil {
		line("barriers", barrierCounts(l, info.Stats))
	}
	if p.TurnRestrictions != nil {
		line("turns", turnCounts(l, info.Stats))
	}
	if len(info.Stats) > 0 {
		keys := make([]string, 0, len(info.Stats))
		for k := range info.Stats {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintln(w, l.T("netinfo.label.ingest"))
		for _, k := range keys {
			fmt.Fprintf(w, "  %-32s %d\n", k, info.Stats[k])
		}
	}
	return nil
}

// turnCounts says the turn restriction counts of the ingest stats in one
// line: how many were built into the graph, and how many were skipped and why.
func turnCounts(l i18n.Lang, stats map[string]int64) string {
	var skipped []string
	var n int64
	for _, r := range osm.TurnSkipReasons {
		if k := stats["restrictions_skipped_"+r]; k > 0 {
			skipped = append(skipped, l.T("netinfo.turns.skip", "why", l.Name("netinfo.turns.why.", r), "n", k))
			n += k
		}
	}
	return l.T("netinfo.turns", "applied", stats["restrictions_applied"], "read", stats["restrictions_read"],
		"split", stats["restrictions_via_nodes_split"], "copies", stats["restrictions_node_copies"],
		"edges", stats["restrictions_turn_edges"], "waycopies", stats["restrictions_via_way_copies"],
		"skipped", n, "why", strings.Join(skipped, l.T("netinfo.sep")))
}

// barrierCounts says the barrier counts of the ingest stats in one line:
// how many closed the road, and how many were skipped and why.
func barrierCounts(l i18n.Lang, stats map[string]int64) string {
	var open []string
	var nOpen int64
	for _, k := range []string{"emergency", "motorcar", "motor_vehicle", "vehicle", "access"} {
		if n := stats["barriers_open_by_"+k]; n > 0 {
			open = append(open, fmt.Sprintf("%s %d", k, n))
			nOpen += n
		}
	}
	return l.T("netinfo.barriers", "applied", stats["barriers_applied"], "copies", stats["barriers_node_copies"],
		"open", nOpen, "tags", strings.Join(open, l.T("netinfo.sep")),
		"offway", stats["barriers_off_routable_ways"], "passable", stats["barriers_passable_kind"])
}

// isExtract tells whether a file name looks like an OSM extract.
func isExtract(name string) bool {
	for _, ext := range []string{".osm.pbf", ".pbf", ".osm"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}
