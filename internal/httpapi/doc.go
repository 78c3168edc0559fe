// Package httpapi is rescuegrid's HTTP adapter: it parses requests, calls
// internal/service and encodes the answers (Arrow IPC streams, JSON,
// GeoJSON, CSV, Mapbox Vector Tiles, the web map's files). It holds no
// study logic.
//
// Every route is served at the top level for the default study and below
// /studies/{id}/ for each; both patterns are registered on one mux, so a
// request passes the middleware (time limit, body limit, panic recovery,
// the error shape, the access log and the metrics) exactly once. Errors
// are mapped to a status by service.Status, the one map the Flight adapter
// shares.
package httpapi
