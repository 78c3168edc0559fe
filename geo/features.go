package geo

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/paulmach/orb/geojson"
)

// Features reads GeoJSON that is a FeatureCollection or a single Feature
// (as a collection of one), the two shapes the input files come in. The
// error is the collection decoder's, or says the JSON is neither.
func Features(b []byte) (*geojson.FeatureCollection, error) {
	if err := checkPositions(b); err != nil {
		return nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(b)
	if err == nil && fc != nil && fc.Type == "FeatureCollection" {
		return fc, nil
	}
	f, ferr := geojson.UnmarshalFeature(b)
	if ferr != nil || f.Type != "Feature" {
		if err == nil {
			err = errors.New("not a FeatureCollection or Feature")
		}
		return nil, err
	}
	return geojson.NewFeatureCollection().Append(f), nil
}

// ErrPosition: a GeoJSON position that is not [lon, lat] (orb reads [1] as
// the point (1, 0)).
var ErrPosition = errors.New("a position must be [lon, lat]")

type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
	Geometries  []rawGeometry   `json:"geometries"`
}

// checkPositions refuses positions with fewer than two numbers, naming the
// feature (1-based). JSON that does not parse is left to the decoder.
func checkPositions(b []byte) error {
	var doc struct {
		Features []struct {
			Geometry *rawGeometry `json:"geometry"`
		} `json:"features"`
		Geometry *rawGeometry `json:"geometry"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	if doc.Geometry != nil {
		if err := checkGeometry(doc.Geometry); err != nil {
			return fmt.Errorf("feature 1: %w", err)
		}
	}
	for i, f := range doc.Features {
		if f.Geometry == nil {
			continue
		}
		if err := checkGeometry(f.Geometry); err != nil {
			return fmt.Errorf("feature %d: %w", i+1, err)
		}
	}
	return nil
}

func checkGeometry(g *rawGeometry) error {
	for i := range g.Geometries {
		if err := checkGeometry(&g.Geometries[i]); err != nil {
			return err
		}
	}
	if len(g.Coordinates) == 0 {
		return nil
	}
	var c any
	if json.Unmarshal(g.Coordinates, &c) != nil {
		return nil
	}
	return checkCoords(g.Type, c)
}

func checkCoords(typ string, c any) error {
	a, ok := c.([]any)
	if !ok || len(a) == 0 {
		return nil // empty geometries are the readers' to refuse
	}
	if len(a) > 0 {
		if _, isNum := a[0].(float64); !isNum {
			for _, e := range a {
				if err := checkCoords(typ, e); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if len(a) < 2 {
		return fmt.Errorf("%s: %w, got %d number(s) %v", typ, ErrPosition, len(a), a)
	}
	return nil
}
