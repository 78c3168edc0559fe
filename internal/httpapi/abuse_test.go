package httpapi

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/rescuegrid/rescuegrid/internal/flightapi"
	"github.com/rescuegrid/rescuegrid/internal/service"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// abuseLoad is what TestAbuse throws at the server at once.
type abuseLoad struct {
	slowClients   int // connections that send their headers a byte at a time
	slowReaders   int // clients that ask for a large table and never read it
	whatIfs       int // concurrent what-ifs, each a different base
	sitings       int // concurrent sitings, each a different team size and resolution
	isochrones    int // concurrent isochrones, distinct points and limits
	tiles         int // distinct tiles (a burst of distinct cache keys)
	idleFlight    int // Flight connections that never say anything
	flightReaders int // concurrent Flight DoGets of the largest table
}

// abuseFull runs TestAbuse's whole load and holds it to the latency bound.
var abuseFull = flag.Bool("abuse-full", false, "TestAbuse: the whole load and the 100 ms health bound (make test-reliability)")

// rssBoundBytes is the peak resident memory TestAbuse allows the whole
// test process (server and clients): the sample study loaded takes about
// 200 MB; the bound leaves room for the caches and the work in flight, and
// would catch a cache growing without bound (issue 13 measured 410 MB of
// siting matrices for 120 team sizes) or a goroutine per refused request
// holding memory.
const rssBoundBytes = 1 << 30

// TestAbuse runs the service on loopback (HTTP and Flight, with the
// timeouts `serve` sets) under slow clients, concurrent heavy requests,
// idle Flight connections and a burst of distinct cache keys, and checks
// that it stays ready, answers /healthz within 100 ms at the 99th
// percentile, answers every heavy request with a result or a prompt
// 503/504, closes what it should, and stays under rssBoundBytes of
// resident memory.
//
// Without -abuse-full (make test: the race detector on, other packages'
// tests beside it) it runs a tenth of the load and checks everything but
// the latency, which it reports: a timing bound is only meaningful on a
// process that has the machine to itself. make test-reliability runs it
// with -abuse-full, alone and without the race detector: the whole load and
// the 100 ms bound.
func TestAbuse(t *testing.T) {
	load := abuseLoad{slowClients: 200, slowReaders: 20, whatIfs: 100, sitings: 24, isochrones: 60, tiles: 4000, idleFlight: 200, flightReaders: 20}
	if !*abuseFull {
		load = abuseLoad{slowClients: 20, slowReaders: 4, whatIfs: 12, sitings: 4, isochrones: 8, tiles: 400, idleFlight: 20, flightReaders: 4}
	}
	const (
		timeout           = 10 * time.Second // per request
		readHeaderTimeout = 2 * time.Second
		writeTimeout      = timeout + 5*time.Second // as serve: beyond the request's own limit
		slack             = 2 * time.Second         // what "prompt" allows beyond a limit
	)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	lim := service.DefaultLimits()
	lim.Timeout = timeout
	svc := service.New(service.Config{Limits: lim, TileCacheBytes: 16 << 20, SiteCacheBytes: 64 << 20}, logger)
	svc.Load(context.Background(), filepath.Join("..", "..", "data", "sample", "andorra", "study.yaml"))
	st := svc.Default().Study()
	if st == nil {
		t.Fatalf("sample did not load: %s", svc.Default().LoadError())
	}
	api := NewWithConfig(svc, Config{CheckHost: true}, logger, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: 15 * time.Second,
		WriteTimeout: writeTimeout, IdleTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError)}
	go func() { _ = hs.Serve(ln) }()
	defer func() { _ = hs.Close() }()
	fln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fsrv := flightapi.New(svc, flightapi.Config{}, logger, nil)
	go func() { _ = fsrv.Serve(fln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = fsrv.Shutdown(ctx)
	}()
	base := "http://" + ln.Addr().String()

	// The health prober runs from start to end on its own connection.
	stop := make(chan struct{})
	var health []time.Duration
	var notReady atomic.Int64
	probeDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		c := &http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			t0 := time.Now()
			resp, err := c.Get(base + "/healthz")
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			d := time.Since(t0)
			if err != nil || resp.StatusCode != 200 {
				d = time.Hour // a failed probe counts as the slowest
			}
			health = append(health, d)
			if resp, err := c.Get(base + "/readyz"); err != nil || resp.StatusCode != 200 {
				notReady.Add(1)
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // a few probes before the load

	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[string]map[int]int{} // kind -> status -> n
	var late []string
	heavy := func(kind, method, url, body string, lane service.Work) {
		defer wg.Done()
		c := &http.Client{Timeout: timeout + 3*slack}
		t0 := time.Now()
		req, _ := http.NewRequest(method, base+url, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.Do(req)
		code := -1
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			code = resp.StatusCode
		}
		d := time.Since(t0)
		limit := timeout + slack
		if code == 503 {
			limit = svc.Config().Admission[lane].Wait + slack
		}
		mu.Lock()
		defer mu.Unlock()
		if counts[kind] == nil {
			counts[kind] = map[int]int{}
		}
		counts[kind][code]++
		if d > limit || (code != 200 && code != 204 && code != 503 && code != 504) {
			late = append(late, fmt.Sprintf("%s %s: %d after %s (err %v)", method, url, code, d.Round(time.Millisecond), err))
		}
	}
	gap := st.Res.Gaps[0].Centroid
	for i := 0; i < load.whatIfs; i++ {
		wg.Add(1)
		go heavy("whatif", "POST", "/api/whatif", fmt.Sprintf(`{"add":[{"id":"n%d","lon":%v,"lat":%v,"team_size":%d}]}`,
			i, gap[0]+float64(i%20)*0.002, gap[1]+float64(i/20)*0.002, 5+i), service.WhatIf)
	}
	for i := 0; i < load.sitings; i++ {
		wg.Add(1)
		go heavy("site", "POST", "/api/site", fmt.Sprintf(`{"add":%d,"team_size":%d,"candidate_res":%d}`, 1+i%3, 1+i, 6+i%3), service.Siting)
	}
	for i := 0; i < load.isochrones; i++ {
		wg.Add(1)
		go heavy("isochrone", "GET", fmt.Sprintf("/api/isochrone?lon=%v&lat=%v&minutes=%d,%d", 1.52+float64(i%10)*0.003, 42.54-float64(i/10)*0.003, 5+i%5, 20+i%30), "", service.Isochrone)
	}
	// A burst of distinct tiles over the study (most render, some are
	// empty), 16 at a time.
	tileKeys := make(chan string, load.tiles)
	b := st.Tiles.Bounds()
	layers := st.Tiles.Layers()
	for i := 0; i < load.tiles; i++ {
		fx, fy := math.Mod(float64(i)*0.6180339887, 1), math.Mod(float64(i)*0.7548776662, 1)
		tl := maptile.At(orb.Point{b.Min[0] + fx*(b.Max[0]-b.Min[0]), b.Min[1] + fy*(b.Max[1]-b.Min[1])}, maptile.Zoom(11+i%6))
		tileKeys <- fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layers[i%len(layers)], tl.Z, tl.X, tl.Y)
	}
	close(tileKeys)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for url := range tileKeys {
				wg.Add(1)
				heavy("tile", "GET", url, "", service.Cheap)
			}
		}()
	}

	// Slow clients: a header byte every 300 ms; the server must hang up at
	// its header timeout.
	var slowClosed atomic.Int64
	for i := 0; i < load.slowClients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			defer func() { _ = conn.Close() }()
			_, _ = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
			deadline := time.Now().Add(readHeaderTimeout + 2*slack)
			for time.Now().Before(deadline) {
				if _, err := conn.Write([]byte("a")); err != nil {
					break
				}
				_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				if _, err := conn.Read(make([]byte, 512)); err != nil && !isTimeout(err) {
					break
				}
			}
			if time.Now().Before(deadline) {
				slowClosed.Add(1)
			}
		}()
	}
	// Slow readers: ask for the cells as GeoJSON and never read, until
	// the load ends (the server's write timeout may close them first).
	for i := 0; i < load.slowReaders; i++ {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close() }()
		_, _ = io.WriteString(conn, "GET /api/tables/cells?format=geojson HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	}
	// Idle Flight connections: the server must close them after its
	// handshake timeout.
	var flightClosed atomic.Int64
	for i := 0; i < load.idleFlight; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", fln.Addr().String())
			if err != nil {
				return
			}
			defer func() { _ = conn.Close() }()
			_ = conn.SetReadDeadline(time.Now().Add(5*time.Second + 2*slack))
			if _, err := io.Copy(io.Discard, conn); err == nil || !isTimeout(err) {
				flightClosed.Add(1) // EOF or reset: closed by the server
			}
		}()
	}
	// Flight reads go on meanwhile.
	fc, err := flight.NewClientWithMiddleware(fln.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fc.Close() }()
	var flightOK, flightBusy atomic.Int64
	for i := 0; i < load.flightReaders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := fc.DoGet(context.Background(), &flight.Ticket{Ticket: []byte("cells")})
			if err == nil {
				var rd *flight.Reader
				if rd, err = flight.NewRecordReader(s); err == nil {
					for rd.Next() {
					}
					err = rd.Err()
					rd.Release()
				}
			}
			switch {
			case err == nil:
				flightOK.Add(1)
			case strings.Contains(err.Error(), "busy"):
				flightBusy.Add(1)
			default:
				t.Errorf("Flight DoGet cells under load: %v", err)
			}
		}()
	}

	t0 := time.Now()
	wg.Wait()
	took := time.Since(t0)
	time.Sleep(200 * time.Millisecond) // probes after the load
	close(stop)
	<-probeDone

	sort.Slice(health, func(i, j int) bool { return health[i] < health[j] })
	p := func(q float64) time.Duration { return health[min(len(health)-1, int(q*float64(len(health))))] }
	rss := peakRSS(t)
	t.Logf("load %+v held for %s: %d health probes, p50 %s, p99 %s, max %s; heavy answers %v; slow clients hung up on %d of %d; idle Flight connections closed %d of %d; Flight reads %d ok, %d busy; tile cache %+v; siting cache %+v; admission %+v; peak RSS %d MB",
		load, took.Round(time.Millisecond), len(health), p(0.5), p(0.99), health[len(health)-1], counts, slowClosed.Load(), load.slowClients,
		flightClosed.Load(), load.idleFlight, flightOK.Load(), flightBusy.Load(), svc.TileCacheStats(), svc.SiteCacheStats(), svc.AdmissionStats(), rss>>20)

	if n := notReady.Load(); n > 0 {
		t.Errorf("/readyz failed %d times under load", n)
	}
	if *abuseFull && p(0.99) > 100*time.Millisecond {
		t.Errorf("/healthz p99 %s under load, want at most 100 ms (p50 %s, %d probes)", p(0.99), p(0.5), len(health))
	}
	for _, l := range late {
		t.Errorf("not a prompt answer: %s", l)
	}
	if counts["whatif"][200]+counts["site"][200]+counts["isochrone"][200] == 0 || counts["tile"][200] == 0 {
		t.Errorf("no heavy request or no tile got through: %v", counts)
	}
	if got := slowClosed.Load(); got != int64(load.slowClients) {
		t.Errorf("the server hung up on %d of %d slow clients within its header timeout", got, load.slowClients)
	}
	if got := flightClosed.Load(); got != int64(load.idleFlight) {
		t.Errorf("the Flight server closed %d of %d idle connections", got, load.idleFlight)
	}
	if st := svc.SiteCacheStats(); st.Bytes > 64<<20 {
		t.Errorf("siting cache holds %d bytes over its 64 MB bound", st.Bytes)
	}
	if st := svc.TileCacheStats(); st.Bytes > 16<<20 {
		t.Errorf("tile cache holds %d bytes over its 16 MB bound", st.Bytes)
	}
	if rss > rssBoundBytes {
		t.Errorf("peak resident memory %d MB, bound %d MB", rss>>20, rssBoundBytes>>20)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	ok := errors.As(err, &ne)
	return ok && ne.Timeout()
}

// peakRSS reads the process's peak resident set (VmHWM) from /proc.
func peakRSS(tb testing.TB) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmHWM in /proc/self/status")
	return 0
}
