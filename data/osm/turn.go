package osm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/osm"
)

// TurnRules say which OSM turn restrictions (type=restriction relations) a
// vehicle obeys. Vehicles names the vehicle in OSM's terms, most specific
// first: a relation's restriction:<vehicle> tag is read before its plain
// restriction tag (the first present of the list wins), and a relation whose
// except tag lists one of them does not apply. A relation tagged only for
// other vehicles (restriction:hgv, type=restriction:bus) does not apply
// either.
//
// A restriction is built into the graph by splitting its via node (see
// Build): every incoming road that has restricted turns there ends at a copy
// of the node whose outgoing roads are exactly the turns allowed after it,
// so every search honours it without knowing of it.
type TurnRules struct {
	Vehicles []string `json:"vehicles"`
}

// DefaultTurnRules are the emergency profile's rules without the emergency
// vehicle: what binds a car (after OSRM's car profile, which reads
// restriction:motorcar, motor_vehicle and vehicle).
func DefaultTurnRules() *TurnRules {
	return &TurnRules{Vehicles: []string{"motorcar", "motor_vehicle", "vehicle"}}
}

func (r *TurnRules) validate() error {
	if len(r.Vehicles) == 0 {
		return fmt.Errorf("turn_restrictions needs vehicles (e.g. [\"motorcar\", \"motor_vehicle\", \"vehicle\"])")
	}
	for _, v := range r.Vehicles {
		if v == "" || strings.ContainsAny(v, ";: ") {
			return fmt.Errorf("turn_restrictions vehicle %q: want an OSM vehicle name such as motorcar", v)
		}
	}
	return nil
}

// Restriction values, after OSM's type=restriction.
var restrictionValues = []string{
	"no_left_turn", "no_right_turn", "no_straight_on", "no_u_turn", "no_entry", "no_exit",
	"only_left_turn", "only_right_turn", "only_straight_on", "only_u_turn",
}

// Reasons a restriction relation is not applied; the ingest stats count each
// as restrictions_skipped_<reason>.
const (
	turnSkipOtherVehicle = "other_vehicle"       // restriction:hgv and the like only
	turnSkipExcept       = "except"              // except= lists the profile's vehicle
	turnSkipConditional  = "conditional"         // day_on, hour_on, restriction:conditional
	turnSkipUnknown      = "unknown_value"       // not a no_*/only_* value we know
	turnSkipMissing      = "missing_member"      // no from, to or via member (often cut off by the extract)
	turnSkipMalformed    = "malformed"           // several via nodes, a via node and ways, "only" into several ways
	turnSkipNotRoutable  = "member_not_routable" // a from/via/to way not routable for the profile or not in the file
	turnSkipViaNode      = "via_node_missing"    // the via node is on no routable way
	turnSkipNotOnVia     = "not_at_via"          // a from/to way does not touch the via node (or an end of the via way)
	turnSkipMidWay       = "via_mid_way"         // the via node is inside the from/to way, so the turn's direction is ambiguous
	turnSkipBarrier      = "via_barrier"         // a closed barrier on the via node or way: nothing passes it anyway
	turnSkipNoTurn       = "nothing_to_forbid"   // the turn cannot be made anyway (one-way roads)
	turnSkipViaWays      = "via_several_ways"    // a via of more than one way
)

// TurnSkipReasons lists the reasons in the order `network info` prints them.
var TurnSkipReasons = []string{turnSkipOtherVehicle, turnSkipExcept, turnSkipConditional, turnSkipUnknown,
	turnSkipMissing, turnSkipMalformed, turnSkipNotRoutable, turnSkipViaNode, turnSkipNotOnVia, turnSkipMidWay,
	turnSkipBarrier, turnSkipNoTurn, turnSkipViaWays}

// turnRel is a restriction relation that applies to the profile's vehicle,
// as read from the file; its members are checked once the ways are known.
type turnRel struct {
	id       int64
	value    string
	only     bool
	from, to []int64 // way ids
	viaNode  int64   // 0 when the via is a way
	viaWays  []int64
}

// readRestriction turns a relation into a turnRel, or returns the reason it
// does not apply ("" and ok=false for a relation that is not a restriction).
func (r *TurnRules) readRestriction(rel *osm.Relation) (tr turnRel, skip string, ok bool) {
	typ := rel.Tags.Find("type")
	if typ != "restriction" && !strings.HasPrefix(typ, "restriction:") {
		return turnRel{}, "", false
	}
	if v, isFor := strings.CutPrefix(typ, "restriction:"); isFor && !slices.Contains(r.Vehicles, v) {
		return turnRel{}, turnSkipOtherVehicle, true
	}
	for _, k := range []string{"day_on", "day_off", "hour_on", "hour_off"} {
		if rel.Tags.Find(k) != "" {
			return turnRel{}, turnSkipConditional, true
		}
	}
	value := ""
	for _, v := range r.Vehicles {
		if value = rel.Tags.Find("restriction:" + v); value != "" {
			break
		}
	}
	if value == "" {
		value = rel.Tags.Find("restriction")
	}
	if value == "" {
		for _, t := range rel.Tags {
			if strings.HasPrefix(t.Key, "restriction:") && strings.HasSuffix(t.Key, ":conditional") || t.Key == "restriction:conditional" {
				return turnRel{}, turnSkipConditional, true
			}
		}
		for _, t := range rel.Tags {
			if strings.HasPrefix(t.Key, "restriction:") {
				return turnRel{}, turnSkipOtherVehicle, true
			}
		}
		return turnRel{}, turnSkipUnknown, true // no restriction value at all
	}
	if except := rel.Tags.Find("except"); except != "" {
		for _, e := range strings.Split(except, ";") {
			if slices.Contains(r.Vehicles, strings.TrimSpace(e)) {
				return turnRel{}, turnSkipExcept, true
			}
		}
	}
	value = strings.TrimSpace(value)
	if !slices.Contains(restrictionValues, value) {
		return turnRel{}, turnSkipUnknown, true
	}
	tr = turnRel{id: int64(rel.ID), value: value, only: strings.HasPrefix(value, "only_")}
	for _, m := range rel.Members {
		switch {
		case m.Role == "from" && m.Type == osm.TypeWay:
			tr.from = append(tr.from, m.Ref)
		case m.Role == "to" && m.Type == osm.TypeWay:
			tr.to = append(tr.to, m.Ref)
		case m.Role == "via" && m.Type == osm.TypeNode:
			if tr.viaNode != 0 {
				return turnRel{}, turnSkipMalformed, true // several via nodes
			}
			tr.viaNode = m.Ref
		case m.Role == "via" && m.Type == osm.TypeWay:
			tr.viaWays = append(tr.viaWays, m.Ref)
		}
	}
	switch {
	case len(tr.from) == 0 || len(tr.to) == 0 || (tr.viaNode == 0 && len(tr.viaWays) == 0):
		return turnRel{}, turnSkipMissing, true
	case tr.viaNode != 0 && len(tr.viaWays) > 0:
		return turnRel{}, turnSkipMalformed, true
	case tr.only && len(tr.to) > 1: // "only" into several roads says nothing clear
		return turnRel{}, turnSkipMalformed, true
	}
	return tr, "", true
}
