package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/math"
	"github.com/rescuegrid/rescuegrid/internal/service"
	"github.com/rescuegrid/rescuegrid/internal/testenv"
)

// python returns the interpreter of `make py-deps` (pyarrow and the
// notebooks' packages); unset, the test skips, or fails under make test
// (testenv), saying how to get it.
func python(tb testing.TB) string {
	tb.Helper()
	return testenv.Python(tb)
}

// TestPyarrowClient serves the sample over HTTP and Arrow Flight on
// loopback and reads both with pyarrow (a real client, in another process):
// the same rows and columns as the study's own tables, filters applied the
// same way, errors as HTTP 404 and Flight errors, not a dead server.
func TestPyarrowClient(t *testing.T) {
	py := python(t)
	s := sampleSrv(t)
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	flightAddr := serveFlight(t, s)

	st := s.svc.Default().Study()
	cells := st.Tables["cells"]
	b := st.Tiles.Bounds()
	// The western half of the study area.
	bbox := []float64{b.Min[0], b.Min[1], (b.Min[0] + b.Max[0]) / 2, b.Max[1]}
	bboxParam := strings.Trim(strings.Join(strings.Fields(strings.Trim(jsonString(bbox), "[]")), ""), " ")

	cmd := exec.Command(py, "testdata/pyarrow_client.py", hs.URL, "grpc://"+flightAddr, bboxParam)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyarrow client: %v\n%s", err, stderr.String())
	}
	var got struct {
		HTTPCells struct {
			Rows        int64    `json:"rows"`
			Columns     []string `json:"columns"`
			Population  float64  `json:"population"`
			ContentType string   `json:"content_type"`
		} `json:"http_cells"`
		HTTPCellsPandasRows int64 `json:"http_cells_pandas_rows"`
		HTTPCellsBBox       struct {
			Rows       int64    `json:"rows"`
			Columns    []string `json:"columns"`
			Population float64  `json:"population"`
		} `json:"http_cells_bbox"`
		HTTPMissing struct {
			Status int               `json:"status"`
			Body   map[string]string `json:"body"`
		} `json:"http_missing"`
		Flights    [][2]any `json:"flights"`
		FlightInfo struct {
			Records int64    `json:"records"`
			Columns []string `json:"columns"`
		} `json:"flight_info"`
		FlightCells struct {
			Rows       int64   `json:"rows"`
			Population float64 `json:"population"`
		} `json:"flight_cells"`
		FlightEqualsHTTP bool `json:"flight_equals_http"`
		FlightQuery      struct {
			Rows       int64   `json:"rows"`
			Population float64 `json:"population"`
		} `json:"flight_query"`
		FlightUnitsPandas int64                        `json:"flight_units_pandas"`
		Errors            map[string]map[string]string `json:"-"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output %s: %v", out, err)
	}
	var raw map[string]any
	json.Unmarshal(out, &raw)

	// The whole table, over HTTP and Flight.
	pop := math.Float64.Sum(cells.Column(cells.Schema().FieldIndices("population")[0]).(*array.Float64))
	var cols []string
	for _, f := range cells.Schema().Fields() {
		cols = append(cols, f.Name)
	}
	if got.HTTPCells.Rows != cells.NumRows() || got.HTTPCellsPandasRows != cells.NumRows() || !equalStrings(got.HTTPCells.Columns, cols) {
		t.Errorf("HTTP cells: %d rows (%d in pandas), columns %v; want %d rows, %v", got.HTTPCells.Rows, got.HTTPCellsPandasRows, got.HTTPCells.Columns, cells.NumRows(), cols)
	}
	if !near(got.HTTPCells.Population, pop) || !near(got.FlightCells.Population, pop) {
		t.Errorf("population: HTTP %v, Flight %v, want %v", got.HTTPCells.Population, got.FlightCells.Population, pop)
	}
	if got.HTTPCells.ContentType != "application/vnd.apache.arrow.stream" {
		t.Errorf("content type %q", got.HTTPCells.ContentType)
	}
	if got.FlightInfo.Records != cells.NumRows() || got.FlightCells.Rows != cells.NumRows() || !got.FlightEqualsHTTP {
		t.Errorf("Flight cells: info %d records, %d read, equal to HTTP: %v; want %d", got.FlightInfo.Records, got.FlightCells.Rows, got.FlightEqualsHTTP, cells.NumRows())
	}
	if !equalStrings(got.FlightInfo.Columns, cols) {
		t.Errorf("Flight schema %v, want %v", got.FlightInfo.Columns, cols)
	}
	if len(got.Flights) != len(st.Tables) {
		t.Errorf("ListFlights: %v, want the %d tables %v", got.Flights, len(st.Tables), st.TableNames())
	}
	for _, f := range got.Flights {
		name, _ := f[0].(string)
		n, _ := f[1].(float64)
		if rec, ok := st.Tables[name]; !ok || int64(n) != rec.NumRows() {
			t.Errorf("flight %v: want a table with its row count", f)
		}
	}
	if got.FlightUnitsPandas != st.Tables["units"].NumRows() {
		t.Errorf("Flight units into pandas: %d rows, want %d", got.FlightUnitsPandas, st.Tables["units"].NumRows())
	}

	// The bbox query, answered by the server's own filter.
	sub, err := st.Query(context.Background(), service.TableQuery{Table: "cells", Columns: []string{"cell", "population"}, BBox: bboxParam})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Release()
	subPop := math.Float64.Sum(sub.Column(1).(*array.Float64))
	if sub.NumRows() == 0 || sub.NumRows() >= cells.NumRows() {
		t.Fatalf("bbox %s selects %d of %d cells: not a useful test", bboxParam, sub.NumRows(), cells.NumRows())
	}
	if got.HTTPCellsBBox.Rows != sub.NumRows() || got.FlightQuery.Rows != sub.NumRows() ||
		!near(got.HTTPCellsBBox.Population, subPop) || !near(got.FlightQuery.Population, subPop) ||
		!equalStrings(got.HTTPCellsBBox.Columns, []string{"cell", "population"}) {
		t.Errorf("bbox query: HTTP %+v, Flight %+v; want %d rows, population %v", got.HTTPCellsBBox, got.FlightQuery, sub.NumRows(), subPop)
	}

	// Errors reach the client as errors, and the server keeps serving.
	if got.HTTPMissing.Status != 404 || !strings.Contains(got.HTTPMissing.Body["error"], "nope") {
		t.Errorf("HTTP unknown table: %+v", got.HTTPMissing)
	}
	for key, want := range map[string]string{
		// pyarrow's types for gRPC NOT_FOUND and INVALID_ARGUMENT.
		"flight_missing":    "ArrowKeyError|no table \"nope\"",
		"flight_bad_ticket": "ArrowInvalid|ticket",
		"flight_bad_column": "ArrowInvalid|no column \"zz\"",
	} {
		e, ok := raw[key].(map[string]any)
		typ, msg, _ := strings.Cut(want, "|")
		if !ok || e["type"] != typ || !strings.Contains(e["message"].(string), msg) {
			t.Errorf("%s: got %v, want %s mentioning %q", key, raw[key], typ, msg)
		}
	}
	if rec := get(t, s.Handler(), "/readyz"); rec.Code != 200 {
		t.Errorf("after the bad requests /readyz = %d", rec.Code)
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

func near(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-9*max(1, a, b, -a, -b)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
