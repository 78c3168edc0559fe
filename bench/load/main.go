// Command load is rescuegrid's load test: it starts `rescuegrid serve` on
// loopback, waits until it is ready, then sends requests at a fixed rate
// (an open loop: each request is due at its own time, and its latency is
// counted from then, so a slow server cannot hide its queue) and reports
// throughput and latency percentiles per kind of request.
//
//	go run ./bench/load -bin bin/rescuegrid [-study STUDY.yaml] [-rate 1000] [-duration 10s]
//
// Tiles: every tile of zooms 10 to 14 over the study's cells layer bounds,
// in a shuffled order repeated (the first pass renders, later ones hit the
// cache: both are reported). Isochrones: 15-minute isochrones from the
// centres of populated cells, at -iso-rate per second.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/uber/h3-go/v4"
)

func main() {
	bin := flag.String("bin", "bin/rescuegrid", "the rescuegrid binary")
	studyPath := flag.String("study", "data/sample/andorra/study.yaml", "study to serve")
	rate := flag.Float64("rate", 1000, "tile requests per second")
	isoRate := flag.Float64("iso-rate", 20, "isochrone requests per second (run after the tiles)")
	duration := flag.Duration("duration", 10*time.Second, "how long each phase sends")
	flag.Parse()
	if err := run(*bin, *studyPath, *rate, *isoRate, *duration); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// server is one `rescuegrid serve` on loopback.
type server struct {
	base string
	stop func()
}

func start(client *http.Client, bin, studyPath string, extra ...string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"serve", studyPath, "--addr", addr, "--admin-addr", "", "--flight-addr", ""}, extra...)...)
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		<-exited
	}
	base := "http://" + addr
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return &server{base, stop}, nil
			}
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("server exited (%v):\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("server not ready after 2 minutes:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func run(bin, studyPath string, rate, isoRate float64, d time.Duration) error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512, DisableCompression: true}, Timeout: 30 * time.Second}
	srv, err := start(client, bin, studyPath)
	if err != nil {
		return err
	}
	defer srv.stop()
	base := srv.base
	var tj struct {
		Bounds [4]float64 `json:"bounds"`
	}
	if err := getJSON(client, base+"/tiles/cells.json", &tj); err != nil {
		return err
	}
	b := orb.Bound{Min: orb.Point{tj.Bounds[0], tj.Bounds[1]}, Max: orb.Point{tj.Bounds[2], tj.Bounds[3]}}
	var paths []string
	for z := 10; z <= 14; z++ {
		for _, layer := range []string{"cells", "units", "gaps", "bases", "isochrones"} {
			for _, t := range tilesOver(b, z) {
				paths = append(paths, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, t.Z, t.X, t.Y))
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	urls := make([]string, len(paths))
	for i, p := range paths {
		urls[i] = base + p
	}
	fmt.Printf("load: %s serving %s; %d distinct tiles (z10-14, 5 layers)\n", bin, studyPath, len(urls))

	n := int(rate * d.Seconds())
	first := min(n, len(urls))
	res := openLoop(client, rate, n, func(i int) string { return urls[i%len(urls)] }, true)
	report(fmt.Sprintf("tiles at %.0f/s, first pass (%d renders)", rate, first), res[:first], float64(first)/rate)
	if n > first {
		report(fmt.Sprintf("tiles at %.0f/s, cached", rate), res[first:], float64(n-first)/rate)
	}
	report(fmt.Sprintf("tiles at %.0f/s, all", rate), res, float64(n)/rate)

	// The tiles with features (what a map viewing the study asks for most),
	// from the cache, and from a server with no cache (every one rendered).
	var full []string
	for i := 0; i < first; i++ {
		if res[i].status == http.StatusOK {
			full = append(full, paths[i])
		}
	}
	fmt.Printf("load: %d of the tiles have features\n", len(full))
	res = openLoop(client, rate, n, func(i int) string { return base + full[i%len(full)] }, true)
	report(fmt.Sprintf("non-empty tiles at %.0f/s, cached", rate), res, float64(n)/rate)
	nocache, err := start(client, bin, studyPath, "--tile-cache-mb", "0")
	if err != nil {
		return err
	}
	res = openLoop(client, rate, n, func(i int) string { return nocache.base + full[i%len(full)] }, true)
	nocache.stop()
	report(fmt.Sprintf("non-empty tiles at %.0f/s, no cache", rate), res, float64(n)/rate)

	// Isochrones from populated cells' centres.
	var cells []struct {
		Cell string  `json:"cell"`
		Pop  float64 `json:"population"`
	}
	if err := getJSON(client, base+"/api/tables/cells?format=json&columns=cell,population", &cells); err != nil {
		return fmt.Errorf("cells: %w", err)
	}
	var pts [][2]float64
	for _, c := range cells {
		if c.Pop > 0 {
			ll, err := h3.Cell(h3.IndexFromString(c.Cell)).LatLng()
			if err != nil {
				return fmt.Errorf("cell %q: %w", c.Cell, err)
			}
			pts = append(pts, [2]float64{ll.Lng, ll.Lat})
		}
	}
	if len(pts) == 0 {
		return errors.New("no populated cell to start isochrones from")
	}
	rng.Shuffle(len(pts), func(i, j int) { pts[i], pts[j] = pts[j], pts[i] })
	ni := int(isoRate * d.Seconds())
	ires := openLoop(client, isoRate, ni, func(i int) string {
		p := pts[i%len(pts)]
		return fmt.Sprintf("%s/api/isochrone?lon=%.6f&lat=%.6f&minutes=15", base, p[0], p[1])
	}, false)
	report(fmt.Sprintf("15-min isochrones at %.0f/s", isoRate), ires, float64(ni)/isoRate)
	return nil
}

type result struct {
	latency time.Duration
	status  int
	err     error
}

// openLoop sends n GETs, the i-th due at start + i/rate, each on its own
// goroutine, and returns each one's latency from its due time.
func openLoop(client *http.Client, rate float64, n int, url func(int) string, gzip bool) []result {
	out := make([]result, n)
	var wg sync.WaitGroup
	start := time.Now().Add(50 * time.Millisecond)
	for i := 0; i < n; i++ {
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		time.Sleep(time.Until(due))
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url(i), nil)
			if gzip {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			resp, err := client.Do(req)
			if err != nil {
				out[i] = result{time.Since(due), 0, err}
				return
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			out[i] = result{time.Since(due), resp.StatusCode, err}
		}(i, due)
	}
	wg.Wait()
	return out
}

func report(name string, rs []result, seconds float64) {
	lat := make([]float64, 0, len(rs))
	codes := map[int]int{}
	errs := 0
	for _, r := range rs {
		if r.err != nil {
			errs++
			continue
		}
		codes[r.status]++
		lat = append(lat, r.latency.Seconds()*1000)
	}
	sort.Float64s(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return math.NaN()
		}
		return lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)]
	}
	var cs []string
	for _, c := range slices.Sorted(maps.Keys(codes)) {
		cs = append(cs, fmt.Sprintf("%d×%d", codes[c], c))
	}
	fmt.Printf("%-42s %6d req in %5.1f s (%6.0f/s)  p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms  max %7.2f ms  status %s  errors %d\n",
		name, len(rs), seconds, float64(len(rs))/seconds, q(0.5), q(0.9), q(0.99), q(1), strings.Join(cs, " "), errs)
}

func getJSON(c *http.Client, url string, v any) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(bufio.NewReader(resp.Body))
		return fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func tilesOver(b orb.Bound, z int) []maptile.Tile {
	zz := maptile.Zoom(z)
	nw := maptile.At(orb.Point{b.Min[0], b.Max[1]}, zz)
	se := maptile.At(orb.Point{b.Max[0], b.Min[1]}, zz)
	var out []maptile.Tile
	for y := nw.Y; y <= se.Y; y++ {
		for x := nw.X; x <= se.X; x++ {
			out = append(out, maptile.New(x, y, zz))
		}
	}
	return out
}
