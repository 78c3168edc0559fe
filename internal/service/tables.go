package service

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/paulmach/orb"
)

// TableQuery asks for some rows and columns of one table: the same
// question over HTTP (query parameters) and Arrow Flight (a JSON ticket).
type TableQuery struct {
	Study   string   `json:"study,omitempty"` // a study id; "" the default
	Table   string   `json:"table"`
	Columns []string `json:"columns,omitempty"`
	BBox    string   `json:"bbox,omitempty"` // minLon,minLat,maxLon,maxLat, degrees
	Unit    string   `json:"unit,omitempty"` // a unit_id
}

// TableInfo describes one table.
type TableInfo struct {
	Name    string   `json:"name"`
	Rows    int64    `json:"rows"`
	Columns []string `json:"columns"`
}

// TableInfos describes the study's tables, by name.
func (st *Study) TableInfos() []TableInfo {
	var out []TableInfo
	for name, rec := range st.Tables {
		i := TableInfo{Name: name, Rows: rec.NumRows()}
		for _, f := range rec.Schema().Fields() {
			i.Columns = append(i.Columns, f.Name)
		}
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// Query answers a TableQuery (its Study is not looked at: the receiver is
// the study) with a new record; the caller releases it.
func (st *Study) Query(ctx context.Context, q TableQuery) (arrow.Record, error) {
	rec, ok := st.Tables[q.Table]
	if !ok {
		return nil, NotFoundf("no table %s (tables: %s)", Quote(q.Table), strings.Join(st.TableNames(), ", "))
	}
	rows, err := st.selectRows(q.Table, rec, q.BBox, q.Unit)
	if err != nil {
		return nil, err
	}
	var cols []int
	for _, n := range q.Columns {
		idx := rec.Schema().FieldIndices(strings.TrimSpace(n))
		if len(idx) != 1 {
			return nil, Invalidf("columns: no column %s in table %s", Quote(n), q.Table)
		}
		cols = append(cols, idx[0])
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Subset(rec, rows, cols)
}

// ParseBBox reads "minLon,minLat,maxLon,maxLat" (degrees) no larger than
// maxDeg2 square degrees.
func ParseBBox(s string, maxDeg2 float64) (orb.Bound, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, Invalidf("bbox=%s: want minLon,minLat,maxLon,maxLat", Quote(s))
	}
	var v [4]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return orb.Bound{}, Invalidf("bbox=%s: %s is not a number", Quote(s), Quote(p))
		}
		v[i] = f
	}
	if v[0] > v[2] || v[1] > v[3] || math.Abs(v[0]) > 180 || math.Abs(v[2]) > 180 || math.Abs(v[1]) > 90 || math.Abs(v[3]) > 90 {
		return orb.Bound{}, Invalidf("bbox=%q: want min <= max within lon -180..180, lat -90..90", s)
	}
	if (v[2]-v[0])*(v[3]-v[1]) > maxDeg2 {
		return orb.Bound{}, Invalidf("bbox=%q: larger than the limit of %g square degrees", s, maxDeg2)
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, nil
}

// selectRows returns the rows passing the bbox and unit filters (nil: all).
func (st *Study) selectRows(name string, rec arrow.Record, bbox, unit string) ([]int, error) {
	if bbox == "" && unit == "" {
		return nil, nil
	}
	n := int(rec.NumRows())
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	if bbox != "" {
		b, err := ParseBBox(bbox, st.svc.cfg.Limits.MaxBBoxDeg2)
		if err != nil {
			return nil, err
		}
		bounds, ok := st.bounds[name]
		if !ok {
			return nil, Invalidf("table %s has no geometry to filter by bbox", name)
		}
		for i := range keep {
			keep[i] = keep[i] && bounds[i].Intersects(b)
		}
	}
	if unit != "" {
		idx := rec.Schema().FieldIndices("unit_id")
		if len(idx) != 1 {
			return nil, Invalidf("table %s has no unit_id column", name)
		}
		col := rec.Column(idx[0]).(*array.String)
		for i := range keep {
			keep[i] = keep[i] && col.IsValid(i) && col.Value(i) == unit
		}
	}
	rows := []int{}
	for i, k := range keep {
		if k {
			rows = append(rows, i)
		}
	}
	return rows, nil
}

// Subset returns the chosen rows (nil: all) and columns (nil: all) of rec
// as a new record; the caller releases it.
func Subset(rec arrow.Record, rows []int, cols []int) (arrow.Record, error) {
	if cols == nil {
		for i := 0; i < int(rec.NumCols()); i++ {
			cols = append(cols, i)
		}
	}
	fields := make([]arrow.Field, len(cols))
	arrays := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrays {
			if a != nil {
				a.Release()
			}
		}
	}()
	nrows := rec.NumRows()
	for k, c := range cols {
		fields[k] = rec.Schema().Field(c)
		col := rec.Column(c)
		if rows == nil {
			col.Retain()
			arrays[k] = col
			continue
		}
		// Contiguous runs of rows become slices, concatenated once.
		var parts []arrow.Array
		for i := 0; i < len(rows); {
			j := i + 1
			for j < len(rows) && rows[j] == rows[j-1]+1 {
				j++
			}
			parts = append(parts, array.NewSlice(col, int64(rows[i]), int64(rows[j-1]+1)))
			i = j
		}
		var err error
		if len(parts) == 0 {
			arrays[k] = array.MakeArrayOfNull(memory.DefaultAllocator, col.DataType(), 0)
		} else {
			arrays[k], err = array.Concatenate(parts, memory.DefaultAllocator)
		}
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, err
		}
		nrows = int64(len(rows))
	}
	md := rec.Schema().Metadata()
	return array.NewRecord(arrow.NewSchema(fields, &md), arrays, nrows), nil
}
