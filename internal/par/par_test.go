package par_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/rescuegrid/rescuegrid/internal/par"
)

func TestFor(t *testing.T) {
	var sum atomic.Int64
	if err := par.For(context.Background(), 10000, 3, func(i int) error { sum.Add(int64(i)); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := sum.Load(); got != 10000*9999/2 {
		t.Errorf("sum = %d, want %d (every index once)", got, 10000*9999/2)
	}
	boom := errors.New("boom")
	if err := par.For(context.Background(), 100, 2, func(i int) error {
		if i == 70 {
			return boom
		}
		return nil
	}); !errors.Is(err, boom) {
		t.Errorf("For = %v, want the error of fn", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := par.For(ctx, 5000, 2, func(int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("For with a cancelled context = %v", err)
	}
	if err := par.For(context.Background(), 0, 4, func(int) error { return boom }); err != nil {
		t.Errorf("For(0) = %v", err)
	}
}
