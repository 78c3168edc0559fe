// Package flightapi serves the studies' tables over Arrow Flight (gRPC):
// one flight per table, named by a path descriptor [table] for the default
// study and [study, table] for any. A ticket is the default study's table
// name, or a JSON service.TableQuery ({"study": "id", "table": "cells",
// "columns": [...], "bbox": "minLon,minLat,maxLon,maxLat", "unit": "id"})
// for the same filters as /api/tables/{name}; a command descriptor may
// carry that JSON too.
//
// Like internal/httpapi it only parses, calls internal/service and
// encodes; errors get their gRPC code from service.Status.
package flightapi

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"time"

	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/apache/arrow/go/v17/arrow/ipc"
	"github.com/apache/arrow/go/v17/arrow/memory"
	"github.com/rescuegrid/rescuegrid/internal/metrics"
	"github.com/rescuegrid/rescuegrid/internal/service"
	"golang.org/x/net/netutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// flightService implements the Flight calls over a service.Service.
type flightService struct {
	flight.BaseFlightServer
	svc *service.Service
}

// callError is an error answered to a Flight client: the gRPC status
// service.Status maps it to, with the error's chain kept for the metrics
// and logs.
type callError struct {
	st  *status.Status
	err error
}

func (e *callError) Error() string              { return e.st.Message() }
func (e *callError) GRPCStatus() *status.Status { return e.st }
func (e *callError) Unwrap() error              { return e.err }

// grpcError maps an error to a gRPC status with service.Status's code and
// service.Message's text.
func grpcError(err error) error {
	if err == nil {
		return nil
	}
	_, code := service.Status(err)
	return &callError{st: status.New(code, service.Message(err)), err: err}
}

// ParseTicket reads a table name or a JSON TableQuery.
func ParseTicket(b []byte) (service.TableQuery, error) {
	if len(b) > maxTicketBytes {
		// Never quoted back: the error would be as large as the ticket.
		return service.TableQuery{}, service.Errorf(service.ErrTooLarge, "ticket of %d bytes: at most %d (a table name or a JSON query)", len(b), maxTicketBytes)
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return service.TableQuery{}, service.Invalidf("empty ticket: want a table name or a JSON query")
	}
	if b[0] != '{' {
		return service.TableQuery{Table: string(b)}, nil
	}
	var q service.TableQuery
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return service.TableQuery{}, service.Invalidf("ticket: %v (want {\"study\", \"table\", \"columns\", \"bbox\", \"unit\"})", err)
	}
	if q.Table == "" {
		return service.TableQuery{}, service.Invalidf("ticket: no table")
	}
	return q, nil
}

// descriptorQuery reads a descriptor: a path [table] or [study, table], or
// a command holding a ticket.
func descriptorQuery(d *flight.FlightDescriptor) (service.TableQuery, error) {
	if d == nil {
		return service.TableQuery{}, service.Invalidf("no flight descriptor")
	}
	switch d.Type {
	case flight.DescriptorPATH:
		switch len(d.Path) {
		case 1:
			return service.TableQuery{Table: d.Path[0]}, nil
		case 2:
			return service.TableQuery{Study: d.Path[0], Table: d.Path[1]}, nil
		}
		return service.TableQuery{}, service.Invalidf("descriptor path %q: want [table] or [study, table]", d.Path)
	case flight.DescriptorCMD:
		return ParseTicket(d.Cmd)
	}
	return service.TableQuery{}, service.Invalidf("descriptor type %v: want PATH or CMD", d.Type)
}

func (f *flightService) info(ctx context.Context, st *service.Study, q service.TableQuery, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	rec, err := st.Query(ctx, q)
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

// ListFlights lists every table of every loaded study: path [table] when
// one study is served, [study, table] when several (the criteria's
// expression, if any, is a substring the path must contain).
func (f *flightService) ListFlights(c *flight.Criteria, stream flight.FlightService_ListFlightsServer) error {
	slots := f.svc.Slots()
	for _, sl := range slots {
		st, err := sl.Ready()
		if err != nil {
			if len(slots) == 1 {
				return grpcError(err)
			}
			continue // listed once loaded; /api/studies says why not
		}
		for _, name := range st.TableNames() {
			q, path := service.TableQuery{Table: name}, []string{name}
			if len(slots) > 1 {
				q.Study, path = sl.ID(), []string{sl.ID(), name}
			}
			if c != nil && len(c.Expression) > 0 && !strings.Contains(strings.Join(path, "/"), string(c.Expression)) {
				continue
			}
			fi, err := f.info(stream.Context(), st, q, &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: path})
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
	st, err := f.svc.Ready(q.Study)
	if err != nil {
		return nil, grpcError(err)
	}
	fi, err := f.info(ctx, st, q, d)
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
	q, err := ParseTicket(t.GetTicket())
	if err != nil {
		return grpcError(err)
	}
	st, err := f.svc.Ready(q.Study)
	if err != nil {
		return grpcError(err)
	}
	rec, err := st.Query(stream.Context(), q)
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

// Defaults of Config.
const (
	DefaultMaxConns    = 256
	DefaultIdleTimeout = 60 * time.Second
	// maxTicketBytes bounds a ticket or command: a JSON query is a few
	// hundred bytes.
	maxTicketBytes = 4 << 10
	// maxRecvBytes bounds any message a client sends (tickets, criteria,
	// descriptors).
	maxRecvBytes = 64 << 10
	// handshakeTimeout bounds a new connection's TLS and HTTP/2 setup: a
	// connection that sends nothing is closed after it.
	handshakeTimeout = 5 * time.Second
)

// Config bounds and guards the Flight server.
type Config struct {
	// CallTimeout bounds each call (0: the service's request time limit).
	CallTimeout time.Duration
	// MaxConns is the most connections held at once (0: DefaultMaxConns);
	// more wait in the listen backlog.
	MaxConns int
	// IdleTimeout closes a connection with no call for that long (0:
	// DefaultIdleTimeout).
	IdleTimeout time.Duration
	// Token, when set, is the bearer token every call must carry in its
	// "authorization" metadata ("Bearer TOKEN").
	Token string
	// TLS, when set, serves grpc+tls.
	TLS *tls.Config
}

// Server is the Flight server of a service. Safe for concurrent use.
type Server struct {
	g   *grpc.Server
	cfg Config
}

// New returns a Flight server for svc (not yet listening). Every call
// waits for a slot of the service's cheap lane, runs under a deadline,
// and is counted in m by method and gRPC code; a panic in a call is
// recovered into an Internal error and logged.
func New(svc *service.Service, cfg Config, logger *slog.Logger, m *metrics.Metrics) *Server {
	if logger == nil {
		logger = slog.Default()
	}
	if m == nil {
		m = metrics.New()
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = svc.Limits().Timeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	observe := func(method string, t0 time.Time, err error) {
		m.ObserveFlight(method[strings.LastIndex(method, "/")+1:], status.Code(err).String(), time.Since(t0))
	}
	recovered := func(method string, err *error) {
		if p := recover(); p != nil {
			logger.Error("panic in flight call", "method", method, "panic", p, "stack", string(debug.Stack()))
			*err = status.Errorf(codes.Internal, "internal error")
		}
	}
	// admit checks the token and takes a slot; the call's context carries
	// its deadline.
	admit := func(ctx context.Context) (func(), error) {
		if cfg.Token != "" {
			md, _ := metadata.FromIncomingContext(ctx)
			tok, ok := "", false
			if v := md.Get("authorization"); len(v) > 0 {
				tok, ok = strings.CutPrefix(v[0], "Bearer ")
			}
			if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(cfg.Token)) != 1 {
				return nil, grpcError(service.Errorf(service.ErrUnauthenticated, "this server needs its bearer token (authorization: Bearer …)"))
			}
		}
		release, err := svc.Admit(ctx, service.Cheap)
		if err != nil {
			return nil, grpcError(err)
		}
		return release, nil
	}
	unary := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (resp any, err error) {
		t0 := time.Now()
		defer func() { observe(info.FullMethod, t0, err) }()
		defer recovered(info.FullMethod, &err)
		ctx, cancel := context.WithTimeout(ctx, cfg.CallTimeout)
		defer cancel()
		release, err := admit(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
		return h(ctx, req)
	}
	streamed := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) (err error) {
		t0 := time.Now()
		defer func() { observe(info.FullMethod, t0, err) }()
		defer recovered(info.FullMethod, &err)
		ctx, cancel := context.WithTimeout(ss.Context(), cfg.CallTimeout)
		defer cancel()
		release, err := admit(ctx)
		if err != nil {
			return err
		}
		defer release()
		return h(srv, &deadlineStream{ss, ctx})
	}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(unary), grpc.ChainStreamInterceptor(streamed),
		grpc.ConnectionTimeout(handshakeTimeout),
		grpc.MaxRecvMsgSize(maxRecvBytes),
		grpc.MaxConcurrentStreams(16),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: cfg.IdleTimeout, Time: 30 * time.Second, Timeout: 10 * time.Second}),
		// A client may ping at most every 10 s, and only during a call;
		// more often, the connection is closed (GOAWAY).
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second}),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(cfg.TLS)))
	}
	g := grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(g, &flightService{svc: svc})
	return &Server{g: g, cfg: cfg}
}

// deadlineStream is a server stream whose context carries the call's
// deadline.
type deadlineStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *deadlineStream) Context() context.Context { return s.ctx }

// Serve accepts connections on ln, at most MaxConns at once, until
// Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.g.Serve(netutil.LimitListener(ln, s.cfg.MaxConns))
}

// Shutdown stops accepting connections and lets the calls in flight
// finish until ctx ends; then it closes every connection (a client that
// stopped reading a download does not hold the process).
func (s *Server) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.g.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.g.Stop()
		<-done
		return ctx.Err()
	}
}
