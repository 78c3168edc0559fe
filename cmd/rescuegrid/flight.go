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

// flightService serves the studies' tables over Arrow Flight: one flight
// per table, named by a path descriptor [table] for the default study and
// [study, table] for any. A ticket is the default study's table name, or a
// JSON tableQuery ({"study": "id", "table": "cells", "columns": [...],
// "bbox": "minLon,minLat,maxLon,maxLat", "unit": "id"}) for the same
// filters as /api/tables/{name}; a command descriptor may carry that JSON
// too.
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
		return tableQuery{}, badRequest("ticket: %v (want {\"study\", \"table\", \"columns\", \"bbox\", \"unit\"})", err)
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
		switch len(d.Path) {
		case 1:
			return tableQuery{Table: d.Path[0]}, nil
		case 2:
			return tableQuery{Study: d.Path[0], Table: d.Path[1]}, nil
		}
		return tableQuery{}, badRequest("descriptor path %q: want [table] or [study, table]", d.Path)
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

// ready returns the study a query names (the default one for "").
func (f *flightService) ready(q tableQuery) (*studyState, error) {
	sl, err := f.s.slotByID(q.Study)
	if err != nil {
		return nil, err
	}
	return sl.ready()
}

// ListFlights lists every table of every loaded study: path [table] when
// one study is served, [study, table] when several (the criteria's
// expression, if any, is a substring the path must contain).
func (f *flightService) ListFlights(c *flight.Criteria, stream flight.FlightService_ListFlightsServer) error {
	slots := f.s.slots()
	for _, sl := range slots {
		st, err := sl.ready()
		if err != nil {
			if len(slots) == 1 {
				return grpcError(err)
			}
			continue // listed once loaded; /api/studies says why not
		}
		for _, name := range st.tableNames() {
			q, path := tableQuery{Table: name}, []string{name}
			if len(slots) > 1 {
				q.Study, path = sl.id, []string{sl.id, name}
			}
			if c != nil && len(c.Expression) > 0 && !strings.Contains(strings.Join(path, "/"), string(c.Expression)) {
				continue
			}
			fi, err := f.info(st, q, &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: path})
			if err != nil {
				return grpcError(err)
			}
			if err := stream.Send(fi); err != nil {
				return err
			}
		}
	}
	return nil
}

// GetFlightInfo describes one table (or a filtered query of it).
func (f *flightService) GetFlightInfo(ctx context.Context, d *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	q, err := descriptorQuery(d)
	if err != nil {
		return nil, grpcError(err)
	}
	st, err := f.ready(q)
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
	q, err := parseTicket(t.GetTicket())
	if err != nil {
		return grpcError(err)
	}
	st, err := f.ready(q)
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
