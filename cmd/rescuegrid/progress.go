package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/rescuegrid/rescuegrid/internal/textwidth"
)

// progress draws a one-line bar on stderr when it is a terminal and the
// user did not ask for --quiet; otherwise it draws nothing. Its label is
// a catalogue key ("progress.reading"), said in the interface's language.
type progress struct {
	e     *env
	label string
	start time.Time
	last  time.Time
}

func newProgress(e *env, key string) *progress {
	return &progress{e: e, label: e.lang.T(key), start: time.Now()}
}

func (p *progress) enabled() bool { return p.e.tty && !p.e.quiet }

// update redraws the bar at done of total (at most ten times a second).
func (p *progress) update(done, total int64) {
	if !p.enabled() || total <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = now
	const width = 30
	frac := min(1, float64(done)/float64(total))
	n := int(frac * width)
	// Padded by columns, not bytes: a Chinese label takes two a character.
	fmt.Fprintf(p.e.stderr, "\r%s [%s%s] %3.0f%%", textwidth.PadRight(p.label, 24), strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100)
}

// done clears the bar.
func (p *progress) done() {
	if p.enabled() {
		fmt.Fprintf(p.e.stderr, "\r%s\r", strings.Repeat(" ", 64))
	}
}

// infof prints a summary line unless --quiet.
func (e *env) infof(format string, a ...any) {
	if !e.quiet {
		fmt.Fprintf(e.stderr, format+"\n", a...)
	}
}

// warn always prints msg as a warning, in the interface's language.
func (e *env) warn(msg string) {
	fmt.Fprintln(e.stderr, e.lang.T("cli.warning", "msg", msg))
}
