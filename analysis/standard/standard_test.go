package standard_test

import (
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/standard"
)

func valid() *standard.Standard {
	return &standard.Standard{
		Name:             "t",
		Rescue:           standard.Rescue{Minutes: 15, CoverageTarget: 1, SecondBaseHorizonMinutes: 30, Rapid: standard.Rapid{FirstResponderMinutes: 3, ProfessionalMinutes: 5}},
		Teams:            standard.Teams{MinMembers: map[string]int{"township": 20}},
		IsochroneMinutes: []float64{5, 10, 15},
		Access:           standard.Access{WalkKPH: 4.5, SnapDistanceM: 500},
		Shelters:         standard.Shelters{Classes: map[string]standard.ShelterClass{"emergency": {AreaM2PerPerson: 0.5, ReachM: 500}}, FixedShare: 0.15, WalkKPH: 4.5},
		Depots:           standard.Depots{ReachMinutes: 30},
	}
}

func TestValidate(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	tests := []struct {
		name string
		mod  func(*standard.Standard)
		want string
	}{
		{"zero minutes", func(s *standard.Standard) { s.Rescue.Minutes = 0 }, "rescue.minutes"},
		{"share above 1", func(s *standard.Standard) { s.Rescue.CoverageTarget = 1.2 }, "coverage_target"},
		{"negative turnout", func(s *standard.Standard) { s.Rescue.TurnoutSeconds = -1 }, "turnout_seconds"},
		{"horizon below circle", func(s *standard.Standard) { s.Rescue.SecondBaseHorizonMinutes = 10 }, "second_base_horizon_minutes"},
		{"bands not increasing", func(s *standard.Standard) { s.IsochroneMinutes = []float64{10, 10} }, "increasing"},
		{"no bands", func(s *standard.Standard) { s.IsochroneMinutes = nil }, "isochrone_minutes"},
		{"negative team", func(s *standard.Standard) { s.Teams.MinMembers["village"] = -1 }, "teams.min_members.village"},
		{"shelter area", func(s *standard.Standard) { s.Shelters.Classes["x"] = standard.ShelterClass{ReachM: 1} }, "shelters.classes.x.area_m2_per_person"},
		{"walk speed", func(s *standard.Standard) { s.Access.WalkKPH = 0 }, "access.walk_kph"},
		{"no name", func(s *standard.Standard) { s.Name = "" }, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.mod(s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error naming %q", err, tt.want)
			}
		})
	}
}

func TestCloneIsDeep(t *testing.T) {
	s := valid()
	c := s.Clone()
	c.Teams.MinMembers["township"] = 99
	c.IsochroneMinutes[0] = 1
	c.Shelters.Classes["emergency"] = standard.ShelterClass{AreaM2PerPerson: 9, ReachM: 9}
	if s.Teams.MinMembers["township"] != 20 || s.IsochroneMinutes[0] != 5 || s.Shelters.Classes["emergency"].AreaM2PerPerson != 0.5 {
		t.Error("changing a clone changed the original")
	}
	if got := s.RescueSeconds(); got != 900 {
		t.Errorf("RescueSeconds() = %v, want 900", got)
	}
}
