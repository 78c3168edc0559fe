package facility

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/internal/limits"
)

// A Shelter is one shelter read from a file.
type Shelter struct {
	Point
	Name  string
	City  string
	Class string // shelter class (emergency, short_term, …); "" when not given
	// Capacity is the declared number of places; 0 means unknown (an empty
	// cell or a 0: the SOS-RS data write 0 for "not filled in").
	Capacity float64
	// AreaM2 is the usable area in m²; 0 means unknown.
	AreaM2 float64
	// Sheltered is the people actually sheltered at the last update
	// (SOS-RS sheltered_people); NaN when not given.
	Sheltered float64
	// Active is false for a shelter marked closed (SOS-RS actived=false,
	// or "[desativado]" in its name); true otherwise.
	Active bool
	// Kind is what the place is: KindShelter (people), or, from the
	// bracketed tags of SOS-RS names, KindPet ("[abrigo Pet]", "[exclusivo
	// Pets]"), KindDistribution ("[centro De Distribuição]", "[ponto De
	// Coleta]") or KindKitchen ("[cozinha]"). Only KindShelter houses people.
	Kind string
}

// The kinds of Shelter.Kind.
const (
	KindShelter      = "shelter"
	KindPet          = "pet"
	KindDistribution = "distribution"
	KindKitchen      = "kitchen"
)

// kindOf reads the kind from a name's bracketed tags ("Abrigo X [abrigo
// Pet]"); tags such as "[exclusivo Mulheres E Crianças]" restrict who is
// taken in but leave it a shelter for people.
func kindOf(name string) string {
	l := strings.ToLower(name)
	for {
		a := strings.IndexByte(l, '[')
		if a < 0 {
			return KindShelter
		}
		b := strings.IndexByte(l[a:], ']')
		if b < 0 {
			return KindShelter
		}
		tag := l[a+1 : a+b]
		l = l[a+b+1:]
		switch {
		case strings.Contains(tag, "pet") || strings.Contains(tag, "cães") || strings.Contains(tag, "gatos"):
			return KindPet
		case strings.Contains(tag, "distribuição") || strings.Contains(tag, "coleta") || strings.Contains(tag, "triagem"):
			return KindDistribution
		case strings.Contains(tag, "cozinha"):
			return KindKitchen
		}
	}
}

// ReadShelters reads shelters from a points file (see ReadPoints): CSV
// with id, lon, lat columns or GeoJSON points, and optional columns or
// properties name, city, class, capacity (places), area_m2 (usable area,
// m²), sheltered (or sheltered_people), active (true/false) and kind
// (default KindShelter). Empty
// values and a capacity or area of 0 mean unknown. Every other column
// stays in Attrs. A value that is not a number >= 0 is a *ParseError.
func ReadShelters(path string) ([]Shelter, error) {
	pts, err := ReadPoints(path)
	if err != nil {
		return nil, err
	}
	out := make([]Shelter, 0, len(pts))
	for _, p := range pts {
		s := Shelter{Point: p, Sheltered: math.NaN(), Active: true}
		bad := func(key string, err error) error {
			pe := &ParseError{File: path, Err: fmt.Errorf("%w: %s %q: %v", ErrBadValue, key, p.Attrs[key], err)}
			if isGeoJSON(path) {
				pe.Feature = p.Line
			} else {
				pe.Line = p.Line
			}
			return pe
		}
		for _, f := range []struct {
			keys []string
			dst  *float64
		}{
			{[]string{"capacity"}, &s.Capacity},
			{[]string{"area_m2"}, &s.AreaM2},
			{[]string{"sheltered", "sheltered_people"}, &s.Sheltered},
		} {
			for _, k := range f.keys {
				v, ok, err := count(p.Attrs[k])
				if err != nil {
					return nil, bad(k, err)
				}
				if ok {
					*f.dst = v
					delete(s.Attrs, k)
					break
				}
			}
		}
		s.Name = strings.TrimSpace(take(s.Attrs, "name"))
		s.City = strings.TrimSpace(take(s.Attrs, "city"))
		s.Class = strings.TrimSpace(take(s.Attrs, "class"))
		s.Kind = strings.TrimSpace(take(s.Attrs, "kind"))
		if s.Kind == "" {
			s.Kind = KindShelter
		}
		if a := strings.TrimSpace(take(s.Attrs, "active")); a != "" {
			v, err := strconv.ParseBool(a)
			if err != nil {
				return nil, bad("active", errors.New("want true or false"))
			}
			s.Active = v
		}
		out = append(out, s)
	}
	return out, nil
}

func isGeoJSON(path string) bool {
	l := strings.ToLower(path)
	return strings.HasSuffix(l, ".geojson") || strings.HasSuffix(l, ".json")
}

func take(m map[string]string, k string) string {
	v := m[k]
	delete(m, k)
	return v
}

// count parses a number of people or m²: "" is absent, otherwise a finite
// number >= 0.
func count(s string) (float64, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, false, errors.New("want a number >= 0")
	}
	return v, true, nil
}

// SOSRSRow identifies a row of the SOS-RS file that was set aside.
type SOSRSRow struct {
	Line     int // CSV line, header = 1
	ID, Name string
	City     string
	Reason   string
}

// SOSRSReport says what ReadSOSRS kept and what it set aside, and why.
type SOSRSReport struct {
	Rows int // data rows read
	Kept int
	// NoCoordinates are rows with an empty latitude or longitude: they are
	// counted and left out, never geocoded.
	NoCoordinates []SOSRSRow
	// BadCoordinates are rows whose coordinates are not numbers, or out of
	// range, or 0,0.
	BadCoordinates []SOSRSRow
	// Duplicates are rows left out because an earlier or better row has
	// the same name (case and spacing aside) and the same coordinates;
	// Reason names the row kept.
	Duplicates []SOSRSRow
	// Marked are rows whose name carries "[apagar]" ("delete"), the
	// volunteers' mark for a record to remove (in this file each stands
	// beside the same shelter under another name, or has no coordinates).
	Marked []SOSRSRow
	// UnknownCapacity counts the kept rows whose capacity is empty or 0;
	// Inactive the kept rows marked closed; Kinds the kept rows by Kind.
	UnknownCapacity, Inactive int
	Kinds                     map[string]int
}

// ReadSOSRS reads the shelter table of the SOS-RS volunteer site (May 2024
// Rio Grande do Sul floods; shared/data/porto-alegre/sosrs_shelters_2024-05.csv)
// as it is: UTF-8 CSV with the columns id, name, city, latitude, longitude,
// capacity, sheltered_people, actived (and more, kept in Attrs). It keeps
// rows with coordinates, one per duplicate group, and reports the rest:
// rows without coordinates (never geocoded), bad coordinates, duplicates
// (same name and same coordinates: the row with a declared capacity, else
// the latest updated_at, else the first is kept) and rows marked
// "[apagar]". Kind comes from the bracketed tags of the name (pet
// shelters, distribution points and kitchens are in the file too; the
// caller keeps KindShelter for people). A capacity of 0 or empty is unknown (Capacity 0); an empty
// sheltered_people is NaN. A missing column or a number that does not
// parse is a *ParseError.
func ReadSOSRS(path string) ([]Shelter, *SOSRSReport, error) {
	b, err := limits.ReadFile(path, limits.MaxTextFileBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("read shelters: %w", err)
	}
	return ParseSOSRS(path, b)
}

// ParseSOSRS is ReadSOSRS on bytes already read; name is used in messages.
func ParseSOSRS(name string, b []byte) ([]Shelter, *SOSRSReport, error) {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	r := csv.NewReader(bytes.NewReader(b))
	p, err := newSOSRSParser(name, r)
	if err != nil {
		return nil, nil, err
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, nil, &ParseError{File: name, Line: line, Err: err}
		}
		if err := p.row(rec, line); err != nil {
			return nil, nil, err
		}
	}
	out, rep := p.finish()
	if rep.Rows == 0 {
		return nil, nil, &ParseError{File: name, Err: fmt.Errorf("%w: the file has a header and no rows", ErrNoPoints)}
	}
	return out, rep, nil
}

// sosrsColumns are the columns the SOS-RS table must have (the others go
// to Attrs).
var sosrsColumns = []string{"id", "name", "city", "latitude", "longitude", "capacity", "sheltered_people"}

// sosrsKept is a kept row with its updated_at.
type sosrsKept struct {
	s       Shelter
	updated string
}

// sosrsParser reads the SOS-RS rows one by one.
type sosrsParser struct {
	name   string
	header []string
	col    map[string]int // lower-case column name → index
	rep    *SOSRSReport
	rows   []sosrsKept
	byKey  map[string]int // name + coordinates → index in rows
	seenID map[string]int // id → line
}

// newSOSRSParser reads the header and checks that every needed column is
// there.
func newSOSRSParser(name string, r *csv.Reader) (*sosrsParser, error) {
	header, err := r.Read()
	if err != nil {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("read header: %w", err)}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	var missing []string
	for _, k := range sosrsColumns {
		if _, ok := col[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("%w: no %s column in the SOS-RS header", ErrBadValue, strings.Join(missing, ", "))}
	}
	return &sosrsParser{name: name, header: header, col: col, rep: &SOSRSReport{},
		byKey: map[string]int{}, seenID: map[string]int{}}, nil
}

// row takes one row at line: an error for an empty or repeated id; marked,
// without or with bad coordinates into the report; else a shelter, kept
// unless a better duplicate is.
func (p *sosrsParser) row(rec []string, line int) error {
	p.rep.Rows++
	get := func(k string) string { return strings.TrimSpace(rec[p.col[k]]) }
	row := SOSRSRow{Line: line, ID: get("id"), Name: get("name"), City: get("city")}
	if row.ID == "" {
		return &ParseError{File: p.name, Line: line, Err: fmt.Errorf("%w: empty id", ErrBadValue)}
	}
	if first, dup := p.seenID[row.ID]; dup {
		return &ParseError{File: p.name, Line: line, Err: fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, row.ID, first)}
	}
	p.seenID[row.ID] = line
	if strings.Contains(strings.ToLower(row.Name), "[apagar]") {
		row.Reason = "name marked [apagar]"
		p.rep.Marked = append(p.rep.Marked, row)
		return nil
	}
	latS, lonS := get("latitude"), get("longitude")
	if latS == "" || lonS == "" {
		row.Reason = "no coordinates"
		p.rep.NoCoordinates = append(p.rep.NoCoordinates, row)
		return nil
	}
	lat, err1 := parseCoord(latS, 90)
	lon, err2 := parseCoord(lonS, 180)
	if err1 != nil || err2 != nil || (lat == 0 && lon == 0) {
		row.Reason = fmt.Sprintf("coordinates %q, %q", latS, lonS)
		p.rep.BadCoordinates = append(p.rep.BadCoordinates, row)
		return nil
	}
	s, err := p.shelter(rec, row, orb.Point{lon, lat})
	if err != nil {
		return err
	}
	k := sosrsKept{s: s}
	if i, ok := p.col["updated_at"]; ok {
		k.updated = strings.TrimSpace(rec[i])
	}
	p.keep(k, strings.Join(strings.Fields(strings.ToLower(s.Name)), " ")+"\x00"+latS+"\x00"+lonS)
	return nil
}

// shelter is the shelter of a row with good coordinates at loc: its
// counts, whether it is active, its kind and the other columns as Attrs.
func (p *sosrsParser) shelter(rec []string, row SOSRSRow, loc orb.Point) (Shelter, error) {
	get := func(k string) string { return strings.TrimSpace(rec[p.col[k]]) }
	s := Shelter{
		Point:     Point{ID: row.ID, Loc: loc, Line: row.Line, Attrs: map[string]string{}},
		Name:      row.Name,
		City:      row.City,
		Sheltered: math.NaN(),
		Active:    true,
		Kind:      kindOf(row.Name),
	}
	for _, f := range []struct {
		key string
		dst *float64
	}{{"capacity", &s.Capacity}, {"sheltered_people", &s.Sheltered}} {
		v, ok, err := count(get(f.key))
		if err != nil {
			return Shelter{}, &ParseError{File: p.name, Line: row.Line, Err: fmt.Errorf("%w: %s %q: %v", ErrBadValue, f.key, get(f.key), err)}
		}
		if ok {
			*f.dst = v
		}
	}
	if i, ok := p.col["actived"]; ok && strings.EqualFold(strings.TrimSpace(rec[i]), "false") {
		s.Active = false
	}
	if strings.Contains(strings.ToLower(s.Name), "[desativado]") {
		s.Active = false
	}
	for i, h := range p.header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "id", "name", "city", "latitude", "longitude", "capacity", "sheltered_people":
		default:
			s.Attrs[h] = rec[i]
		}
	}
	return s, nil
}

// keep keeps k unless a row with the same key (name and coordinates) is
// better: the one with a declared capacity, else the latest updated_at,
// else the first. The other goes to the report's duplicates.
func (p *sosrsParser) keep(k sosrsKept, key string) {
	at, dup := p.byKey[key]
	if !dup {
		p.byKey[key] = len(p.rows)
		p.rows = append(p.rows, k)
		return
	}
	old := p.rows[at]
	better := (k.s.Capacity > 0) != (old.s.Capacity > 0) && k.s.Capacity > 0 ||
		(k.s.Capacity > 0) == (old.s.Capacity > 0) && k.updated > old.updated
	drop, kept := old.s, k.s
	if better {
		p.rows[at] = k
	} else {
		drop, kept = k.s, old.s
	}
	p.rep.Duplicates = append(p.rep.Duplicates, SOSRSRow{Line: drop.Line, ID: drop.ID, Name: drop.Name, City: drop.City,
		Reason: fmt.Sprintf("same name and coordinates as line %d (%s), kept", kept.Line, kept.ID)})
}

// finish returns the kept shelters by line and the report's counts.
func (p *sosrsParser) finish() ([]Shelter, *SOSRSReport) {
	rep := p.rep
	out := make([]Shelter, len(p.rows))
	rep.Kinds = map[string]int{}
	for i, k := range p.rows {
		rep.Kinds[k.s.Kind]++
		out[i] = k.s
		if k.s.Capacity == 0 {
			rep.UnknownCapacity++
		}
		if !k.s.Active {
			rep.Inactive++
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Line < out[b].Line })
	sort.SliceStable(rep.Duplicates, func(a, b int) bool { return rep.Duplicates[a].Line < rep.Duplicates[b].Line })
	rep.Kept = len(out)
	return out, rep
}

// A Depot is an emergency supply depot read from a file.
type Depot struct {
	Point
	Name string
	// Stock is the quantity of each item: the columns or properties named
	// stock_<item>.
	Stock map[string]float64
}

// ReadDepots reads depots from a points file (see ReadPoints). Stock is
// given as columns or properties stock_<item> with a quantity >= 0 (empty:
// none). A quantity that is not a number >= 0 is a *ParseError.
func ReadDepots(path string) ([]Depot, error) {
	pts, err := ReadPoints(path)
	if err != nil {
		return nil, err
	}
	out := make([]Depot, 0, len(pts))
	for _, p := range pts {
		d := Depot{Point: p, Name: strings.TrimSpace(take(p.Attrs, "name")), Stock: map[string]float64{}}
		keys := make([]string, 0, len(p.Attrs))
		for k := range p.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			item, ok := strings.CutPrefix(k, "stock_")
			if !ok || item == "" {
				continue
			}
			v, ok, err := count(p.Attrs[k])
			if err != nil {
				pe := &ParseError{File: path, Err: fmt.Errorf("%w: %s %q: %v", ErrBadValue, k, p.Attrs[k], err)}
				if isGeoJSON(path) {
					pe.Feature = p.Line
				} else {
					pe.Line = p.Line
				}
				return nil, pe
			}
			if ok {
				d.Stock[item] = v
			}
			delete(d.Attrs, k)
		}
		out = append(out, d)
	}
	return out, nil
}
