package httpapi

import (
	"context"
	"net/http"
	"time"
)

// contextWithTimeout bounds a request's context by d (0: no bound).
func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(r.Context())
	}
	return context.WithTimeout(r.Context(), d)
}
