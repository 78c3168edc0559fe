package service

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
)

// Kinds of failure a client is told about. Errors of this package wrap one
// of them (test with errors.Is); Status maps them to protocol codes.
var (
	// ErrInvalid: the request is malformed or out of bounds (400,
	// INVALID_ARGUMENT).
	ErrInvalid = errors.New("service: invalid argument")
	// ErrNotFound: no such study, table, layer or route (404, NOT_FOUND).
	ErrNotFound = errors.New("service: not found")
	// ErrUnavailable: the study is loading or failed to load, or the
	// service is full (503, UNAVAILABLE).
	ErrUnavailable = errors.New("service: unavailable")
	// ErrRefused: a well-formed request the study cannot answer, such as a
	// point with no road near it or candidates that are all unusable (422,
	// FAILED_PRECONDITION).
	ErrRefused = errors.New("service: refused")
	// ErrUnauthenticated: no or a wrong bearer token (401,
	// UNAUTHENTICATED).
	ErrUnauthenticated = errors.New("service: unauthenticated")
	// ErrForbidden: a request this server refuses whoever asks: another
	// site's page posting, a Host that is not this server's (403,
	// PERMISSION_DENIED).
	ErrForbidden = errors.New("service: forbidden")
	// ErrMediaType: a body that is not JSON (415, INVALID_ARGUMENT).
	ErrMediaType = errors.New("service: unsupported media type")
	// ErrTooLarge: a body or ticket over its limit (413,
	// RESOURCE_EXHAUSTED).
	ErrTooLarge = errors.New("service: too large")
)

// Errorf returns an error of kind with a formatted message.
func Errorf(kind error, format string, a ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, a...)}
}

// Error is a failure of a kind, with what the client is told and the
// cause. Its chain holds both the kind and the cause, so a deadline inside
// a refused computation is still a deadline.
type Error struct {
	Kind error  // ErrInvalid, ErrNotFound, ErrUnavailable or ErrRefused
	Msg  string // for the client; "" to use the cause's message
	Err  error  // the cause, or nil
}

func (e *Error) Error() string {
	switch {
	case e.Err == nil:
		return e.Msg
	case e.Msg == "":
		return e.Err.Error()
	}
	return e.Msg + ": " + e.Err.Error()
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Invalidf returns an ErrInvalid error with a formatted message.
func Invalidf(format string, a ...any) error {
	return &Error{Kind: ErrInvalid, Msg: fmt.Sprintf(format, a...)}
}

// NotFoundf returns an ErrNotFound error with a formatted message.
func NotFoundf(format string, a ...any) error {
	return &Error{Kind: ErrNotFound, Msg: fmt.Sprintf(format, a...)}
}

func unavailablef(format string, a ...any) error {
	return &Error{Kind: ErrUnavailable, Msg: fmt.Sprintf(format, a...)}
}

// refused marks err (from the analysis) as a refusal, keeping its chain; a
// context error stays what it is.
func refused(msg string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: ErrRefused, Msg: msg, Err: err}
}

// StatusClientClosed is the HTTP status of a request its client gave up on
// (nginx's 499; nobody reads it but the access log and the metrics).
const StatusClientClosed = 499

// Status maps an error to the HTTP status and the gRPC code to answer it
// with: the one map of errors to protocol codes. Timeouts are 504 and
// DEADLINE_EXCEEDED whatever wraps them; a cancelled request 499 and
// CANCELED; then the kinds above; anything else 500 and INTERNAL.
func Status(err error) (httpStatus int, code codes.Code) {
	switch {
	case err == nil:
		return 200, codes.OK
	case errors.Is(err, context.DeadlineExceeded):
		return 504, codes.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return StatusClientClosed, codes.Canceled
	case errors.Is(err, ErrInvalid):
		return 400, codes.InvalidArgument
	case errors.Is(err, ErrNotFound):
		return 404, codes.NotFound
	case errors.Is(err, ErrUnavailable):
		return 503, codes.Unavailable
	case errors.Is(err, ErrRefused):
		return 422, codes.FailedPrecondition
	case errors.Is(err, ErrUnauthenticated):
		return 401, codes.Unauthenticated
	case errors.Is(err, ErrForbidden):
		return 403, codes.PermissionDenied
	case errors.Is(err, ErrMediaType):
		return 415, codes.InvalidArgument
	case errors.Is(err, ErrTooLarge):
		return 413, codes.ResourceExhausted
	}
	return 500, codes.Internal
}

// Message is what a client is told of err: its message for the kinds
// above, and for a timeout or cancellation; "internal error" for anything
// else (logged by the adapter, never shown: it may name files).
func Message(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the request took longer than its time limit (" + err.Error() + ")"
	case errors.Is(err, context.Canceled):
		return "the request was cancelled"
	}
	if s, _ := Status(err); s == 500 {
		return "internal error"
	}
	return err.Error()
}
