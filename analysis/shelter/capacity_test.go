package shelter_test

import (
	"errors"
	"math"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/shelter"
	"github.com/rescuegrid/rescuegrid/analysis/standard"
)

func shelterStd() standard.Shelters {
	return standard.Shelters{
		Classes: map[string]standard.ShelterClass{
			"emergency":  {AreaM2PerPerson: 0.5, ReachM: 500},
			"short_term": {AreaM2PerPerson: 2.0, ReachM: 1000},
			"long_term":  {AreaM2PerPerson: 4.5, ReachM: 2500},
		},
		FixedShare: 0.15, WalkKPH: 4.5,
	}
}

func TestCapacityOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		s        shelter.Shelter
		places   float64
		rule     shelter.Rule
		class    string
		reachM   float64
		equivM2  float64
		wantErr  error
		defClass string
	}{
		{name: "declared wins over area", s: shelter.Shelter{Class: "long_term", Capacity: 120, AreaM2: 9000}, places: 120, rule: shelter.RuleDeclared, class: "long_term", reachM: 2500, equivM2: 9000},
		{name: "declared without area", s: shelter.Shelter{Class: "short_term", Capacity: 50}, places: 50, rule: shelter.RuleDeclared, class: "short_term", reachM: 1000, equivM2: 100},
		{name: "area by class, whole people", s: shelter.Shelter{Class: "long_term", AreaM2: 100}, places: 22, rule: "area/long_term", class: "long_term", reachM: 2500, equivM2: 100},
		{name: "area exact multiple", s: shelter.Shelter{Class: "long_term", AreaM2: 9}, places: 2, rule: "area/long_term", class: "long_term", reachM: 2500, equivM2: 9},
		{name: "emergency area", s: shelter.Shelter{Class: "emergency", AreaM2: 1000}, places: 2000, rule: "area/emergency", class: "emergency", reachM: 500, equivM2: 1000},
		{name: "capacity 0 is unknown, area used", s: shelter.Shelter{Class: "short_term", Capacity: 0, AreaM2: 300}, places: 150, rule: "area/short_term", class: "short_term", reachM: 1000, equivM2: 300},
		{name: "neither: unknown", s: shelter.Shelter{Class: "short_term"}, places: 0, rule: shelter.RuleUnknown, class: "short_term", reachM: 1000},
		{name: "NaN capacity is unknown", s: shelter.Shelter{Class: "short_term", Capacity: math.NaN()}, places: 0, rule: shelter.RuleUnknown, class: "short_term", reachM: 1000},
		{name: "default class", s: shelter.Shelter{AreaM2: 50}, defClass: "emergency", places: 100, rule: "area/emergency", class: "emergency", reachM: 500, equivM2: 50},
		{name: "unknown class", s: shelter.Shelter{ID: "x", Class: "castle", Capacity: 10}, wantErr: shelter.ErrUnknownClass},
		{name: "no class and no default", s: shelter.Shelter{ID: "y", Capacity: 10}, wantErr: shelter.ErrUnknownClass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := shelter.CapacityOf(tt.s, shelterStd(), tt.defClass)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("CapacityOf(%+v) error = %v, want %v", tt.s, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Places != tt.places || c.Rule != tt.rule || c.AppliedClass != tt.class || c.ReachM != tt.reachM || c.EquivalentAreaM2 != tt.equivM2 {
				t.Errorf("CapacityOf(%+v) = %+v, want %v places by %q, class %s, reach %v m, area %v m²", tt.s, c, tt.places, tt.rule, tt.class, tt.reachM, tt.equivM2)
			}
		})
	}
}
