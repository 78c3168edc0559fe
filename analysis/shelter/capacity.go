package shelter

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
)

// A Shelter is one shelter as the engine needs it.
type Shelter struct {
	ID, Name string
	// Loc is the shelter's location, [lon, lat] WGS-84 degrees.
	Loc orb.Point
	// Class is a key of standard.Shelters.Classes (emergency, short_term,
	// …); "" takes the default class of the computation.
	Class string
	// Capacity is the declared number of places; <= 0 or NaN means not
	// declared (the SOS-RS data writes 0 for "unknown").
	Capacity float64
	// AreaM2 is the usable (effective) area in m²; <= 0 or NaN means unknown.
	AreaM2 float64
}

// Rule says how a shelter's capacity was found.
type Rule string

// The capacity rules. The area rule carries the class: "area/short_term".
const (
	RuleDeclared Rule = "declared" // the declared capacity
	RuleUnknown  Rule = "unknown"  // neither capacity nor area: 0 places
	RuleClosed   Rule = "closed"   // closed in a scenario (Input.Closed): 0 places
)

// AreaRule is the rule "usable area ÷ the class's m² per person".
func AreaRule(class string) Rule { return Rule("area/" + class) }

// Capacity is a shelter's places and how they were found.
type Capacity struct {
	Places float64 // people; 0 when Rule is RuleUnknown
	Rule   Rule
	// AppliedClass is the class that applied (the shelter's, or the
	// default), with its per-person area (m²) and reach on foot (m).
	AppliedClass    string
	AreaM2PerPerson float64
	ReachM          float64
	// EquivalentAreaM2 is the usable area, or for a declared capacity
	// without an area the area those places need (places × m² per person).
	EquivalentAreaM2 float64
}

// ErrUnknownClass is wrapped by the error for a class the standard lacks.
var ErrUnknownClass = errors.New("shelter: unknown shelter class")

// CapacityOf returns the capacity of s under the standard's classes:
// declared capacity if > 0, else area ÷ the class's m² per person (rounded
// down to whole people) if the area is > 0, else 0 places with RuleUnknown. defaultClass is the class of
// a shelter whose Class is "". A class missing from std.Classes is an error
// wrapping ErrUnknownClass (the reach is needed even for a declared
// capacity).
func CapacityOf(s Shelter, std standard.Shelters, defaultClass string) (Capacity, error) {
	class := s.Class
	if class == "" {
		class = defaultClass
	}
	c, ok := std.Classes[class]
	if !ok {
		names := make([]string, 0, len(std.Classes))
		for k := range std.Classes {
			names = append(names, k)
		}
		sort.Strings(names)
		return Capacity{}, fmt.Errorf("%w %q for shelter %s (the standard has: %s)", ErrUnknownClass, class, s.ID, strings.Join(names, ", "))
	}
	out := Capacity{AppliedClass: class, AreaM2PerPerson: c.AreaM2PerPerson, ReachM: c.ReachM, Rule: RuleUnknown}
	switch {
	case s.Capacity > 0 && !math.IsInf(s.Capacity, 0):
		out.Places, out.Rule = s.Capacity, RuleDeclared
		out.EquivalentAreaM2 = s.Capacity * c.AreaM2PerPerson
		if s.AreaM2 > 0 && !math.IsInf(s.AreaM2, 0) {
			out.EquivalentAreaM2 = s.AreaM2
		}
	case s.AreaM2 > 0 && !math.IsInf(s.AreaM2, 0):
		// Whole people: 100 m² at 4.5 m² a person is 22 places, not 22.2.
		// The 1e-9 keeps 9 m² at 4.5 from flooring 1.9999… to 1.
		out.Places, out.Rule = math.Floor(s.AreaM2/c.AreaM2PerPerson+1e-9), AreaRule(class)
		out.EquivalentAreaM2 = s.AreaM2
	}
	return out, nil
}
