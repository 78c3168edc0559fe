// Package standard holds the rules a study is judged by: the rescue circle,
// "135" rapid rescue, team sizes, shelter areas and reach, depot reach. The
// values are data, not code: package internal/study reads them from one YAML file
// per preset (the Chinese grassroots standards, "cn-grassroots", by default)
// and from a study's overrides. No threshold is a constant in code.
package standard

import (
	"errors"
	"fmt"
	"math"

	"github.com/rescuegrid/rescuegrid/analysis/isochrone"
)

// Standard is one set of rules. Times are minutes or seconds as the field
// names say; areas m²; distances metres; speeds km/h.
type Standard struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description"`
	// DescriptionZh is the description in Simplified Chinese, for Chinese
	// reports (empty: the English one is shown).
	DescriptionZh    string    `yaml:"description_zh" json:"description_zh,omitempty"`
	Rescue           Rescue    `yaml:"rescue" json:"rescue"`
	Teams            Teams     `yaml:"teams" json:"teams"`
	IsochroneMinutes []float64 `yaml:"isochrone_minutes" json:"isochrone_minutes"`
	Access           Access    `yaml:"access" json:"access"`
	Shelters         Shelters  `yaml:"shelters" json:"shelters"`
	Depots           Depots    `yaml:"depots" json:"depots"`
	Busy             Busy      `yaml:"busy" json:"busy"`
}

// Busy is how much of the time a team is out on calls, for expected
// coverage with busy teams (MEXCLP, Daskin 1983): a base's busy fraction,
// when not given, is CallsPerResidentYear × the residents it is the
// nearest base of × JobMinutes over a year. Zero values mean unset: a
// study deriving busy fractions then has to set them.
type Busy struct {
	CallsPerResidentYear float64 `yaml:"calls_per_resident_year" json:"calls_per_resident_year"`
	JobMinutes           float64 `yaml:"job_minutes" json:"job_minutes"` // dispatch to back in service
}

// BusyFraction is the share of the year a team is out on calls when it
// serves residents people: calls × job time / a year (365.25 days),
// capped at 1 (a team with more work than time is never free).
func (b Busy) BusyFraction(residents float64) float64 {
	const yearMinutes = 365.25 * 24 * 60
	return min(1, b.CallsPerResidentYear*residents*b.JobMinutes/yearMinutes)
}

// Rescue is the rescue circle.
type Rescue struct {
	Minutes                  float64 `yaml:"minutes" json:"minutes"`
	CoverageTarget           float64 `yaml:"coverage_target" json:"coverage_target"`
	TurnoutSeconds           float64 `yaml:"turnout_seconds" json:"turnout_seconds"`
	SecondBaseHorizonMinutes float64 `yaml:"second_base_horizon_minutes" json:"second_base_horizon_minutes"`
	Rapid                    Rapid   `yaml:"rapid" json:"rapid"`
}

// Rapid is "135" rapid rescue in built-up areas and industrial parks.
type Rapid struct {
	RespondMinutes        float64  `yaml:"respond_minutes" json:"respond_minutes"`
	FirstResponderMinutes float64  `yaml:"first_responder_minutes" json:"first_responder_minutes"`
	ProfessionalMinutes   float64  `yaml:"professional_minutes" json:"professional_minutes"`
	FirstResponderLevels  []string `yaml:"first_responder_levels" json:"first_responder_levels"`
	ProfessionalLevels    []string `yaml:"professional_levels" json:"professional_levels"`
}

// Teams are the minimum team sizes by level (township, village, …).
type Teams struct {
	MinMembers map[string]int `yaml:"min_members" json:"min_members"`
}

// Access is how points off the road reach it.
type Access struct {
	WalkKPH       float64 `yaml:"walk_kph" json:"walk_kph"`
	SnapDistanceM float64 `yaml:"snap_distance_m" json:"snap_distance_m"`
}

// ShelterClass is one class of shelter.
type ShelterClass struct {
	AreaM2PerPerson float64 `yaml:"area_m2_per_person" json:"area_m2_per_person"`
	ReachM          float64 `yaml:"reach_m" json:"reach_m"`
}

// Shelters are the shelter rules.
type Shelters struct {
	Classes    map[string]ShelterClass `yaml:"classes" json:"classes"`
	FixedShare float64                 `yaml:"fixed_share" json:"fixed_share"`
	WalkKPH    float64                 `yaml:"walk_kph" json:"walk_kph"`
}

// Depots are the material depot rules.
type Depots struct {
	ReachMinutes float64 `yaml:"reach_minutes" json:"reach_minutes"`
}

// Clone returns a deep copy.
func (s *Standard) Clone() *Standard {
	c := *s
	c.IsochroneMinutes = append([]float64(nil), s.IsochroneMinutes...)
	c.Rescue.Rapid.FirstResponderLevels = append([]string(nil), s.Rescue.Rapid.FirstResponderLevels...)
	c.Rescue.Rapid.ProfessionalLevels = append([]string(nil), s.Rescue.Rapid.ProfessionalLevels...)
	c.Teams.MinMembers = map[string]int{}
	for k, v := range s.Teams.MinMembers {
		c.Teams.MinMembers[k] = v
	}
	c.Shelters.Classes = map[string]ShelterClass{}
	for k, v := range s.Shelters.Classes {
		c.Shelters.Classes[k] = v
	}
	return &c
}

// Validate checks every value is in range; the error names the key.
func (s *Standard) Validate() error {
	pos := func(key string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%s = %v: want a number > 0", key, v)
		}
		return nil
	}
	for _, c := range []struct {
		key string
		v   float64
	}{
		{"rescue.minutes", s.Rescue.Minutes},
		{"rescue.second_base_horizon_minutes", s.Rescue.SecondBaseHorizonMinutes},
		{"rescue.rapid.first_responder_minutes", s.Rescue.Rapid.FirstResponderMinutes},
		{"rescue.rapid.professional_minutes", s.Rescue.Rapid.ProfessionalMinutes},
		{"access.walk_kph", s.Access.WalkKPH},
		{"access.snap_distance_m", s.Access.SnapDistanceM},
		{"shelters.walk_kph", s.Shelters.WalkKPH},
		{"depots.reach_minutes", s.Depots.ReachMinutes},
	} {
		if err := pos(c.key, c.v); err != nil {
			return err
		}
	}
	if s.Name == "" {
		return errors.New("name is empty")
	}
	if t := s.Rescue.CoverageTarget; !(t > 0 && t <= 1) {
		return fmt.Errorf("rescue.coverage_target = %v: want a share in (0, 1]", t)
	}
	if t := s.Rescue.TurnoutSeconds; !(t >= 0) || math.IsInf(t, 0) {
		return fmt.Errorf("rescue.turnout_seconds = %v: want a number >= 0", t)
	}
	if s.Rescue.SecondBaseHorizonMinutes < s.Rescue.Minutes {
		return fmt.Errorf("rescue.second_base_horizon_minutes = %v: want at least rescue.minutes (%v)", s.Rescue.SecondBaseHorizonMinutes, s.Rescue.Minutes)
	}
	if len(s.IsochroneMinutes) == 0 {
		return errors.New("isochrone_minutes is empty")
	}
	for i, m := range s.IsochroneMinutes {
		if err := pos(fmt.Sprintf("isochrone_minutes[%d]", i), m); err != nil {
			return err
		}
		if i > 0 && m <= s.IsochroneMinutes[i-1] {
			return fmt.Errorf("isochrone_minutes = %v: want increasing minutes", s.IsochroneMinutes)
		}
	}
	if err := isochrone.CheckMinutes(s.IsochroneMinutes); err != nil {
		return fmt.Errorf("isochrone_minutes = %v: %w", s.IsochroneMinutes, err)
	}
	for level, n := range s.Teams.MinMembers {
		if n < 0 {
			return fmt.Errorf("teams.min_members.%s = %d: want >= 0", level, n)
		}
	}
	for name, c := range s.Shelters.Classes {
		if err := pos("shelters.classes."+name+".area_m2_per_person", c.AreaM2PerPerson); err != nil {
			return err
		}
		if err := pos("shelters.classes."+name+".reach_m", c.ReachM); err != nil {
			return err
		}
	}
	for _, c := range []struct {
		key string
		v   float64
	}{{"busy.calls_per_resident_year", s.Busy.CallsPerResidentYear}, {"busy.job_minutes", s.Busy.JobMinutes}} {
		if !(c.v >= 0) || math.IsInf(c.v, 0) {
			return fmt.Errorf("%s = %v: want a number >= 0", c.key, c.v)
		}
	}
	if f := s.Shelters.FixedShare; !(f >= 0 && f <= 1) {
		return fmt.Errorf("shelters.fixed_share = %v: want a share in [0, 1]", f)
	}
	return nil
}

// RescueSeconds returns the rescue circle in seconds.
func (s *Standard) RescueSeconds() float64 { return s.Rescue.Minutes * 60 }

// WalkMPS returns the connector walking speed in metres per second.
func (s *Standard) WalkMPS() float64 { return s.Access.WalkKPH / 3.6 }
