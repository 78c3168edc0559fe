package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/siting"
	"github.com/rescuegrid/rescuegrid/internal/service"
	"google.golang.org/grpc/codes"
)

// TestStatus: one map from an error's chain to the HTTP status and the
// gRPC code; a time limit reached anywhere is a timeout, whatever wraps it.
func TestStatus(t *testing.T) {
	deadlineInSiting := fmt.Errorf("solve: %w", context.DeadlineExceeded)
	for _, tc := range []struct {
		name    string
		err     error
		status  int
		code    codes.Code
		message string // what the client is told contains this
	}{
		{"nil", nil, 200, codes.OK, ""},
		{"invalid", service.Invalidf("bbox=%q: want 4 numbers", "1,2"), 400, codes.InvalidArgument, `bbox="1,2"`},
		{"not found", service.NotFoundf("no table %q", "x"), 404, codes.NotFound, `no table "x"`},
		{"unavailable", &service.Error{Kind: service.ErrUnavailable, Msg: "study a is loading"}, 503, codes.Unavailable, "loading"},
		{"refused", &service.Error{Kind: service.ErrRefused, Err: siting.ErrNoCandidates}, 422, codes.FailedPrecondition, "candidate"},
		{"deadline", context.DeadlineExceeded, 504, codes.DeadlineExceeded, "time limit"},
		{"deadline inside a refusal", &service.Error{Kind: service.ErrRefused, Err: deadlineInSiting}, 504, codes.DeadlineExceeded, "time limit"},
		{"deadline wrapped twice", fmt.Errorf("site: %w", fmt.Errorf("matrix: %w", context.DeadlineExceeded)), 504, codes.DeadlineExceeded, "time limit"},
		{"cancelled", fmt.Errorf("isochrone: %w", context.Canceled), service.StatusClientClosed, codes.Canceled, "cancelled"},
		{"internal", errors.New("open /srv/secret/population.csv: permission denied"), 500, codes.Internal, "internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code := service.Status(tc.err)
			if status != tc.status || code != tc.code {
				t.Errorf("Status(%v) = %d, %v; want %d, %v", tc.err, status, code, tc.status, tc.code)
			}
			if tc.err == nil {
				return
			}
			if msg := service.Message(tc.err); !strings.Contains(msg, tc.message) {
				t.Errorf("Message(%v) = %q, want it to mention %q", tc.err, msg, tc.message)
			}
		})
	}
	// The chain is kept: the cause is still there for errors.Is.
	err := &service.Error{Kind: service.ErrRefused, Msg: "from", Err: siting.ErrNoCandidates}
	if !errors.Is(err, siting.ErrNoCandidates) || !errors.Is(err, service.ErrRefused) {
		t.Errorf("%v: the kind or the cause is lost from the chain", err)
	}
	if got := service.Message(errors.New("open /srv/secret/population.csv: denied")); strings.Contains(got, "/srv") {
		t.Errorf("an internal error tells the client %q", got)
	}
}
