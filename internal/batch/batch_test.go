package batch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/internal/batch"
	"github.com/rescuegrid/rescuegrid/internal/shared"
	"github.com/rescuegrid/rescuegrid/internal/study"
)

// full runs every region and split of the merge tests (make test-batch).
// Without it each test keeps the splits that check something the others do
// not: Andorra's many small shards and its units, Porto's cut shards (the
// only network here larger than its margin) and one split of each other
// region per feature; the rest repeat those checks at other shard counts.
var full = flag.Bool("full", false, "run every region and split of the merge tests (each feature on every region, 2 to 16 shards)")

// splits gives the splits a test case runs: always some, more with -full.
func splits(always, more []batch.PlanOptions) []batch.PlanOptions {
	if *full {
		return append(append([]batch.PlanOptions(nil), always...), more...)
	}
	return always
}

// single runs the study on one machine as 'rescuegrid analyze' does and
// returns its output folder.
func single(t *testing.T, studyPath string) string {
	t.Helper()
	st, err := study.Load(studyPath)
	if err != nil {
		t.Fatal(err)
	}
	in, err := study.Read(context.Background(), st, study.Options{Generator: "test"})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := study.Compute(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "single")
	if _, err := study.Write(context.Background(), out, in, rs, "test", nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// plan splits the study into dir.
func plan(t *testing.T, studyPath, dir string, opt batch.PlanOptions) *batch.Plan {
	t.Helper()
	st, err := study.Load(studyPath)
	if err != nil {
		t.Fatal(err)
	}
	opt.Generator = "test"
	p, err := batch.Split(context.Background(), st, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runAll runs every shard in this process.
func runAll(t *testing.T, dir string, p *batch.Plan) {
	t.Helper()
	for s := range p.Shards {
		if _, err := batch.RunShard(context.Background(), dir, s, batch.RunOptions{Workers: 2}); err != nil {
			t.Fatal(err)
		}
	}
}

// sameOutput compares two study outputs file by file: every table byte
// for byte, summary.json without its creation time and timings.
func sameOutput(t *testing.T, want, got string) {
	t.Helper()
	entries, err := os.ReadDir(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 5 {
		t.Fatalf("%s holds %d files, want the tables and summary.json", want, len(entries))
	}
	for _, e := range entries {
		a, err := os.ReadFile(filepath.Join(want, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(got, e.Name()))
		if err != nil {
			t.Fatalf("merged output lacks %s: %v", e.Name(), err)
		}
		if e.Name() == study.SummaryFile {
			a, b = comparableSummary(t, a), comparableSummary(t, b)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the single-machine one (%d vs %d bytes)%s", e.Name(), len(b), len(a), firstDiff(a, b))
		}
	}
}

func comparableSummary(t *testing.T, b []byte) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "created")
	delete(m, "timings_seconds")
	out, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func firstDiff(a, b []byte) string {
	for i := 0; i < min(len(a), len(b)); i++ {
		if a[i] != b[i] {
			lo := max(0, i-60)
			return fmt.Sprintf(": at byte %d: single %q, merged %q", i, a[lo:min(len(a), i+60)], b[lo:min(len(b), i+60)])
		}
	}
	return ""
}

// writeFile writes a test input.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// gridBases writes bases on a lon/lat grid with the given step (degrees):
// dense bases keep every cell's nearest base within a short limit, so the
// shards' margins are narrower than the region and the cut is real.
func gridBases(t *testing.T, path string, b orb.Bound, step float64) {
	t.Helper()
	var sb strings.Builder
	sb.WriteString("id,lon,lat\n")
	k := 0
	for lon := b.Min[0]; lon <= b.Max[0]; lon += step {
		for lat := b.Min[1]; lat <= b.Max[1]; lat += step {
			fmt.Fprintf(&sb, "g%d,%.5f,%.5f\n", k, lon, lat)
			k++
		}
	}
	writeFile(t, path, sb.String())
}

// portoStudy writes a coverage study on Porto's real roads (the largest real
// network at hand, 273,243 nodes over 35 x 46 km) with a synthetic
// population (every resolution-8 cell of a 0.01-degree lattice, 1 to 100
// residents), bases every 0.04 degrees, four quadrant units and a 10-minute
// rescue circle and horizon, so that a shard's road margin (about 19 km) is
// smaller than the region.
func portoStudy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pbf := shared.Path(t, "data", "porto-portugal", "porto_portugal.osm.pbf")
	bound := orb.Bound{Min: orb.Point{-8.77, 40.99}, Max: orb.Point{-8.36, 41.39}}
	var pop strings.Builder
	pop.WriteString("cell,population\n")
	seen := map[string]bool{}
	k := 0
	for lon := bound.Min[0]; lon <= bound.Max[0]; lon += 0.01 {
		for lat := bound.Min[1]; lat <= bound.Max[1]; lat += 0.01 {
			c, err := geo.CellOf(orb.Point{lon, lat}, 8)
			if err != nil {
				t.Fatal(err)
			}
			if seen[c.String()] {
				continue
			}
			seen[c.String()] = true
			fmt.Fprintf(&pop, "%s,%d\n", c, 1+(k*37)%100)
			k++
		}
	}
	writeFile(t, filepath.Join(dir, "pop.csv"), pop.String())
	gridBases(t, filepath.Join(dir, "bases.csv"), bound, 0.04)
	midLon, midLat := -8.565, 41.19
	var fc strings.Builder
	fc.WriteString(`{"type":"FeatureCollection","features":[`)
	q := 0
	for _, x := range [][2]float64{{-8.8, midLon}, {midLon, -8.3}} {
		for _, y := range [][2]float64{{40.95, midLat}, {midLat, 41.45}} {
			if q > 0 {
				fc.WriteString(",")
			}
			fmt.Fprintf(&fc, `{"type":"Feature","properties":{"id":"q%d","name":"quadrant %d"},"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
				q, q, x[0], y[0], x[1], y[0], x[1], y[1], x[0], y[1], x[0], y[0])
			q++
		}
	}
	fc.WriteString("]}")
	writeFile(t, filepath.Join(dir, "units.geojson"), fc.String())
	path := filepath.Join(dir, "porto.yaml")
	writeFile(t, path, fmt.Sprintf(`name: Porto roads, synthetic residents
resolution: 8
standards:
  rescue: {minutes: 10, second_base_horizon_minutes: 10}
  isochrone_minutes: [5, 10]
network:
  pbf: %s
facilities:
  bases:
    - file: bases.csv
      team_size: 20
population:
  h3: pop.csv
units:
  file: units.geojson
  id: id
  name: name
`, pbf))
	return path
}

// skipShort skips a merge test under -short: it reads the shared extracts.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("reads the shared extracts")
	}
}

// regionStudy is the study file a merge test case splits for region, or
// skips t when the case has no split to run (splits gave it none without
// -full): "porto" is portoStudy's (its shards are cut), "andorra-sample"
// the bundled sample's own file (read as it is, never rewritten), any
// other region sharedStudy's.
func regionStudy(t *testing.T, region string, splits []batch.PlanOptions) string {
	t.Helper()
	if len(splits) == 0 {
		t.Skip("with -full (make test-batch)")
	}
	switch region {
	case "porto":
		return portoStudy(t)
	case "andorra-sample":
		p, err := filepath.Abs(filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	return sharedStudy(t, region)
}

// sharedStudy writes a coverage study of a shared region: the region's
// real inputs with the default preset (a 30-minute horizon, whose margin
// covers each of these regions whole).
func sharedStudy(t *testing.T, region string) string {
	t.Helper()
	dir := t.TempDir()
	var text string
	switch region {
	case "andorra":
		sample, err := filepath.Abs(filepath.Join("..", "..", "data", "sample", "andorra"))
		if err != nil {
			t.Fatal(err)
		}
		text = fmt.Sprintf(`name: Andorra
network: {pbf: %s}
facilities:
  bases: [{file: %s, team_size: 30}]
population: {buildings: {scale_to: 77543}}
units: {osm_admin_level: 7}
`, filepath.Join(sample, "andorra.osm.pbf"), filepath.Join(sample, "fire_stations.csv"))
	case "malta":
		text = fmt.Sprintf(`name: Malta
network: {pbf: %s}
facilities:
  bases: [{osm: [amenity=fire_station], team_size: 20}]
population: {buildings: {scale_to: 475700}}
units: {osm_admin_level: 8}
`, shared.Path(t, "data", "malta", "malta-latest.osm.pbf"))
	case "porto-alegre":
		text = fmt.Sprintf(`name: Porto Alegre
network: {pbf: %s}
facilities:
  bases: [{file: %s, team_size: 20}]
population: {h3: %s}
units: {file: %s, id: id, name: name}
`, shared.Path(t, "data", "porto-alegre", "poa_osm.pbf"), shared.Path(t, "reference", "porto-alegre", "sources.csv"),
			shared.Path(t, "data", "porto-alegre", "poa_hexgrid.csv"), shared.Path(t, "data", "porto-alegre", "rs_municipios_ibge.geojson"))
	}
	path := filepath.Join(dir, region+".yaml")
	writeFile(t, path, text)
	return path
}

// TestMergeEqualsSingleMachine splits real studies into 2 to 16 shards, by
// H3 parent and by unit, runs every shard and checks that the merged output
// is the single-machine one: every table byte for byte, and summary.json.
func TestMergeEqualsSingleMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the shared extracts")
	}
	cases := []struct {
		region string
		splits []batch.PlanOptions
	}{
		{"andorra", splits([]batch.PlanOptions{{Shards: 2}, {Shards: 16}, {By: batch.ByUnit, Shards: 2}}, []batch.PlanOptions{{By: batch.ByUnit}})},
		{"malta", splits([]batch.PlanOptions{{Shards: 3}}, []batch.PlanOptions{{By: batch.ByUnit, Shards: 16}})},
		{"porto-alegre", splits([]batch.PlanOptions{{Shards: 2}}, []batch.PlanOptions{{Shards: 9}, {By: batch.ByUnit}})},
		// In 16 shards, one of Porto's holds a cell whose nearest base is
		// 1,108 s away on its roads: past the default margin (600 s) the
		// shard refuses (TestMarginRefusal's case), so this split asks for
		// 19 minutes, as the refusal advises; its margin then reaches the
		// whole network, and the 6-shard split is the one that cuts it.
		{"porto", splits([]batch.PlanOptions{{Shards: 6, ParentRes: 7}}, []batch.PlanOptions{{Shards: 16, ParentRes: 7, MarginMinutes: 19}, {By: batch.ByUnit, Shards: 4, ParentRes: 7}})},
	}
	for _, tc := range cases {
		t.Run(tc.region, func(t *testing.T) {
			var path string
			if tc.region == "porto" {
				path = portoStudy(t)
			} else {
				path = sharedStudy(t, tc.region)
			}
			want := single(t, path)
			cutAll := 0 // shards, over all splits, that hold part of the network
			for _, opt := range tc.splits {
				t.Run(splitName(opt), func(t *testing.T) {
					p, got := splitRunMerge(t, path, opt)
					cut := 0
					for _, s := range p.Shards {
						if s.Nodes < p.Graph.Nodes {
							cut++
						}
					}
					cutAll += cut
					t.Logf("%d shards, %d of them on part of the %d-node graph (road margin %.1f km)", len(p.Shards), cut, p.Graph.Nodes, p.RoadMarginM/1000)
					sameOutput(t, want, got)
					hive(t, got, len(p.Shards))
				})
			}
			if tc.region == "porto" && cutAll == 0 {
				t.Errorf("no shard of Porto is cut in any split: the test no longer checks the margin")
			}
		})
	}
}

// splitRunMerge plans the study with opt, runs every shard and merges
// them: it returns the plan and the merged output folder.
func splitRunMerge(t *testing.T, studyPath string, opt batch.PlanOptions) (*batch.Plan, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "plan")
	p := plan(t, studyPath, dir, opt)
	runAll(t, dir, p)
	got := filepath.Join(t.TempDir(), "merged")
	if _, err := batch.Merge(context.Background(), dir, got, batch.MergeOptions{Generator: "test"}); err != nil {
		t.Fatal(err)
	}
	return p, got
}

// splitName names a split's subtest: how, how many shards, parent res.
func splitName(opt batch.PlanOptions) string {
	return fmt.Sprintf("%s-%d-r%d", cmpOr(opt.By, batch.ByH3), opt.Shards, opt.ParentRes)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// hive checks the partitioned copy: cells/shard=NNNN/part-0.parquet for
// shards that own cells, no other names.
func hive(t *testing.T, out string, shards int) {
	t.Helper()
	parts, err := filepath.Glob(filepath.Join(out, "cells", "shard=*", "part-0.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) == 0 || len(parts) > shards {
		t.Errorf("%d cell partitions for %d shards", len(parts), shards)
	}
	sort.Strings(parts)
	if !strings.HasSuffix(filepath.Dir(parts[0]), "shard=0000") {
		t.Errorf("first partition %s, want shard=0000", parts[0])
	}
}

// TestShardRetryIsIdempotent cancels a shard mid-run (as a killed pod),
// checks that it left no output, runs it again, runs it a second time with
// --force and concurrently twice: the bytes are the same every time.
func TestShardRetryIsIdempotent(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the shared extracts")
	}
	path := sharedStudy(t, "malta")
	withFeatures(t, path, false) // busy teams: the covering bases are part of the output
	dir := filepath.Join(t.TempDir(), "plan")
	p := plan(t, path, dir, batch.PlanOptions{Shards: 3})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := batch.RunShard(ctx, dir, 1, batch.RunOptions{}); err == nil {
		t.Fatal("RunShard with a cancelled context succeeded")
	}
	if _, err := os.Stat(batch.OutputPath(dir, 1)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a killed shard left %s (stat: %v)", batch.OutputPath(dir, 1), err)
	}
	if _, err := batch.Merge(context.Background(), dir, filepath.Join(t.TempDir(), "m"), batch.MergeOptions{}); !errors.Is(err, batch.ErrIncomplete) {
		t.Fatalf("Merge with shards missing: %v, want ErrIncomplete", err)
	}
	runAll(t, dir, p)
	first, err := os.ReadFile(batch.OutputPath(dir, 1))
	if err != nil {
		t.Fatal(err)
	}
	if did, err := batch.RunShard(context.Background(), dir, 1, batch.RunOptions{}); err != nil || did {
		t.Fatalf("RunShard of a finished shard = %v, %v; want a no-op", did, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for k := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[k] = batch.RunShard(context.Background(), dir, 1, batch.RunOptions{Force: true})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	again, err := os.ReadFile(batch.OutputPath(dir, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Errorf("shard 1 rerun wrote %d bytes differing from the first run's %d", len(again), len(first))
	}
}

// TestShardFailsAtItsMargin gives Porto's roads a 2-minute limit with
// bases 4 km apart: cells whose nearest base is farther than the shard's
// roads can prove must fail the shard, not be answered.
func TestShardFailsAtItsMargin(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the shared extracts")
	}
	path := portoStudy(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "rescue: {minutes: 10, second_base_horizon_minutes: 10}", "rescue: {minutes: 2, second_base_horizon_minutes: 2}", 1)
	text = strings.Replace(text, "isochrone_minutes: [5, 10]", "isochrone_minutes: [2]", 1)
	writeFile(t, path, text)
	dir := filepath.Join(t.TempDir(), "plan")
	p := plan(t, path, dir, batch.PlanOptions{Shards: 8})
	failed := 0
	for s := range p.Shards {
		_, err := batch.RunShard(context.Background(), dir, s, batch.RunOptions{})
		if err == nil {
			continue
		}
		if !errors.Is(err, batch.ErrMargin) || !strings.Contains(err.Error(), "--margin-minutes") {
			t.Fatalf("shard %d: %v, want ErrMargin naming --margin-minutes", s, err)
		}
		if _, serr := os.Stat(batch.OutputPath(dir, s)); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("shard %d failed at its margin but wrote an output", s)
		}
		failed++
	}
	if failed == 0 {
		t.Errorf("no shard of a 2-minute plan with bases 4 km apart failed at its margin")
	}
}
