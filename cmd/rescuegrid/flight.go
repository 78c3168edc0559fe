package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// flightService serves the study's tables over Arrow Flight: one flight per
// table, named by a path descriptor [table]. A ticket is the table's name,
// or a JSON tableQuery ({"table": "cells", "columns": [...], "bbox":
// "minLon,minLat,maxLon,maxLat", "unit": "id"}) for the same filters as
// /api/tables/{name}; a command descriptor may carry that JSON too.
type flightService struct {
	flight.BaseFlightServer
	s *server
}

// grpcError maps the HTTP-side errors to gRPC status codes.
func grpcError(err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		code := codes.Internal
		switch ae.status {
		case http.StatusBadRequest:
			code = codes.InvalidArgument
		case http.StatusNotFound:
			code = codes.NotFound
		case http.StatusServiceUnavailable:
			code = codes.Unavailable
		}
		return status.Error(code, ae.msg)
	}
	return status.Error(codes.Internal, err.Error())
}

// parseTicket reads a table name or a JSON tableQuery.
func parseTicket(b []byte) (tableQuery, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return tableQuery{}, badRequest("empty ticket: want a table name or a JSON query")
	}
	if b[0] != '{' {
		return tableQuery{Table: string(b)}, nil
	}
	var q tableQuery
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return tableQuery{}, badRequest("ticket: %v (want {\"table\", \"columns\", \"bbox\", \"unit\"})", err)
	}
	if q.Table == "" {
		return tableQuery{}, badRequest("ticket: no table")
	}
	return q, nil
}

// descriptorQuery reads a descriptor: a path [table] or a command holding
// a ticket.
func descriptorQuery(d *flight.FlightDescriptor) (tableQuery, error) {
	if d == nil {
		return tableQuery{}, badRequest("no flight descriptor")
	}
	switch d.Type {
	case flight.DescriptorPATH:
		if len(d.Path) != 1 {
			return tableQuery{}, badRequest("descriptor path %q: want one element, the table name", d.Path)
		}
		return tableQuery{Table: d.Path[0]}, nil
	case flight.DescriptorCMD:
		return parseTicket(d.Cmd)
	}
	return tableQuery{}, badRequest("descriptor type %v: want PATH or CMD", d.Type)
}

func (f *flightService) info(st *studyState, q tableQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	rec, err := f.s.query(st, q)
	if err != nil {
		return nil, err
	}
	defer rec.Release()
	ticket, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(rec.Schema(), memory.DefaultAllocator),
		FlightDescriptor: desc,
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: ticket}}},
		TotalRecords:     rec.NumRows(),
		TotalBytes:       -1,
	}, nil
}

// ListFlights lists every table (the criteria's expression, if any, is a
// substring the table name must contain).
func (f *flightService) ListFlights(c *flight.Criteria, stream flight.FlightService_ListFlightsServer) error {
	st, err := f.s.ready()
	if err != nil {
		return grpcError(err)
	}
	for _, name := range st.tableNames() {
		if c != nil && len(c.Expression) > 0 && !strings.Contains(name, string(c.Expression)) {
			continue
		}
		fi, err := f.info(st, tableQuery{Table: name}, &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{name}})
		if err != nil {
			return grpcError(err)
		}
		if err := stream.Send(fi); err != nil {
			return err
		}
	}
	return nil
}

// GetFlightInfo describes one table (or a filtered query of it).
func (f *flightService) GetFlightInfo(ctx context.Context, d *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	st, err := f.s.ready()
	if err != nil {
		return nil, grpcError(err)
	}
	q, err := descriptorQuery(d)
	if err != nil {
		return nil, grpcError(err)
	}
	fi, err := f.info(st, q, d)
	if err != nil {
		return nil, grpcError(err)
	}
	return fi, nil
}

// GetSchema answers the schema of a table or query.
func (f *flightService) GetSchema(ctx context.Context, d *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	fi, err := f.GetFlightInfo(ctx, d)
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: fi.Schema}, nil
}

// DoGet streams the rows a ticket asks for.
func (f *flightService) DoGet(t *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	st, err := f.s.ready()
	if err != nil {
		return grpcError(err)
	}
	q, err := parseTicket(t.GetTicket())
	if err != nil {
		return grpcError(err)
	}
	rec, err := f.s.query(st, q)
	if err != nil {
		return grpcError(err)
	}
	defer rec.Release()
	w := flight.NewRecordWriter(stream, ipc.WithSchema(rec.Schema()))
	defer w.Close()
	// Large tables go out in slices so no single gRPC message is huge.
	const chunk = 64 << 10
	for off := int64(0); off < rec.NumRows() || off == 0; off += chunk {
		part := rec.NewSlice(off, min(off+chunk, rec.NumRows()))
		err := w.Write(part)
		part.Release()
		if err != nil {
			return err
		}
		if rec.NumRows() == 0 {
			break
		}
	}
	return nil
}

// newFlightServer returns a Flight server for s (not yet listening). A
// panic in a call is recovered into an Internal error, logged and counted;
// every call is counted in the metrics as flight/<method>.
func newFlightServer(s *server) flight.Server {
	observe := func(method string, t0 time.Time, err error) {
		code := 200
		if err != nil {
			code = 500
			if st, ok := status.FromError(err); ok {
				switch st.Code() {
				case codes.InvalidArgument:
					code = 400
				case codes.NotFound:
					code = 404
				case codes.Unavailable:
					code = 503
				}
			}
		}
		s.metrics.observe("flight"+method[strings.LastIndex(method, "/"):], code, time.Since(t0))
	}
	recovered := func(method string, err *error) {
		if p := recover(); p != nil {
			s.logger.Error("panic in flight call", "method", method, "panic", p, "stack", string(debug.Stack()))
			*err = status.Errorf(codes.Internal, "internal error")
		}
	}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		t0 := time.Now()
		defer func() { observe(info.FullMethod, t0, err) }()
		defer recovered(info.FullMethod, &err)
		return h(ctx, req)
	}
	streamed := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
		t0 := time.Now()
		defer func() { observe(info.FullMethod, t0, err) }()
		defer recovered(info.FullMethod, &err)
		return h(srv, ss)
	}
	fs := flight.NewServerWithMiddleware(nil, grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(streamed))
	fs.RegisterFlightService(&flightService{s: s})
	return fs
}
