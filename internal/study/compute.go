package study

import (
	"context"
	"fmt"
	"time"

	"github.com/rescuegrid/rescuegrid/analysis/coverage"
	"github.com/rescuegrid/rescuegrid/analysis/shelter"
)

// Results is a computed study: what Write writes and the summaries print.
type Results struct {
	Coverage  *coverage.Result
	Shelter   *shelter.Result  // nil when the study has no shelters
	Scenarios []ScenarioResult // in the study's order; empty without scenarios
	// Critical is the ranking of critical road segments, nil unless asked
	// for (CriticalSegments; analyze --critical-segments).
	Critical *Critical
	// Timings are the wall times of Compute's stages (coverage, shelters,
	// scenarios), to append to Inputs.Timings.
	Timings []StageTiming
	// Day is the coverage of the day population (nil without one): the
	// same cells and times, weighted by the people there by day.
	Day *coverage.Result
	// Times are the study at each time of day (nil without times).
	Times []TimeResult
}

// Compute runs everything a study asks of its read inputs: the coverage,
// the shelters when it has some, each scenario beside the baseline, and the
// critical road segments when robustness.critical_segments asks for them.
// 'rescuegrid analyze' and 'rescuegrid report STUDY.yaml' both run it.
// Errors are those of the computations ("shelters: " marks the shelter
// stage); the caller names the study file.
func Compute(ctx context.Context, in *Inputs) (*Results, error) {
	out := &Results{}
	t := time.Now()
	var err error
	if out.Coverage, err = coverage.Compute(ctx, in.Coverage); err != nil {
		return nil, err
	}
	out.Timings = append(out.Timings, StageTiming{Stage: "coverage", Took: time.Since(t)})
	if in.DayPop != nil {
		t = time.Now()
		if out.Day, err = computeDay(ctx, in); err != nil {
			return nil, err
		}
		out.Timings = append(out.Timings, StageTiming{Stage: "day population coverage", Took: time.Since(t)})
	}
	if in.Study.Times != nil {
		t = time.Now()
		if out.Times, err = computeTimes(ctx, in); err != nil {
			return nil, err
		}
		out.Timings = append(out.Timings, StageTiming{Stage: "times of day", Took: time.Since(t)})
	}
	if in.Shelter != nil {
		t = time.Now()
		if out.Shelter, err = shelter.Compute(ctx, *in.Shelter); err != nil {
			return nil, fmt.Errorf("shelters: %w", err)
		}
		out.Timings = append(out.Timings, StageTiming{Stage: "shelters", Took: time.Since(t)})
	}
	if len(in.Study.Scenarios) > 0 {
		t = time.Now()
		if out.Scenarios, err = RunScenarios(ctx, in); err != nil {
			return nil, err
		}
		out.Timings = append(out.Timings, StageTiming{Stage: "scenarios", Took: time.Since(t)})
	}
	if n := in.Study.Robustness.CriticalSegments; n > 0 {
		t = time.Now()
		if out.Critical, err = CriticalSegments(ctx, in, n); err != nil {
			return nil, err
		}
		out.Timings = append(out.Timings, StageTiming{Stage: "critical segments", Took: time.Since(t)})
	}
	return out, nil
}
