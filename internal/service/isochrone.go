package service

import (
	"context"
	"math"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/graph"
	"github.com/rescuegrid/rescuegrid/analysis/isochrone"
	"github.com/rescuegrid/rescuegrid/analysis/route"
	"github.com/rescuegrid/rescuegrid/data/arrowio"
)

// MaxIsochroneBands is the most limits one isochrone request may ask for.
const MaxIsochroneBands = 12

// IsochroneQuery asks for the areas reached from a point.
type IsochroneQuery struct {
	At      orb.Point // lon, lat in degrees
	Minutes []float64 // increasing limits, each in (0, Limits.MaxMinutes]
	Res     int       // H3 resolution of the bands, 5..11; 0: the study's
}

// IsochroneResult is the bands reached within each limit, smallest first,
// and how far the point was from the road it starts on.
type IsochroneResult struct {
	Bands []isochrone.Band
	SnapM float64 // metres, rounded to 0.1
}

// Isochrone computes the areas reached from q.At within each of q.Minutes.
// A point with no road near it is refused (ErrRefused).
func (st *Study) Isochrone(ctx context.Context, q IsochroneQuery) (*IsochroneResult, error) {
	maxMin := st.svc.cfg.Limits.MaxMinutes
	if len(q.Minutes) == 0 || len(q.Minutes) > MaxIsochroneBands {
		return nil, Invalidf("minutes %v: want 1 to %d limits", q.Minutes, MaxIsochroneBands)
	}
	for i, m := range q.Minutes {
		if math.IsNaN(m) || m <= 0 || m > maxMin || (i > 0 && m <= q.Minutes[i-1]) {
			return nil, Invalidf("minutes %v: want increasing numbers in (0, %g]", q.Minutes, maxMin)
		}
	}
	if !validLonLat(q.At) {
		return nil, Invalidf("lon,lat %v,%v is not a location", q.At[0], q.At[1])
	}
	res := q.Res
	if res == 0 {
		res = st.In.Study.Resolution
	}
	if res < 5 || res > 11 {
		return nil, Invalidf("res %d: want 5 to 11", res)
	}
	sr := st.search()
	defer st.release(sr)
	bands, sn, err := isochrone.FromPoint(ctx, sr, q.At, q.Minutes, isochrone.Options{
		Res: res, Snap: graph.SnapOptions{MaxDistanceM: st.In.Study.Standard.Access.SnapDistanceM}})
	if err != nil {
		return nil, refused("", err)
	}
	return &IsochroneResult{Bands: bands, SnapM: math.Round(sn.DistanceM*10) / 10}, nil
}

// Record returns the bands as an Arrow record, one row per band, largest
// first (as in the GeoJSON); the caller releases it.
func (r *IsochroneResult) Record() arrow.Record {
	schema := arrow.NewSchema([]arrow.Field{
		arrowio.Field("minutes", arrow.PrimitiveTypes.Float64, arrowio.UnitMinutes, "drive-time limit of the band"),
		arrowio.Field("cells", arrow.PrimitiveTypes.Int64, "", "H3 cells reached within the limit"),
		arrowio.Field("snap_m", arrow.PrimitiveTypes.Float64, arrowio.UnitMetres, "distance from the point to the road it starts on"),
		arrowio.GeomField("geometry", "the band: reached H3 cells dissolved"),
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for j := len(r.Bands) - 1; j >= 0; j-- {
		b.Field(0).(*array.Float64Builder).Append(r.Bands[j].Minutes)
		b.Field(1).(*array.Int64Builder).Append(int64(len(r.Bands[j].Cells)))
		b.Field(2).(*array.Float64Builder).Append(r.SnapM)
		arrowio.AppendWKB(b.Field(3).(*array.BinaryBuilder), r.Bands[j].Geom)
	}
	return b.NewRecord()
}

// TravelTimeQuery asks for the drive time between two points (lon, lat in
// degrees).
type TravelTimeQuery struct {
	From, To orb.Point
}

// TravelTime is the answer to a TravelTimeQuery.
type TravelTime struct {
	FromSnapM float64  `json:"from_snap_m"` // metres from From to its road
	ToSnapM   float64  `json:"to_snap_m"`
	Reachable bool     `json:"reachable"`
	Seconds   *float64 `json:"seconds,omitempty"` // nil when not reachable
}

// TravelTime computes the drive time from q.From to q.To. A point with no
// road near it is refused (ErrRefused).
func (st *Study) TravelTime(ctx context.Context, q TravelTimeQuery) (*TravelTime, error) {
	if !validLonLat(q.From) || !validLonLat(q.To) {
		return nil, Invalidf("from %v to %v: want lon,lat in degrees", q.From, q.To)
	}
	g := st.In.Graph
	opt := graph.SnapOptions{MaxDistanceM: st.In.Study.Standard.Access.SnapDistanceM}
	a, err := g.Snap(q.From, opt)
	if err != nil {
		return nil, refused("from", err)
	}
	b, err := g.Snap(q.To, opt)
	if err != nil {
		return nil, refused("to", err)
	}
	sr := st.search()
	defer st.release(sr)
	// One target: the sweep restricted to the nodes PointTime reads, the
	// ends of b's road (RPHAST; Dijkstra on a graph without a hierarchy,
	// where Targets is nil).
	ends, k := g.SnapNodes(b)
	tg := route.NewTargets(g, ends[:k])
	if err := sr.Run(ctx, route.SnapSeeds(g, a, 0, 0), route.Options{Targets: tg}); err != nil {
		return nil, err
	}
	t, _, ok := route.PointTime(sr, b)
	out := &TravelTime{FromSnapM: a.DistanceM, ToSnapM: b.DistanceM, Reachable: ok}
	if ok {
		s := float64(t)
		out.Seconds = &s
	}
	return out, nil
}

func validLonLat(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && math.Abs(p[0]) <= 180 && math.Abs(p[1]) <= 90
}
