package batch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/batch"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// withShelters rewrites Porto Alegre's study (sharedStudy) to study its
// real shelters: the SOS Rio Grande do Sul export of May 2024, those of the
// city of Porto Alegre, short-term by default (800 s on foot), and three
// supply depots (their places and stocks are illustrative) whose drive
// times go into both shelter tables. With quadrants the units are the
// city's four quadrants instead of the municipalities (the city is one),
// so that a split by unit has units to split.
func withShelters(t *testing.T, path string, quadrants bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(path)
	writeFile(t, filepath.Join(dir, "depots.csv"), "id,name,lon,lat,stock_water_l,stock_blankets\n"+
		"d-centro,Centro,-51.2290,-30.0300,20000,800\n"+
		"d-norte,Norte,-51.1500,-29.9950,12000,500\n"+
		"d-sul,Sul,-51.2000,-30.1300,8000,300\n")
	text := strings.Replace(string(b), "  bases: [{file:", "  shelters: [{file: "+shared.Path(t, "data", "porto-alegre", "sosrs_shelters_2024-05.csv")+
		", format: sosrs, city: Porto Alegre}]\n  depots: [{file: depots.csv}]\n  bases: [{file:", 1)
	if text == string(b) {
		t.Fatalf("%s: no bases line to add shelters before", path)
	}
	if quadrants {
		midLon, midLat := -51.197, -30.054
		var fc strings.Builder
		fc.WriteString(`{"type":"FeatureCollection","features":[`)
		q := 0
		for _, x := range [][2]float64{{-51.35, midLon}, {midLon, -51.05}} {
			for _, y := range [][2]float64{{-30.3, midLat}, {midLat, -29.9}} {
				if q > 0 {
					fc.WriteString(",")
				}
				fmt.Fprintf(&fc, `{"type":"Feature","properties":{"id":"q%d","name":"quadrant %d"},"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}`,
					q, q, x[0], y[0], x[1], y[0], x[1], y[1], x[0], y[1], x[0], y[0])
				q++
			}
		}
		fc.WriteString("]}")
		writeFile(t, filepath.Join(dir, "quadrants.geojson"), fc.String())
		re := regexp.MustCompile(`units: \{file: [^,]+,`)
		if !re.MatchString(text) {
			t.Fatalf("%s: no units line", path)
		}
		text = re.ReplaceAllString(text, "units: {file: quadrants.geojson,")
	}
	writeFile(t, path, text+"shelters: {default_class: short_term}\n")
}

// TestMergeEqualsSingleMachineShelters splits Porto Alegre with its real
// shelters and three depots by H3 parent and by unit: each shard walks from
// its own cells on a cut of the walk graph, merge runs the accessibility
// and the min-cost-flow assignment once, and the merged output is the
// single-machine one (the four shelter tables among every table, and
// summary.json). A shard run again gives the same bytes.
func TestMergeEqualsSingleMachineShelters(t *testing.T) {
	skipShort(t)
	opts := splits([]batch.PlanOptions{{Shards: 16, ParentRes: 8}, {By: batch.ByUnit, ParentRes: 8, WalkMarginMinutes: 1}}, []batch.PlanOptions{{Shards: 2}, {Shards: 9, ParentRes: 8, WalkMarginMinutes: 20}})
	path := regionStudy(t, "porto-alegre", opts)
	withShelters(t, path, true)
	want := single(t, path)
	for _, f := range []string{"shelters.csv", "shelter_cells.csv", "shelter_units.csv", "depots.csv"} {
		if _, err := os.Stat(filepath.Join(want, f)); err != nil {
			t.Fatalf("the single-machine study has no %s: %v", f, err)
		}
	}
	for _, opt := range opts {
		t.Run(splitName(opt), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "plan")
			p := plan(t, path, dir, opt)
			runAll(t, dir, p)
			got := filepath.Join(t.TempDir(), "merged")
			if _, err := batch.Merge(context.Background(), dir, got, batch.MergeOptions{Generator: "test"}); err != nil {
				t.Fatal(err)
			}
			cut, shelters := 0, 0
			for _, s := range p.Shards {
				if s.WalkNodes < p.WalkNodes {
					cut++
				}
				shelters += s.Shelters
			}
			t.Logf("%d shards, %d of them on part of the %d-node walk graph (walk margin %.1f km); %d shelters, %d depots", len(p.Shards), cut, p.WalkNodes, p.WalkRoadMarginM/1000, p.Shelters, p.Depots)
			if p.Shelters < 50 || p.Depots != 3 || shelters != p.Shelters {
				t.Errorf("the plan has %d shelters placed by %d shards' answers and %d depots; want Porto Alegre's 80, each placed once, and 3", p.Shelters, shelters, p.Depots)
			}
			if len(p.Shards) < 2 || (opt.ParentRes == 8 && cut == 0) {
				t.Errorf("%d shards, %d on a cut walk graph: the test no longer checks the walking margin", len(p.Shards), cut)
			}
			sameOutput(t, want, got)

			// A retried shard (a pod run again) writes the same bytes.
			first, err := os.ReadFile(batch.OutputPath(dir, 1))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := batch.RunShard(context.Background(), dir, 1, batch.RunOptions{Force: true, Workers: 1}); err != nil {
				t.Fatal(err)
			}
			again, err := os.ReadFile(batch.OutputPath(dir, 1))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, again) {
				t.Errorf("shard 1 rerun wrote %d bytes differing from the first run's %d", len(again), len(first))
			}
		})
	}
}

// TestShelterShardFailsAtItsWalkingMargin plans Porto Alegre with two
// shelters in its north only, cut into 16 shards with the default walking
// margin (the 30-minute drive limit at walking speed, about 6 km of walk
// graph around each shard): cells in the south are hours on foot from
// their nearest shelter, farther than their shard's walk graph can prove,
// and must fail the shard with ErrMargin naming --walk-margin-minutes,
// writing nothing, never give a cut answer. Shards in the north answer.
func TestShelterShardFailsAtItsWalkingMargin(t *testing.T) {
	skipShort(t)
	opt := batch.PlanOptions{Shards: 16, ParentRes: 8}
	path := regionStudy(t, "porto-alegre", []batch.PlanOptions{opt})
	withShelters(t, path, false)
	writeFile(t, filepath.Join(filepath.Dir(path), "north.csv"), "id,name,lon,lat,capacity\nn1,Norte 1,-51.175,-30.005,500\nn2,Norte 2,-51.205,-30.015,300\n")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`shelters: \[\{file: [^}]+\}\]`)
	if !re.Match(b) {
		t.Fatalf("%s: no shelters line", path)
	}
	writeFile(t, path, re.ReplaceAllString(string(b), "shelters: [{file: north.csv}]"))
	dir := filepath.Join(t.TempDir(), "plan")
	p := plan(t, path, dir, opt)
	if p.WalkLimitSeconds != p.LimitSeconds {
		t.Fatalf("walking limit %v s, want the drive limit %v s", p.WalkLimitSeconds, p.LimitSeconds)
	}
	failed := 0
	for s := range p.Shards {
		_, err := batch.RunShard(context.Background(), dir, s, batch.RunOptions{})
		if err == nil {
			continue
		}
		if !errors.Is(err, batch.ErrMargin) || !strings.Contains(err.Error(), "--walk-margin-minutes") {
			t.Fatalf("shard %d: %v, want ErrMargin naming --walk-margin-minutes", s, err)
		}
		if _, serr := os.Stat(batch.OutputPath(dir, s)); !errors.Is(serr, os.ErrNotExist) {
			t.Errorf("shard %d failed at its margin but wrote an output", s)
		}
		failed++
	}
	t.Logf("%d of %d shards failed at their walking margin", failed, len(p.Shards))
	if failed == 0 || failed == len(p.Shards) {
		t.Errorf("%d of %d shards failed: want the south's to fail and the north's to answer", failed, len(p.Shards))
	}
}

// TestMergeEqualsSingleMachineShelterScenarios splits the Porto Alegre
// benchmark study (its real shelters and its three scenarios: roads closed
// on foot and by car in the 4th district, two shelters closed, half of a
// gym's places out of use), with three depots added so that the closure
// also changes the depots' drive: each shard answers each scenario's
// shelter rows on the scenario's own walk graph cut as the baseline's, and
// merge runs each scenario's flow once. The merged output (scenarios and
// scenario_shelters among the tables, the scenarios' shelter summaries in
// summary.json) is the single-machine one, byte for byte.
func TestMergeEqualsSingleMachineShelterScenarios(t *testing.T) {
	skipShort(t)
	bench, err := filepath.Abs(filepath.Join("..", "..", "bench", "studies"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(bench, "porto-alegre.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "depots.csv"), "id,name,lon,lat,stock_water_l\n"+
		"d-centro,Centro,-51.2290,-30.0300,20000\nd-norte,Norte,-51.1500,-29.9950,12000\nd-sul,Sul,-51.2000,-30.1300,8000\n")
	text := strings.ReplaceAll(string(b), "${RESCUEGRID_SHARED}", shared.Path(t))
	text = strings.Replace(text, "close_areas: poa_flood_4th_district.geojson", "close_areas: "+filepath.Join(bench, "poa_flood_4th_district.geojson"), 1)
	text = strings.Replace(text, "  shelters:\n", "  depots: [{file: depots.csv}]\n  shelters:\n", 1)
	path := filepath.Join(dir, "porto-alegre.yaml")
	writeFile(t, path, text)
	want := single(t, path)
	for _, f := range []string{"scenario_shelters.csv", "depots.csv"} {
		if _, err := os.Stat(filepath.Join(want, f)); err != nil {
			t.Fatalf("the single-machine study has no %s: %v", f, err)
		}
	}
	for _, opt := range splits([]batch.PlanOptions{{Shards: 4, ParentRes: 8, WalkMarginMinutes: 1}}, []batch.PlanOptions{{Shards: 16, ParentRes: 8}, {Shards: 3}}) {
		t.Run(splitName(opt), func(t *testing.T) {
			p, got := splitRunMerge(t, path, opt)
			if len(p.Scenarios) != 3 {
				t.Fatalf("plan has scenarios %q, want 3", p.Scenarios)
			}
			cut := 0
			for _, s := range p.Shards {
				if s.WalkNodes < p.WalkNodes {
					cut++
				}
			}
			if opt.ParentRes == 8 && cut == 0 {
				t.Errorf("no shard on a cut walk graph: the test no longer checks the scenarios' walk cuts")
			}
			sameOutput(t, want, got)
		})
	}
}

// TestMergeEqualsSingleMachineSheltersCut (with -full) puts shelters every
// 0.02 degrees and depots every 0.12 degrees on Porto's real roads (the
// study of portoStudy, a 10-minute limit), so that both the drive graph
// and the walk graph of most shards are cut: the depots' drive times and
// the nearest shelters are proven against the cuts' nodes, and the merged
// output is the single-machine one, byte for byte.
func TestMergeEqualsSingleMachineSheltersCut(t *testing.T) {
	skipShort(t)
	opts := splits(nil, []batch.PlanOptions{{Shards: 6, ParentRes: 7}}) // with -full only
	path := regionStudy(t, "porto", opts)
	dir := filepath.Dir(path)
	grid := func(name, head string, step float64, row func(k int, lon, lat float64) string) {
		var sb strings.Builder
		sb.WriteString(head)
		k := 0
		for lon := -8.76; lon <= -8.37; lon += step {
			for lat := 41.00; lat <= 41.38; lat += step {
				sb.WriteString(row(k, lon, lat))
				k++
			}
		}
		writeFile(t, filepath.Join(dir, name), sb.String())
	}
	grid("shelters.csv", "id,lon,lat,capacity\n", 0.02, func(k int, lon, lat float64) string {
		return fmt.Sprintf("s%d,%.5f,%.5f,%d\n", k, lon, lat, 50+(k*71)%400)
	})
	grid("depots.csv", "id,lon,lat,stock_water_l\n", 0.12, func(k int, lon, lat float64) string {
		return fmt.Sprintf("d%d,%.5f,%.5f,%d\n", k, lon, lat, 1000*(k+1))
	})
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "facilities:\n", "facilities:\n  shelters: [{file: shelters.csv, class: short_term}]\n  depots: [{file: depots.csv}]\n", 1)
	writeFile(t, path, text)
	want := single(t, path)
	p, got := splitRunMerge(t, path, opts[0])
	walkCut, driveCut := 0, 0
	for _, s := range p.Shards {
		if s.WalkNodes < p.WalkNodes {
			walkCut++
		}
		if s.Nodes < p.Graph.Nodes {
			driveCut++
		}
	}
	t.Logf("%d shards: %d on part of the %d-node walk graph (margin %.1f km), %d on part of the %d-node drive graph; %d shelters, %d depots",
		len(p.Shards), walkCut, p.WalkNodes, p.WalkRoadMarginM/1000, driveCut, p.Graph.Nodes, p.Shelters, p.Depots)
	if walkCut == 0 || driveCut == 0 {
		t.Errorf("no shard on a cut walk or drive graph: the test no longer checks the proofs")
	}
	sameOutput(t, want, got)
}
