package study

import "time"

// A StageClock keeps the wall time of the stages of a computation that
// reports its stages as they begin (shelter.Options.Stage): timing belongs
// to the study layer, not to the analysis packages. The zero value is ready
// to use; a StageClock is not safe for concurrent use.
type StageClock struct {
	marks []stageMark
	end   time.Time
}

type stageMark struct {
	stage string
	at    time.Time
}

// Begin ends the running stage, if any, and starts stage.
func (c *StageClock) Begin(stage string) {
	c.marks = append(c.marks, stageMark{stage, time.Now()})
	c.end = time.Time{}
}

// Stop ends the running stage.
func (c *StageClock) Stop() {
	if c.end.IsZero() {
		c.end = time.Now()
	}
}

// Timings returns each stage's wall time, in the order they began; a stage
// still running is timed up to now.
func (c *StageClock) Timings() []StageTiming {
	out := make([]StageTiming, len(c.marks))
	for k, m := range c.marks {
		end := c.end
		if k+1 < len(c.marks) {
			end = c.marks[k+1].at
		} else if end.IsZero() {
			end = time.Now()
		}
		out[k] = StageTiming{Stage: m.stage, Took: end.Sub(m.at)}
	}
	return out
}

// Took returns the summed wall time of every stage called stage (0 when
// none ran).
func (c *StageClock) Took(stage string) time.Duration {
	var d time.Duration
	for _, t := range c.Timings() {
		if t.Stage == stage {
			d += t.Took
		}
	}
	return d
}
