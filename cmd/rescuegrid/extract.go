package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb/geojson"
	"github.com/rescuegrid/rescuegrid/data/csvio"
	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/outdir"
)

const extractHelp = `
Extract facilities (rescue bases, shelters, depots…) from the tags of an
OpenStreetMap extract, as points: nodes at their location, ways (buildings)
at the mean of their nodes. Write CSV (id,lon,lat,name,osm_type,osm_id, then
the filter keys) or GeoJSON (when --out ends in .geojson), ready for
'reach --sources'.

Usage:
  rescuegrid extract --pbf FILE.osm.pbf --tag KEY=VALUE [--tag KEY=VALUE …] --out FILE

Example (Andorra's fire stations):
  rescuegrid extract --pbf data/sample/andorra/andorra.osm.pbf \
      --tag amenity=fire_station --out fire_stations.csv
`

type tagList []osm.TagMatch

func (l *tagList) String() string { return fmt.Sprint(*l) }
func (l *tagList) Set(s string) error {
	m, err := osm.ParseTagMatch(s)
	if err != nil {
		return err
	}
	*l = append(*l, m)
	return nil
}

func extract(ctx context.Context, args []string, e *env) error {
	fs := newFlags("extract", extractHelp, e)
	pbf := fs.String("pbf", "", "OpenStreetMap extract to read")
	out := fs.String("out", "", "file to write (.csv or .geojson), or - for CSV on standard output")
	var tags tagList
	fs.Var(&tags, "tag", "KEY=VALUE (or KEY=*) to select; repeat for several (any matches)")
	pos, err := parse(fs, args, e)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("extract: unexpected argument %q", pos[0])
	}
	if *pbf == "" || *out == "" || len(tags) == 0 {
		return usageErr("extract: --pbf, --tag and --out are required (run 'rescuegrid extract --help')")
	}
	if err := checkOutFile(*out); err != nil {
		return err
	}
	feats, err := osm.ExtractFeatures(ctx, *pbf, tags, osm.Options{})
	if err != nil {
		return err
	}
	if len(feats) == 0 {
		e.warn(e.lang.T("extract.no_match", "pbf", *pbf, "tags", fmt.Sprint(tags)))
	}
	keys := []string{}
	seen := map[string]bool{"name": true}
	for _, t := range tags {
		if !seen[t.Key] {
			seen[t.Key] = true
			keys = append(keys, t.Key)
		}
	}
	write := func(w io.Writer) error {
		if strings.HasSuffix(strings.ToLower(*out), ".geojson") {
			fc := geojson.NewFeatureCollection()
			for _, f := range feats {
				gf := geojson.NewFeature(f.Loc)
				gf.Properties["id"] = f.Ref()
				gf.Properties["osm_type"] = f.Type
				gf.Properties["osm_id"] = f.ID
				names := make([]string, 0, len(f.Tags))
				for k := range f.Tags {
					names = append(names, k)
				}
				sort.Strings(names)
				for _, k := range names {
					gf.Properties[k] = f.Tags[k]
				}
				fc.Append(gf)
			}
			b, err := fc.MarshalJSON()
			if err != nil {
				return err
			}
			_, err = w.Write(append(b, '\n'))
			return err
		}
		bw := bufio.NewWriter(w)
		bw.WriteString("id,lon,lat,name,osm_type,osm_id")
		for _, k := range keys {
			bw.WriteString("," + csvio.Field(k))
		}
		bw.WriteString("\n")
		for _, f := range feats {
			row := csvio.AppendField(nil, f.Ref())
			row = append(row, ',')
			row = strconv.AppendFloat(row, f.Loc[0], 'g', -1, 64)
			row = append(row, ',')
			row = strconv.AppendFloat(row, f.Loc[1], 'g', -1, 64)
			row = append(row, ',')
			row = csvio.AppendField(row, f.Tags["name"])
			row = append(row, ',')
			row = append(row, f.Type...)
			row = append(row, ',')
			row = strconv.AppendInt(row, f.ID, 10)
			for _, k := range keys {
				row = append(row, ',')
				row = csvio.AppendField(row, f.Tags[k])
			}
			bw.Write(append(row, '\n'))
		}
		return bw.Flush()
	}
	if *out == "-" {
		err = write(e.stdout)
	} else {
		err = outdir.WriteFile(ctx, *out, write)
	}
	if err != nil {
		return err
	}
	e.infof("%s", e.lang.T("extract.done", "n", len(feats), "pbf", *pbf))
	return nil
}
