package facility_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rescuegrid/rescuegrid/data/facility"
	"github.com/rescuegrid/rescuegrid/internal/shared"
)

// The real SOS-RS file, as it is.
func TestReadSOSRSReal(t *testing.T) {
	t.Parallel()
	path := shared.Path(t, "data", "porto-alegre", "sosrs_shelters_2024-05.csv")
	got, rep, err := facility.ReadSOSRS(path)
	if err != nil {
		t.Fatal(err)
	}
	// SOURCE.md: 776 rows, 224 with coordinates. 13 are marked [apagar]
	// (3 of them with coordinates); no two rows share name and coordinates.
	if rep.Rows != 776 || len(rep.NoCoordinates) != 542 || len(rep.Marked) != 13 || len(rep.Duplicates) != 0 ||
		len(rep.BadCoordinates) != 0 || rep.Kept != 221 || len(got) != 221 {
		t.Errorf("report: %d rows, %d kept (%d returned), %d without coordinates, %d marked, %d duplicates, %d bad; want 776, 221, 542, 13, 0, 0",
			rep.Rows, rep.Kept, len(got), len(rep.NoCoordinates), len(rep.Marked), len(rep.Duplicates), len(rep.BadCoordinates))
	}
	if rep.Rows != rep.Kept+len(rep.NoCoordinates)+len(rep.Marked)+len(rep.Duplicates)+len(rep.BadCoordinates) {
		t.Errorf("rows %d != kept + set aside", rep.Rows)
	}
	if rep.Kinds[facility.KindShelter] != 216 || rep.Kinds[facility.KindPet] != 2 || rep.Kinds[facility.KindDistribution] != 3 {
		t.Errorf("kinds %v, want 216 shelters, 2 pet, 3 distribution", rep.Kinds)
	}
	if rep.UnknownCapacity != 133 || rep.Inactive != 12 {
		t.Errorf("unknown capacity %d, inactive %d; want 133 and 12", rep.UnknownCapacity, rep.Inactive)
	}
	byName := map[string]facility.Shelter{}
	var poa, poaCap int
	var poaCapSum float64
	for _, s := range got {
		if !utf8.ValidString(s.Name) {
			t.Errorf("line %d: name %q is not UTF-8", s.Line, s.Name)
		}
		byName[s.Name] = s
		if s.City == "Porto Alegre" {
			poa++
			if s.Capacity > 0 {
				poaCap++
				poaCapSum += s.Capacity
			}
		}
	}
	// SOURCE.md: Porto Alegre has 117 rows with coordinates (3 of them
	// marked [apagar]: 114 kept), 48 with both coordinates and capacity
	// (Igreja Da Lagoinha [apagar] had 80: 47 kept).
	if poa != 114 || poaCap != 47 {
		t.Errorf("Porto Alegre: %d kept, %d with capacity (sum %v); want 114 and 47", poa, poaCap, poaCapSum)
	}
	s, ok := byName["Paróquia São Vicente Mártir"]
	if !ok || s.Capacity != 47 || s.Sheltered != 47 || s.City != "Porto Alegre" ||
		math.Abs(s.Loc[0]+51.2412989) > 1e-9 || math.Abs(s.Loc[1]+30.1078132) > 1e-9 {
		t.Errorf("Paróquia São Vicente Mártir = %+v", s)
	}
	if s := byName["AFISVEC"]; s.Capacity != 0 || s.Sheltered != 145 || !s.Active {
		t.Errorf("AFISVEC (empty capacity, 145 sheltered) = capacity %v, sheltered %v, active %v", s.Capacity, s.Sheltered, s.Active)
	}
	if s := byName["Colégio Kennedy [desativado]"]; s.Active || s.Sheltered != 100 {
		t.Errorf("Colégio Kennedy [desativado]: active %v, sheltered %v", s.Active, s.Sheltered)
	}
	if s := byName["AMRIGS"]; !math.IsNaN(s.Sheltered) {
		t.Errorf("AMRIGS (empty sheltered_people): sheltered %v, want NaN", s.Sheltered)
	}
}

const sosrsHeader = "id,name,category,city,latitude,longitude,capacity,sheltered_people,actived,updated_at\n"

func TestParseSOSRS(t *testing.T) {
	t.Parallel()
	csv := "\xEF\xBB\xBF" + sosrsHeader +
		"a,Escola Ána,Shelter,Porto Alegre,-30.1,-51.2,0,12,true,2024-05-10\n" + // line 2
		"b,ESCOLA  ána,Shelter,Porto Alegre,-30.1,-51.2,80,40,true,2024-05-09\n" + // 3: duplicate of a, with a capacity: kept
		"c,Escola Ána,Shelter,Porto Alegre,-30.2,-51.2,,,true,2024-05-10\n" + // 4: same name, elsewhere: kept
		"d,Sem Coordenadas,Shelter,Canoas,,,100,90,true,2024-05-10\n" + // 5: no coordinates
		"e,Ginásio [apagar],Shelter,Porto Alegre,-30.3,-51.2,10,10,true,2024-05-10\n" + // 6: marked
		"f,Clube [desativado],Shelter,Porto Alegre,-30.4,-51.2,5,0,true,2024-05-10\n" + // 7: inactive
		"g,Canil [abrigo Pet],Shelter,Porto Alegre,-30.5,-51.2,,,false,2024-05-10\n" + // 8: pets, inactive
		"h,Depósito [centro De Distribuição],Shelter,,-30.6,-51.2,,,true,2024-05-10\n" + // 9
		"i,Zero,Shelter,Porto Alegre,0,0,1,1,true,2024-05-10\n" + // 10: bad coordinates
		"j,Casa [exclusivo Mulheres E Crianças],Shelter,Porto Alegre,-30.7,-51.2,20,25,true,2024-05-10\n" // 11
	got, rep, err := facility.ParseSOSRS("t.csv", []byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, ",") != "b,c,f,g,h,j" {
		t.Errorf("kept %v, want b,c,f,g,h,j", ids)
	}
	if len(rep.Duplicates) != 1 || rep.Duplicates[0].ID != "a" || rep.Duplicates[0].Line != 2 || !strings.Contains(rep.Duplicates[0].Reason, "line 3") {
		t.Errorf("duplicates %+v, want a (line 2) dropped for line 3", rep.Duplicates)
	}
	if len(rep.NoCoordinates) != 1 || rep.NoCoordinates[0].ID != "d" || len(rep.Marked) != 1 || rep.Marked[0].ID != "e" ||
		len(rep.BadCoordinates) != 1 || rep.BadCoordinates[0].ID != "i" {
		t.Errorf("report %+v", rep)
	}
	want := map[string]struct {
		cap, sheltered float64
		active         bool
		kind           string
	}{
		"b": {80, 40, true, facility.KindShelter},
		"c": {0, math.NaN(), true, facility.KindShelter},
		"f": {5, 0, false, facility.KindShelter},
		"g": {0, math.NaN(), false, facility.KindPet},
		"h": {0, math.NaN(), true, facility.KindDistribution},
		"j": {20, 25, true, facility.KindShelter},
	}
	for _, s := range got {
		w := want[s.ID]
		sameSheltered := s.Sheltered == w.sheltered || (math.IsNaN(s.Sheltered) && math.IsNaN(w.sheltered))
		if s.Capacity != w.cap || !sameSheltered || s.Active != w.active || s.Kind != w.kind {
			t.Errorf("%s = capacity %v sheltered %v active %v kind %s; want %+v", s.ID, s.Capacity, s.Sheltered, s.Active, s.Kind, w)
		}
	}
	if rep.UnknownCapacity != 3 || rep.Inactive != 2 || rep.Rows != 10 || rep.Kept != 6 {
		t.Errorf("unknown %d inactive %d rows %d kept %d; want 3, 2, 10, 6", rep.UnknownCapacity, rep.Inactive, rep.Rows, rep.Kept)
	}
	if got[0].Attrs["category"] != "Shelter" || got[0].Attrs["updated_at"] != "2024-05-09" {
		t.Errorf("attrs %v", got[0].Attrs)
	}
}

func TestParseSOSRSErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, csv string
		line      int
		want      error
	}{
		{"missing column", "id,name,city,latitude,longitude,capacity\n", 1, facility.ErrBadValue},
		{"bad capacity", sosrsHeader + "a,X,Shelter,Y,-30,-51,lots,1,true,\n", 2, facility.ErrBadValue},
		{"negative sheltered", sosrsHeader + "a,X,Shelter,Y,-30,-51,1,-4,true,\n", 2, facility.ErrBadValue},
		{"duplicate id", sosrsHeader + "a,X,Shelter,Y,-30,-51,1,1,true,\na,Z,Shelter,Y,-31,-51,1,1,true,\n", 3, facility.ErrDuplicateID},
		{"no rows", sosrsHeader, 0, facility.ErrNoPoints},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := facility.ParseSOSRS("t.csv", []byte(tt.csv))
			var pe *facility.ParseError
			if !errors.As(err, &pe) || pe.Line != tt.line || !errors.Is(err, tt.want) {
				t.Errorf("ParseSOSRS error = %v, want a ParseError on line %d wrapping %v", err, tt.line, tt.want)
			}
		})
	}
}

func TestReadShelters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "s.csv")
	if err := os.WriteFile(csvPath, []byte("id,lon,lat,name,class,capacity,area_m2,sheltered,active,owner\n"+
		"s1,-51.2,-30.0,Ginásio Tesourinha,long_term,,2000,,true,city\n"+
		"s2,-51.3,-30.1,Escola,,150,0,30,false,state\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := facility.ReadShelters(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "Ginásio Tesourinha" || got[0].Class != "long_term" || got[0].AreaM2 != 2000 || got[0].Capacity != 0 ||
		!math.IsNaN(got[0].Sheltered) || !got[0].Active || got[0].Attrs["owner"] != "city" || got[0].Kind != facility.KindShelter ||
		got[1].Capacity != 150 || got[1].Sheltered != 30 || got[1].Active || got[1].Class != "" {
		t.Errorf("ReadShelters = %+v", got)
	}
	if _, ok := got[0].Attrs["area_m2"]; ok {
		t.Errorf("area_m2 left in Attrs: %v", got[0].Attrs)
	}
	gj := filepath.Join(dir, "s.geojson")
	if err := os.WriteFile(gj, []byte(`{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"id":"g1","capacity":300,"class":"emergency"},"geometry":{"type":"Point","coordinates":[-51.2,-30.0]}},
		{"type":"Feature","properties":{"id":"g2","area_m2":"lots"},"geometry":{"type":"Point","coordinates":[-51.2,-30.0]}}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = facility.ReadShelters(gj)
	var pe *facility.ParseError
	if !errors.As(err, &pe) || pe.Feature != 2 || !errors.Is(err, facility.ErrBadValue) {
		t.Errorf("bad area in feature 2: error %v", err)
	}
}

func TestReadDepots(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(path, []byte("id,lon,lat,name,stock_water_l,stock_blankets,note\n"+
		"d1,-51.2,-30.0,Armazém Central,50000,,x\n"+
		"d2,-51.3,-30.1,Depósito 2,0,300,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := facility.ReadDepots(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "Armazém Central" || got[0].Stock["water_l"] != 50000 || len(got[0].Stock) != 1 ||
		got[1].Stock["blankets"] != 300 || got[1].Stock["water_l"] != 0 || got[0].Attrs["note"] != "x" {
		t.Errorf("ReadDepots = %+v", got)
	}
	if err := os.WriteFile(path, []byte("id,lon,lat,stock_water_l\nd1,-51.2,-30.0,-5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var pe *facility.ParseError
	if _, err := facility.ReadDepots(path); !errors.As(err, &pe) || pe.Line != 2 {
		t.Errorf("negative stock: error %v, want a ParseError on line 2", err)
	}
}
