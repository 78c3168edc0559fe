package study

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/rescuegrid/rescuegrid/data/csvio"
	"github.com/rescuegrid/rescuegrid/geo"
	"github.com/rescuegrid/rescuegrid/geo/coordsys"
)

// GCJ02Suffix marks the GCJ-02 copy of an output file: cells.geojson has
// its copy in cells.gcj02.geojson, gaps.csv in gaps.gcj02.csv.
const GCJ02Suffix = ".gcj02"

// writeGCJ02Copies writes, beside every GeoJSON file and every CSV file
// with lon and lat columns among files (names inside dir), a copy in
// GCJ-02 for overlay on Amap-style base maps (the outputs themselves stay
// WGS-84). It returns the names of the copies. Other columns and
// properties are copied as they are.
func writeGCJ02Copies(dir string, files []string) ([]string, error) {
	var out []string
	for _, name := range files {
		ext := filepath.Ext(name)
		base := strings.TrimSuffix(name, ext)
		var (
			b   []byte
			err error
		)
		switch ext {
		case ".geojson":
			b, err = gcj02GeoJSON(filepath.Join(dir, name))
		case ".csv":
			b, err = gcj02CSV(filepath.Join(dir, name))
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("GCJ-02 copy of %s: %w", name, err)
		}
		if b == nil {
			continue // a CSV without coordinates
		}
		copyName := base + GCJ02Suffix + ext
		if err := os.WriteFile(filepath.Join(dir, copyName), b, 0o644); err != nil {
			return nil, fmt.Errorf("GCJ-02 copy of %s: %w", name, err)
		}
		out = append(out, copyName)
	}
	return out, nil
}

func gcj02GeoJSON(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fc, err := geo.Features(b)
	if err != nil {
		return nil, err
	}
	return json.Marshal(coordsys.FeatureCollection(coordsys.WGS84, coordsys.GCJ02, fc))
}

func gcj02CSV(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	iLon, iLat := slices.Index(rows[0], "lon"), slices.Index(rows[0], "lat")
	if iLon < 0 || iLat < 0 {
		return nil, nil
	}
	for _, r := range rows[1:] {
		lon, err1 := strconv.ParseFloat(r[iLon], 64)
		lat, err2 := strconv.ParseFloat(r[iLat], 64)
		if err1 != nil || err2 != nil {
			continue // an empty (null) position stays empty
		}
		p := coordsys.WGS84ToGCJ02(orb.Point{lon, lat})
		r[iLon] = strconv.FormatFloat(p[0], 'f', 7, 64)
		r[iLat] = strconv.FormatFloat(p[1], 'f', 7, 64)
	}
	var buf []byte
	for _, r := range rows {
		buf = csvio.AppendRow(buf, r...)
	}
	return buf, nil
}
