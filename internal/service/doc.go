// Package service is rescuegrid's service core: the registry of served
// studies and their readiness, and the questions a client may ask of a
// loaded study (table queries, isochrones, travel times, what-ifs, siting,
// vector tiles), each a method taking a context and a query struct.
//
// It knows nothing of HTTP or gRPC: internal/httpapi and internal/flightapi
// parse requests, call it and encode the answers. Its errors keep their
// chain and carry one of the kinds ErrInvalid, ErrNotFound, ErrUnavailable
// or ErrRefused; Status maps any error to the HTTP status and gRPC code the
// adapters answer with, so both say the same thing for the same failure.
//
// A Service is safe for concurrent use. A loaded Study is immutable: its
// exported fields are for reading only.
package service
