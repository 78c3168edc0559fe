package flightapi

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v17/arrow/flight"
	"github.com/rescuegrid/rescuegrid/internal/service"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// serveFlight starts a Flight server over svc on loopback and returns a
// client; both stop at the end of the test.
func serveFlight(tb testing.TB, svc *service.Service, cfg Config, opts ...grpc.DialOption) (*Server, flight.Client) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := New(svc, cfg, nil, nil)
	go srv.Serve(ln)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	c, err := flight.NewClientWithMiddleware(ln.Addr().String(), nil, nil, append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return srv, c
}

// doGet reads a whole ticket's stream and returns its rows.
func doGet(ctx context.Context, c flight.Client, ticket string) (int64, error) {
	s, err := c.DoGet(ctx, &flight.Ticket{Ticket: []byte(ticket)})
	if err != nil {
		return 0, err
	}
	rd, err := flight.NewRecordReader(s)
	if err != nil {
		return 0, err
	}
	defer rd.Release()
	var n int64
	for rd.Next() {
		n += rd.Record().NumRows()
	}
	return n, rd.Err()
}

// TestOversizedTicket: a huge ticket is refused with a short error that
// does not repeat it (the stream is not reset by a huge error).
func TestOversizedTicket(t *testing.T) {
	svc := sample(t)
	_, c := serveFlight(t, svc, Config{})
	for _, n := range []int{5 << 10, 3 << 20} {
		_, err := doGet(context.Background(), c, "cells"+strings.Repeat("x", n))
		if err == nil {
			t.Fatalf("a %d-byte ticket was served", n)
		}
		if code := status.Code(err); code != codes.ResourceExhausted {
			t.Errorf("a %d-byte ticket: %v, want ResourceExhausted", n, code)
		}
		if msg := status.Convert(err).Message(); len(msg) > 200 || strings.Contains(msg, "xxxx") {
			t.Errorf("a %d-byte ticket: error of %d bytes %.80q…", n, len(msg), msg)
		}
	}
	// A long unknown table name is quoted cut.
	_, err := doGet(context.Background(), c, strings.Repeat("y", 3000))
	if status.Code(err) != codes.NotFound || len(status.Convert(err).Message()) > 400 {
		t.Errorf("a 3000-byte table name: %v, %d bytes of message", status.Code(err), len(status.Convert(err).Message()))
	}
	// And the server still serves.
	if n, err := doGet(context.Background(), c, "bases"); err != nil || n == 0 {
		t.Errorf("bases after the bad tickets: %d rows, %v", n, err)
	}
}

// TestFlightToken: with a token, calls without it are Unauthenticated.
func TestFlightToken(t *testing.T) {
	svc := sample(t)
	_, c := serveFlight(t, svc, Config{Token: "s3cret"})
	if _, err := doGet(context.Background(), c, "bases"); status.Code(err) != codes.Unauthenticated {
		t.Errorf("DoGet without the token: %v, want Unauthenticated", err)
	}
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer s3cret")
	if n, err := doGet(ctx, c, "bases"); err != nil || n == 0 {
		t.Errorf("DoGet with the token: %d rows, %v", n, err)
	}
}

// TestFlightStopIsBounded: a client that stops reading a download does not
// hold the server's stop past its deadline.
func TestFlightStopIsBounded(t *testing.T) {
	svc := sample(t)
	srv, c := serveFlight(t, svc, Config{},
		grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
	s, err := c.DoGet(context.Background(), &flight.Ticket{Ticket: []byte("cells")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil { // the schema; then stop reading
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server fills the window and blocks
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	select {
	case err := <-done:
		// Either the download fitted and the stop was graceful, or the
		// deadline closed it: both end.
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown still blocked 10 s after its 300 ms deadline by an unread download")
	}
}

// TestFlightCallDeadline: a call runs under the configured deadline and
// ends DEADLINE_EXCEEDED when it passes.
func TestFlightCallDeadline(t *testing.T) {
	svc := sample(t)
	_, c := serveFlight(t, svc, Config{CallTimeout: time.Nanosecond})
	if _, err := doGet(context.Background(), c, "cells"); status.Code(err) != codes.DeadlineExceeded {
		t.Errorf("DoGet with a 1 ns call limit: %v, want DeadlineExceeded", err)
	}
}
