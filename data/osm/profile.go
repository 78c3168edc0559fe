package osm

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"github.com/rescuegrid/rescuegrid/internal/limits"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

//go:embed profiles/*.json
var builtinProfiles embed.FS

// Profile is a travel profile as data: which OSM ways are routable, at what
// speed, in which direction. The built-in profiles are profiles/*.json; a
// user may pass their own file (see LoadProfile). Tag values are compared as
// whole, case-sensitive strings, as the road-graph contract requires.
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// SpeedsKPH maps a highway value to its speed in km/h. A way whose
	// highway value is not a key here is not routable.
	SpeedsKPH map[string]float64 `json:"speeds_kph"`
	// Deny drops a way when any rule matches, unless an Allow rule matches.
	Deny []TagRule `json:"deny,omitempty"`
	// Allow keeps a way that a Deny rule would drop.
	Allow []TagRule `json:"allow,omitempty"`
	// UseMaxspeed takes a parseable maxspeed tag (km/h, or "N mph") over the
	// table speed.
	UseMaxspeed bool        `json:"use_maxspeed"`
	Oneway      OnewayRules `json:"oneway"`
	// SpeedFactor multiplies every speed (emergency vehicles, night, rain).
	// Zero means 1.
	SpeedFactor float64 `json:"speed_factor,omitempty"`
	// Barriers, when set, closes barrier nodes (bollards, gates, ...) to
	// through traffic. Nil (the drive profile's default, as the road-graph
	// contract wants) ignores barriers.
	Barriers *BarrierRules `json:"barriers,omitempty"`
	// TurnRestrictions, when set, builds OSM turn restrictions (type=restriction
	// relations) into the graph. Nil (the drive profile's default, as the
	// road-graph contract wants) ignores them.
	TurnRestrictions *TurnRules `json:"turn_restrictions,omitempty"`
}

// A TagRule matches a way whose tag Key has one of Values, unless the way's
// highway is in ExceptHighway.
type TagRule struct {
	Key           string   `json:"key"`
	Values        []string `json:"values"`
	ExceptHighway []string `json:"except_highway,omitempty"`
}

// OnewayRules decide a way's direction, in this order: Forward values of
// oneway, Backward values, Cancel values (both ways), then implied one-way
// by junction or highway, else both ways. Ignore makes every way two-way.
type OnewayRules struct {
	Ignore          bool     `json:"ignore,omitempty"`
	Forward         []string `json:"forward,omitempty"`
	Backward        []string `json:"backward,omitempty"`
	Cancel          []string `json:"cancel,omitempty"`
	ImpliedJunction []string `json:"implied_junction,omitempty"`
	ImpliedHighway  []string `json:"implied_highway,omitempty"`
}

// Direction says which way traffic may use a way, relative to its node order.
type Direction uint8

// The directions of a way.
const (
	Both Direction = iota
	Forward
	Backward
)

// ProfileNames lists the built-in profiles.
func ProfileNames() []string {
	entries, _ := builtinProfiles.ReadDir("profiles")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// BuiltinProfile returns the built-in profile called name.
func BuiltinProfile(name string) (*Profile, error) {
	b, err := builtinProfiles.ReadFile("profiles/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("unknown profile %q (built-in profiles: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return parseProfile(b, "built-in profile "+name)
}

// LoadProfile reads a profile from a JSON file. Unknown keys, unknown
// highway speeds <= 0 and an empty speed table are errors naming the file.
func LoadProfile(path string) (*Profile, error) {
	b, err := limits.ReadFile(path, limits.MaxTextFileBytes)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	return parseProfile(b, path)
}

func parseProfile(b []byte, origin string) (*Profile, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("profile %s: %w", origin, err)
	}
	// Decode stops after the first value: a stray brace or a second profile
	// after it would go unnoticed.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("profile %s: unexpected data after the profile's JSON object", origin)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profile %s: %w", origin, err)
	}
	return &p, nil
}

// Validate checks that the profile can build a graph.
func (p *Profile) Validate() error {
	if p.Name == "" {
		return fmt.Errorf("name is empty")
	}
	if len(p.SpeedsKPH) == 0 {
		return fmt.Errorf("speeds_kph is empty: no way would be routable")
	}
	for hw, v := range p.SpeedsKPH {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("speeds_kph[%q] = %v, want a speed > 0", hw, v)
		}
	}
	if p.SpeedFactor < 0 || math.IsNaN(p.SpeedFactor) || math.IsInf(p.SpeedFactor, 0) {
		return fmt.Errorf("speed_factor = %v, want > 0 (0 means 1)", p.SpeedFactor)
	}
	if p.Barriers != nil {
		if err := p.Barriers.validate(); err != nil {
			return err
		}
	}
	if p.TurnRestrictions != nil {
		if err := p.TurnRestrictions.validate(); err != nil {
			return err
		}
	}
	for _, r := range append(slices.Clone(p.Deny), p.Allow...) {
		if r.Key == "" || len(r.Values) == 0 {
			return fmt.Errorf("a deny/allow rule needs a key and values, got %+v", r)
		}
	}
	return nil
}

// SetUniformSpeed gives every routable highway class the speed kph (the walk
// profile's walking speed).
func (p *Profile) SetUniformSpeed(kph float64) {
	for hw := range p.SpeedsKPH {
		p.SpeedsKPH[hw] = kph
	}
}

// Tags is the read-only view of a way's tags the profile needs.
type Tags interface {
	Find(key string) string
}

func (r TagRule) match(tags Tags, highway string) bool {
	return slices.Contains(r.Values, tags.Find(r.Key)) && !slices.Contains(r.ExceptHighway, highway)
}

// A WayVerdict is what the profile says about one way.
type WayVerdict struct {
	Routable  bool
	Denied    bool    // routable class, dropped by a deny rule
	SpeedKPH  float64 // speed after maxspeed and factor
	Maxspeed  int8    // 1 maxspeed used, -1 present but not parseable, 0 absent or unused
	Direction Direction
}

// Judge applies the profile to a way's tags.
func (p *Profile) Judge(tags Tags) WayVerdict {
	hw := tags.Find("highway")
	base, ok := p.SpeedsKPH[hw]
	if !ok {
		return WayVerdict{}
	}
	for _, d := range p.Deny {
		if d.match(tags, hw) {
			allowed := false
			for _, a := range p.Allow {
				if a.match(tags, hw) {
					allowed = true
					break
				}
			}
			if !allowed {
				return WayVerdict{Denied: true}
			}
			break
		}
	}
	v := WayVerdict{Routable: true, SpeedKPH: base}
	if p.UseMaxspeed {
		if raw := tags.Find("maxspeed"); raw != "" {
			if kph, ok := ParseMaxspeed(raw); ok {
				v.SpeedKPH, v.Maxspeed = kph, 1
			} else {
				v.Maxspeed = -1
			}
		}
	}
	if f := p.SpeedFactor; f > 0 && f != 1 {
		v.SpeedKPH *= f
	}
	v.Direction = p.direction(tags, hw)
	return v
}

func (p *Profile) direction(tags Tags, hw string) Direction {
	o := p.Oneway
	if o.Ignore {
		return Both
	}
	ow := tags.Find("oneway")
	switch {
	case slices.Contains(o.Forward, ow):
		return Forward
	case slices.Contains(o.Backward, ow):
		return Backward
	case slices.Contains(o.Cancel, ow):
		return Both
	case slices.Contains(o.ImpliedJunction, tags.Find("junction")), slices.Contains(o.ImpliedHighway, hw):
		return Forward
	}
	return Both
}

var (
	reKPH = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	reMPH = regexp.MustCompile(`^([0-9]+(\.[0-9]+)?) ?mph$`)
)

// MphToKph converts miles per hour to km/h (1 mile = 1609.344 m exactly).
const MphToKph = 1.609344

// ParseMaxspeed parses an OSM maxspeed value by the contract's rule: the
// whole value is a decimal number (km/h) or a decimal number and "mph" with
// at most one space; the result must be > 0. Anything else ("50;30", "none",
// "RU:urban", "50 km/h", " 50", "1e2") is not parseable.
func ParseMaxspeed(s string) (kph float64, ok bool) {
	if reKPH.MatchString(s) {
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil && v > 0
	}
	if m := reMPH.FindStringSubmatch(s); m != nil {
		v, err := strconv.ParseFloat(m[1], 64)
		kph = v * MphToKph // can overflow to +Inf where v did not: not a speed
		return kph, err == nil && v > 0 && !math.IsInf(kph, 0)
	}
	return 0, false
}
