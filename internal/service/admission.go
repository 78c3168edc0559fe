package service

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// Work is a kind of work, admitted on its own: a burst of sitings never
// queues a tile, and health probes are not work at all.
type Work int

// The kinds of work.
const (
	Cheap     Work = iota // table reads, tiles, travel times, summaries, the web map's files, Flight reads
	Isochrone             // one bounded search and a dissolve
	WhatIf                // a coverage study over the whole graph
	Siting                // candidates, a matrix, a solver: the heaviest
	numWork
)

func (w Work) String() string {
	switch w {
	case Cheap:
		return "cheap"
	case Isochrone:
		return "isochrone"
	case WhatIf:
		return "whatif"
	case Siting:
		return "siting"
	}
	return fmt.Sprintf("Work(%d)", int(w))
}

// Works lists the kinds of work.
func Works() []Work { return []Work{Cheap, Isochrone, WhatIf, Siting} }

// Lane bounds one kind of work: how many run at once, how many may wait,
// and how long one may wait before it is turned away.
type Lane struct {
	Running int           // at once (>= 1)
	Queue   int           // waiting beyond those (0: none wait)
	Wait    time.Duration // longest wait in the queue before ErrOverloaded
}

// DefaultAdmission sizes the lanes for n cores: heavy work (isochrones,
// what-ifs, sitings) shares n-1 cores besides (see Admit), so few of each
// run at once; cheap reads run many.
func DefaultAdmission(n int) [4]Lane {
	n = max(n, 1)
	return [4]Lane{
		Cheap:     {Running: 8 * n, Queue: 64 * n, Wait: 2 * time.Second},
		Isochrone: {Running: max(1, n/2), Queue: 4 * n, Wait: 3 * time.Second},
		WhatIf:    {Running: max(1, n/2), Queue: 4 * n, Wait: 5 * time.Second},
		Siting:    {Running: 1, Queue: n, Wait: 5 * time.Second},
	}
}

// OverloadedError is the answer to work that found its lane full: try
// again after RetryAfter. It is an ErrUnavailable (503).
type OverloadedError struct {
	Work       Work
	RetryAfter time.Duration
	queued     bool // it waited its lane's longest wait
}

func (e *OverloadedError) Error() string {
	if e.queued {
		return fmt.Sprintf("busy: no %s slot freed within the queue's wait; retry after %s", e.Work, e.RetryAfter)
	}
	return fmt.Sprintf("busy: too many %s requests at once; retry after %s", e.Work, e.RetryAfter)
}

// Unwrap makes it an ErrUnavailable.
func (e *OverloadedError) Unwrap() error { return ErrUnavailable }

// admission is the lanes' state. Safe for concurrent use.
type admission struct {
	lanes [numWork]lane
	// cpu holds a token per core heavy work (isochrones, what-ifs,
	// sitings) may keep busy: one core fewer than GOMAXPROCS, so that a
	// core is free for the health probes and the cheap reads whatever runs
	// (an idle thread wakes at once; a busy one waits its turn behind the
	// machine's other work).
	cpu chan struct{}
}

// heavyCores is how many cores heavy work may keep busy at once for n
// cores: all but one, at least one.
func heavyCores(n int) int { return max(1, n-1) }

type lane struct {
	Lane
	slots    chan struct{} // a token per running request
	mu       sync.Mutex
	queued   int
	admitted uint64
	refused  uint64
}

func newAdmission(cfg [4]Lane, cores int) *admission {
	a := &admission{cpu: make(chan struct{}, heavyCores(cores))}
	for w := range a.lanes {
		l := cfg[w]
		l.Running = max(l.Running, 1)
		l.Queue = max(l.Queue, 0)
		a.lanes[w] = lane{Lane: l, slots: make(chan struct{}, l.Running)}
	}
	return a
}

// Admit waits for a slot of work w's lane: at once if one is free, else
// in the lane's queue, for at most the lane's wait and the context's life.
// It returns the function that frees the slot (call it once), an
// *OverloadedError when the queue is full or the wait ran out, or the
// context's error.
func (s *Service) Admit(ctx context.Context, w Work) (func(), error) {
	release, err := s.admitLane(ctx, w)
	if err != nil || w == Cheap {
		return release, err
	}
	// Heavy work also waits for a core, within its lane's wait.
	l := &s.admit.lanes[w]
	t := time.NewTimer(l.Wait)
	defer t.Stop()
	select {
	case s.admit.cpu <- struct{}{}:
		return func() { <-s.admit.cpu; release() }, nil
	case <-t.C:
		release()
		l.count(false)
		return nil, &OverloadedError{Work: w, RetryAfter: l.retryAfter(), queued: true}
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// HeavyWorkers is how many goroutines one heavy request's searches should
// use: it holds one core.
const HeavyWorkers = 1

func (s *Service) admitLane(ctx context.Context, w Work) (release func(), err error) {
	l := &s.admit.lanes[w]
	select {
	case l.slots <- struct{}{}:
		l.count(true)
		return func() { <-l.slots }, nil
	default:
	}
	l.mu.Lock()
	if l.queued >= l.Queue {
		l.refused++
		l.mu.Unlock()
		return nil, &OverloadedError{Work: w, RetryAfter: l.retryAfter()}
	}
	l.queued++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.queued--
		l.mu.Unlock()
	}()
	t := time.NewTimer(l.Wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		l.count(true)
		return func() { <-l.slots }, nil
	case <-t.C:
		l.count(false)
		return nil, &OverloadedError{Work: w, RetryAfter: l.retryAfter(), queued: true}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (l *lane) count(admitted bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if admitted {
		l.admitted++
	} else {
		l.refused++
	}
}

// retryAfter is the hint given to a refused client: the lane's wait, at
// least a second.
func (l *lane) retryAfter() time.Duration {
	return max(time.Second, l.Wait.Round(time.Second))
}

// LaneStats is a snapshot of one lane.
type LaneStats struct {
	Work              Work
	Running, Queued   int
	Admitted, Refused uint64
}

// AdmissionStats returns a snapshot of every lane.
func (s *Service) AdmissionStats() []LaneStats {
	out := make([]LaneStats, 0, numWork)
	for w := range s.admit.lanes {
		l := &s.admit.lanes[w]
		l.mu.Lock()
		out = append(out, LaneStats{Work: Work(w), Running: len(l.slots), Queued: l.queued, Admitted: l.admitted, Refused: l.refused})
		l.mu.Unlock()
	}
	return out
}

// defaultCores is what DefaultAdmission sizes for when the Config says
// nothing.
func defaultCores() int { return runtime.GOMAXPROCS(0) }
