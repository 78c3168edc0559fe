package httpapi

import "net/http"

// openAPI describes the service (OpenAPI 3.1).
const openAPI = `{
  "openapi": "3.1.0",
  "info": {"title": "rescuegrid", "version": "1", "description": "Rescue coverage on H3: study tables as Arrow, vector tiles, isochrones, travel times, what-if, siting, a web map. The same tables over Arrow Flight (gRPC) on the --flight-addr port."},
  "paths": {
    "/": {"get": {"summary": "the web map (MapLibre GL JS, served from the binary)", "responses": {"200": {"description": "HTML page", "content": {"text/html": {}}}}}},
    "/tiles/{layer}.json": {"get": {"summary": "TileJSON 3.0 of a layer", "parameters": [
      {"name": "layer", "in": "path", "required": true, "schema": {"type": "string", "enum": ["cells", "isochrones", "bases", "units", "gaps", "shelters", "depots"]}}],
      "responses": {"200": {"description": "TileJSON", "content": {"application/json": {}}}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/tiles/{layer}/{z}/{x}/{y}.mvt": {"get": {"summary": "a Mapbox Vector Tile (gzip when accepted)", "parameters": [
      {"name": "layer", "in": "path", "required": true, "schema": {"type": "string"}},
      {"name": "z", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0, "maximum": 22}},
      {"name": "x", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}},
      {"name": "y", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}}],
      "responses": {"200": {"description": "tile", "content": {"application/vnd.mapbox-vector-tile": {}}}, "204": {"description": "no feature in this tile"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/healthz": {"get": {"summary": "liveness", "responses": {"200": {"description": "ok"}}}},
    "/readyz": {"get": {"summary": "readiness: 503 while the study loads or when it failed", "responses": {"200": {"description": "ready"}, "503": {"$ref": "#/components/responses/Error"}}}},
    "/api/studies": {"get": {"summary": "the served studies: id, name, path, status (loading, ready, failed) and error, URL prefix (/studies/{id}/ serves every route for that study)", "responses": {"200": {"description": "studies", "content": {"application/json": {}}}}}},
    "/api/study": {"get": {"summary": "the study's summary", "responses": {"200": {"description": "summary", "content": {"application/json": {}}}}}},
    "/api/tables": {"get": {"summary": "table names, rows and columns", "responses": {"200": {"description": "tables", "content": {"application/json": {}}}}}},
    "/api/tables/{name}": {"get": {"summary": "one table", "parameters": [
      {"name": "name", "in": "path", "required": true, "schema": {"type": "string", "enum": ["cells", "units", "bases", "isochrones", "gaps", "shelters", "shelter_cells", "shelter_units", "depots"]}},
      {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["arrow", "json", "geojson", "csv"], "default": "arrow"}},
      {"name": "columns", "in": "query", "schema": {"type": "string"}, "description": "comma-separated column names"},
      {"name": "bbox", "in": "query", "schema": {"type": "string"}, "description": "minLon,minLat,maxLon,maxLat"},
      {"name": "unit", "in": "query", "schema": {"type": "string"}, "description": "unit_id"}],
      "responses": {"200": {"description": "the table", "content": {"application/vnd.apache.arrow.stream": {}, "application/json": {}, "application/geo+json": {}, "text/csv": {}}}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/isochrone": {"get": {"summary": "areas reached from a point", "parameters": [
      {"name": "lon", "in": "query", "required": true, "schema": {"type": "number", "minimum": -180, "maximum": 180}},
      {"name": "lat", "in": "query", "required": true, "schema": {"type": "number", "minimum": -90, "maximum": 90}},
      {"name": "minutes", "in": "query", "schema": {"type": "string", "default": "5,10,15"}},
      {"name": "res", "in": "query", "schema": {"type": "integer", "minimum": 5, "maximum": 11}},
      {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["geojson", "arrow"], "default": "geojson"}}],
      "responses": {"200": {"description": "GeoJSON FeatureCollection or Arrow stream, largest band first", "content": {"application/geo+json": {}, "application/vnd.apache.arrow.stream": {}}}, "400": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
    "/api/traveltime": {"get": {"summary": "drive time between two points", "parameters": [
      {"name": "from", "in": "query", "required": true, "schema": {"type": "string"}, "description": "lon,lat"},
      {"name": "to", "in": "query", "required": true, "schema": {"type": "string"}, "description": "lon,lat"}],
      "responses": {"200": {"description": "seconds", "content": {"application/json": {}}}, "400": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
    "/api/whatif": {"post": {"summary": "a scenario answered as the study's batch scenarios are: bases added, removed, moved or resized, roads closed, areas slowed, shelters closed; per unit before and after", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "name": {"type": "string"},
        "add": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "lon": {"type": "number"}, "lat": {"type": "number"}, "team_size": {"type": "integer"}, "level": {"type": "string"}}, "required": ["lon", "lat"]}},
        "remove": {"type": "array", "items": {"type": "string"}},
        "move": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "lon": {"type": "number"}, "lat": {"type": "number"}}, "required": ["id", "lon", "lat"]}},
        "team_size": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}, "description": "members by base id"},
        "close_ways": {"type": "array", "items": {"type": "integer"}, "description": "OSM way ids (the base map's way_id)"},
        "close_areas": {"type": "object", "description": "GeoJSON FeatureCollection of polygons: every road inside is closed"},
        "slow": {"type": "array", "items": {"type": "object", "properties": {"area": {"type": "object", "description": "GeoJSON polygons"}, "factor": {"type": "number", "exclusiveMinimum": 0}}}},
        "shelters_closed": {"type": "array", "items": {"type": "string"}},
        "shelter_capacity": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0}},
        "cells": {"type": "boolean", "description": "also return the cells that leave or join the circle (cells_changed)"},
        "crs": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"], "default": "wgs84", "description": "system of the request's lon/lat and polygons (gcj02: Amap, Tencent; bd09: Baidu), converted to WGS-84"}}}}}},
      "responses": {"200": {"description": "coverage before and after per unit (units), the scenarios table's rows (scenario), totals, what was touched (report), isochrones of added and moved bases", "content": {"application/json": {}}}, "400": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}},
    "/api/site": {"post": {"summary": "where new stations do the most good: sites, the gain of each, the value and its bound", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {
        "add": {"type": "integer", "minimum": 0, "maximum": 20, "description": "new sites (objective all: the most allowed, 0 no cap)"},
        "objective": {"type": "string", "enum": ["coverage", "all", "time", "expected"], "default": "coverage"},
        "candidate_res": {"type": "integer", "minimum": 5, "default": 8, "description": "H3 resolution of generated candidate cells (at most the study's)"},
        "candidates": {"type": "array", "maxItems": 2000, "items": {"type": "object", "properties": {"id": {"type": "string"}, "lon": {"type": "number"}, "lat": {"type": "number"}}, "required": ["lon", "lat"]}},
        "relocate": {"type": "integer", "minimum": 0, "maximum": 10, "description": "existing teams that may move to candidate sites"},
        "team_size": {"type": "integer", "minimum": 0, "description": "members of each new site (default: the township minimum)"},
        "crs": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"], "default": "wgs84", "description": "system of the candidates' lon/lat, converted to WGS-84; answers are WGS-84"}}}}}},
      "responses": {"200": {"description": "sites (new and relocated), the greedy curve with gains and gaps, the value, the bounds (greedy, online, exact, best, gap)", "content": {"application/json": {}}}, "400": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}}}
  },
  "components": {"responses": {"Error": {"description": "error", "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}}}}}
}
`

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write([]byte(openAPI))
	return err
}
