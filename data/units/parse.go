package units

// ParseGeoJSON reads units from GeoJSON bytes as ReadGeoJSON reads a file;
// name stands for the file in errors. A service reads drawn polygons with
// it, so that they become exactly the polygons the same GeoJSON saved to a
// file and named in a study gives.
func ParseGeoJSON(name string, b []byte, opt GeoJSONOptions) ([]Unit, error) {
	return parseGeoJSON(name, b, opt)
}
