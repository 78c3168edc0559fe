package osm

import (
	"fmt"
	"slices"
)

// BarrierRules say which OSM barrier nodes a vehicle cannot pass. A node
// whose barrier value is in Block is closed unless the first of AccessKeys
// present on the node has one of PassValues (the most specific key first, as
// OSM's access hierarchy reads: emergency, then motorcar, motor_vehicle,
// vehicle, access). A bollard tagged motor_vehicle=no, access=yes stays closed.
//
// A closed barrier splits the graph there: each road segment that touches it
// ends at a copy of the node of its own, so no route passes through it while
// the roads up to it stay reachable (see Build).
type BarrierRules struct {
	Block      []string `json:"block"`
	AccessKeys []string `json:"access_keys"`
	PassValues []string `json:"pass_values"`
}

// DefaultBarrierRules are the rules of the emergency profile's file without
// the emergency key: the barriers that stop a car (after OSRM's car profile,
// which lets gates through unless tagged; here an untagged gate is closed).
func DefaultBarrierRules() *BarrierRules {
	return &BarrierRules{
		Block: []string{"block", "bollard", "bus_trap", "chain", "gate", "jersey_barrier",
			"kissing_gate", "lift_gate", "log", "motorcycle_barrier", "rope", "sliding_gate",
			"spikes", "stile", "swing_gate", "turnstile", "full-height_turnstile", "yes"},
		AccessKeys: []string{"motorcar", "motor_vehicle", "vehicle", "access"},
		PassValues: []string{"yes", "permissive", "designated"},
	}
}

func (r *BarrierRules) validate() error {
	if len(r.Block) == 0 || len(r.AccessKeys) == 0 || len(r.PassValues) == 0 {
		return fmt.Errorf("barriers needs block, access_keys and pass_values, got %+v", *r)
	}
	return nil
}

// BarrierVerdict is what the rules say about one node.
type BarrierVerdict struct {
	// Barrier is the node's barrier value when it is one the rules block.
	Barrier string
	// Closed is true when the node blocks passage.
	Closed bool
	// PassKey is the access key that let the barrier through ("" if closed).
	PassKey string
}

// Judge applies the rules to a node's tags. A node with no blocking barrier
// value returns the zero verdict.
func (r *BarrierRules) Judge(tags Tags) BarrierVerdict {
	v := tags.Find("barrier")
	if v == "" || !slices.Contains(r.Block, v) {
		return BarrierVerdict{}
	}
	for _, k := range r.AccessKeys {
		if a := tags.Find(k); a != "" {
			if slices.Contains(r.PassValues, a) {
				return BarrierVerdict{Barrier: v, PassKey: k}
			}
			break
		}
	}
	return BarrierVerdict{Barrier: v, Closed: true}
}
