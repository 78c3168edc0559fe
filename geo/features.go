package geo

import (
	"errors"

	"github.com/paulmach/orb/geojson"
)

// Features reads GeoJSON that is a FeatureCollection or a single Feature
// (as a collection of one), the two shapes the input files come in. The
// error is the collection decoder's, or says the JSON is neither.
func Features(b []byte) (*geojson.FeatureCollection, error) {
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
