package shelter_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/rescuegrid/rescuegrid/analysis/shelter"
)

// TestSearchFinishIsCompute: the graph half then the graph-free half, the
// latter without any graph, give Compute's answer to the bit (compared as
// printed with %#v, where NaN equals NaN), with the stages in Compute's
// order. A closed shelter and a scaled capacity are in the input.
func TestSearchFinishIsCompute(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := townInput(t)
	in.Closed = []bool{false, false, true, false}
	in.CapacityFactor = []float64{0.5, 1, 1, 1}
	var stages []string
	in.Options.Stage = func(s string) { stages = append(stages, s) }
	want, err := shelter.Compute(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	computeStages := stages
	stages = nil
	p, err := shelter.Search(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stages, []string{shelter.StageWalk, shelter.StageDepots}) {
		t.Errorf("Search's stages %v, want walk and depots", stages)
	}
	free := in
	free.Walk, free.Drive = nil, nil
	stages = nil
	got, err := shelter.Finish(ctx, free, p)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stages, computeStages) {
		t.Errorf("Finish's stages %v, want Compute's %v", stages, computeStages)
	}
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"cells", want.Cells, got.Cells}, {"shelters", want.Shelters, got.Shelters}, {"units", want.Units, got.Units},
		{"depots", want.Depots, got.Depots}, {"summary", want.Summary, got.Summary}, {"assignment", *want.Assignment, *got.Assignment},
	} {
		if a, b := fmt.Sprintf("%#v", c.want), fmt.Sprintf("%#v", c.got); a != b {
			t.Errorf("Finish(Search) %s differ from Compute's", c.name)
		}
	}
	if want.Summary.Placed == 0 || !got.Shelters[2].Closed {
		t.Errorf("the town places %v residents, shelter s2 closed %v: the check compares nothing", want.Summary.Placed, got.Shelters[2].Closed)
	}

	// Finish refuses an answer of another shape, and Search needs the graph.
	short := *p
	w := *p.Walk
	w.Nearest = w.Nearest[1:]
	short.Walk = &w
	if _, err := shelter.Finish(ctx, free, &short); !errors.Is(err, shelter.ErrInput) {
		t.Errorf("Finish with a row missing: %v, want ErrInput", err)
	}
	if _, err := shelter.Finish(ctx, free, &shelter.Partial{Walk: p.Walk}); !errors.Is(err, shelter.ErrInput) {
		t.Errorf("Finish without the depots' answer: %v, want ErrInput", err)
	}
	if _, err := shelter.Search(ctx, free); !errors.Is(err, shelter.ErrInput) {
		t.Errorf("Search without a walk graph: %v, want ErrInput", err)
	}
}
