// Command scalegen writes a synthetic coverage study over a road graph, for
// the growth measurements of bench/README.md ("Scale"): residents on every
// resolution-9 cell of a lattice over the graph's bounding box that holds a
// road node (1 to 100 residents, deterministic), 20 bases on a 5 x 4 grid,
// one unit (the bounding box), the default preset (--base-step puts bases on
// a lattice, --minutes shortens the circle and horizon so that batch shards
// are cut narrower than the network). The roads are real (or
// tiled copies of real ones); the residents and bases are not.
//
//	go run ./bench/scalegen --graph porto2x2.rgraph --out DIR
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/geo"
)

func main() {
	graphPath := flag.String("graph", "", "graph file")
	out := flag.String("out", "", "folder to write the study into")
	step := flag.Float64("step", 0.004, "lattice step in degrees")
	baseStep := flag.Float64("base-step", 0, "bases on a lattice of this step in degrees (0: 20 bases on a 5 x 4 grid)")
	minutes := flag.Float64("minutes", 0, "rescue circle and second-base horizon in minutes (0: the default preset's)")
	flag.Parse()
	if *graphPath == "" || *out == "" {
		log.Fatal("scalegen: --graph and --out are required")
	}
	g, err := graph.Open(*graphPath, graph.OpenOptions{})
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	roads := map[string]bool{}
	for v := 0; v < g.NumNodes(); v++ {
		c, err := geo.CellOf(g.Point(graph.NodeID(v)), 8)
		if err != nil {
			log.Fatal(err)
		}
		roads[c.String()] = true
	}
	b := g.Bound()
	var pop strings.Builder
	pop.WriteString("cell,population\n")
	seen := map[string]bool{}
	k := 0
	for lon := b.Min[0]; lon <= b.Max[0]; lon += *step {
		for lat := b.Min[1]; lat <= b.Max[1]; lat += *step {
			p := orb.Point{lon, lat}
			c8, _ := geo.CellOf(p, 8)
			if !roads[c8.String()] {
				continue
			}
			c, err := geo.CellOf(p, 9)
			if err != nil {
				log.Fatal(err)
			}
			if seen[c.String()] {
				continue
			}
			seen[c.String()] = true
			fmt.Fprintf(&pop, "%s,%d\n", c, 1+(k*37)%100)
			k++
		}
	}
	var bases strings.Builder
	bases.WriteString("id,lon,lat\n")
	nb := 0
	if *baseStep > 0 {
		for lon := b.Min[0] + *baseStep/2; lon <= b.Max[0]; lon += *baseStep {
			for lat := b.Min[1] + *baseStep/2; lat <= b.Max[1]; lat += *baseStep {
				fmt.Fprintf(&bases, "b%d,%.6f,%.6f\n", nb, lon, lat)
				nb++
			}
		}
	} else {
		for i := 0; i < 5; i++ {
			for j := 0; j < 4; j++ {
				lon := b.Min[0] + (float64(i)+0.5)/5*(b.Max[0]-b.Min[0])
				lat := b.Min[1] + (float64(j)+0.5)/4*(b.Max[1]-b.Min[1])
				fmt.Fprintf(&bases, "b%d,%.6f,%.6f\n", nb, lon, lat)
				nb++
			}
		}
	}
	units := fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"all","name":"whole network"},"geometry":{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}}]}`,
		b.Min[0]-0.01, b.Min[1]-0.01, b.Max[0]+0.01, b.Min[1]-0.01, b.Max[0]+0.01, b.Max[1]+0.01, b.Min[0]-0.01, b.Max[1]+0.01, b.Min[0]-0.01, b.Min[1]-0.01)
	abs, err := filepath.Abs(*graphPath)
	if err != nil {
		log.Fatal(err)
	}
	study := fmt.Sprintf(`name: %s (synthetic residents and bases)
resolution: 9
network: {graph: %s}
facilities:
  bases: [{file: bases.csv, team_size: 20}]
population: {h3: pop.csv}
units: {file: units.geojson, id: id, name: name}
`, filepath.Base(*graphPath), abs)
	if *minutes > 0 {
		study += fmt.Sprintf("standards:\n  rescue: {minutes: %g, second_base_horizon_minutes: %g}\n  isochrone_minutes: [%g]\n", *minutes, *minutes, *minutes)
	}
	for name, text := range map[string]string{"pop.csv": pop.String(), "bases.csv": bases.String(), "units.geojson": units, "study.yaml": study} {
		if err := os.WriteFile(filepath.Join(*out, name), []byte(text), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("scalegen: %d cells, %d bases over %v", k, nb, b)
}
