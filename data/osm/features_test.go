package osm_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/rescuegrid/rescuegrid/data/osm"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// TestExtractFireStationsContract checks the fixture's node and way
// stations against contract_expected/fire_stations.csv, coordinates to the
// last bit.
func TestExtractFireStationsContract(t *testing.T) {
	fs, err := osm.ExtractFeatures(context.Background(), shared.Path(t, "reference", "contract.osm"),
		[]osm.TagMatch{{Key: "amenity", Value: "fire_station"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := readCSV(t, shared.Path(t, "reference", "contract_expected", "fire_stations.csv"))
	if len(fs) != len(want) {
		t.Fatalf("%d stations, want %d", len(fs), len(want))
	}
	for i, w := range want {
		f := fs[i]
		lon, _ := strconv.ParseFloat(w[3], 64)
		lat, _ := strconv.ParseFloat(w[4], 64)
		if f.Type != w[0] || fmt.Sprint(f.ID) != w[1] || f.Tags["name"] != w[2] || f.Loc[0] != lon || f.Loc[1] != lat {
			t.Errorf("station %d = %s %d %q %v, want %v", i, f.Type, f.ID, f.Tags["name"], f.Loc, w)
		}
	}
}

// TestExtractFireStationsAndorra finds the five Andorran stations the peers
// used (shared/reference/andorra/results.md): two nodes and three ways.
func TestExtractFireStationsAndorra(t *testing.T) {
	fs, err := osm.ExtractFeatures(context.Background(), shared.Path(t, "data", "andorra", "andorra.osm.pbf"),
		[]osm.TagMatch{{Key: "amenity", Value: "fire_station"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Ref())
	}
	want := []string{"node/2966663490", "node/6775197585", "way/330823762", "way/631235779", "way/704181819"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stations = %v, want %v", got, want)
	}
}

func TestParseTagMatch(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    osm.TagMatch
		wantErr bool
	}{
		{"amenity=fire_station", osm.TagMatch{Key: "amenity", Value: "fire_station"}, false},
		{"emergency=*", osm.TagMatch{Key: "emergency", Value: "*"}, false},
		{"amenity", osm.TagMatch{}, true},
		{"=x", osm.TagMatch{}, true},
		{"amenity=", osm.TagMatch{}, true},
	} {
		got, err := osm.ParseTagMatch(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseTagMatch(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestWayNames reads the labels of Andorra's named and numbered ways and
// checks them against the tags ExtractFeatures reads for the same ways;
// an id not in the file gets no label.
func TestWayNames(t *testing.T) {
	path := shared.Path(t, "data", "andorra", "andorra.osm.pbf")
	fs, err := osm.ExtractFeatures(context.Background(), path, []osm.TagMatch{{Key: "highway", Value: "*"}}, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{}
	var ids []int64
	for _, f := range fs {
		if f.Type != "way" {
			continue
		}
		ids = append(ids, f.ID)
		name, ref := f.Tags["name"], f.Tags["ref"]
		switch {
		case name != "" && ref != "":
			want[f.ID] = name + " (" + ref + ")"
		case name != "" || ref != "":
			want[f.ID] = name + ref
		}
	}
	ids = append(ids, -1)
	got, err := osm.WayNames(context.Background(), path, ids, osm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 100 || len(got) != len(want) {
		t.Fatalf("%d labels, want %d (of %d ways)", len(got), len(want), len(ids)-1)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("way %d = %q, want %q", id, got[id], w)
		}
	}
}
