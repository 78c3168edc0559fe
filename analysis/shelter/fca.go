package shelter

import (
	"fmt"
	"math"
)

// Decay is the distance-decay weight of a floating catchment.
type Decay uint8

// The decays. None is the plain 2SFCA of Luo & Wang (2003): every resident
// and every place within the catchment counts in full. Step and Gaussian
// are the enhanced 2SFCA of Luo & Qi (2009): the same weight w(t) applies
// to the residents in step 1 and to the ratios in step 2.
const (
	None     Decay = iota // w = 1 within the catchment
	Step                  // w = Steps[k] in the k-th of len(Steps) equal time zones
	Gaussian              // w = exp(-t² / 2σ²), σ = SigmaShare × catchment
)

func (d Decay) String() string {
	switch d {
	case None:
		return "none"
	case Step:
		return "step"
	case Gaussian:
		return "gaussian"
	}
	return fmt.Sprintf("Decay(%d)", uint8(d))
}

// Default decay settings.
var (
	// DefaultSteps are Luo & Qi's (2009) zone weights, over thirds of the
	// catchment.
	DefaultSteps = []float64{1.00, 0.68, 0.22}
)

// DefaultSigmaShare is the Gaussian σ as a share of the catchment: with
// σ = catchment/2 the weight at the middle of each third is 0.95, 0.61 and
// 0.25, close to the step weights; at the edge it is exp(-2) = 0.135.
const DefaultSigmaShare = 0.5

// FCAOptions choose the catchment weights. The zero value is plain 2SFCA.
type FCAOptions struct {
	Decay Decay
	// Steps are the zone weights for Step (nil: DefaultSteps). Zone k holds
	// the times t with k·c/K < t <= (k+1)·c/K for catchment c and K zones;
	// a time exactly on a boundary belongs to the nearer zone, as in
	// PySAL's access.weights.step_fn.
	Steps []float64
	// SigmaShare is the Gaussian σ as a share of the catchment (<= 0:
	// DefaultSigmaShare).
	SigmaShare float64
}

// weight returns w(t) for catchment c (t <= c).
func (o FCAOptions) weight(t, c float64) float64 {
	switch o.Decay {
	case Step:
		steps := o.Steps
		if len(steps) == 0 {
			steps = DefaultSteps
		}
		k := len(steps)
		for z := 0; z < k; z++ {
			if t <= c*float64(z+1)/float64(k) {
				return steps[z]
			}
		}
		return 0
	case Gaussian:
		share := o.SigmaShare
		if share <= 0 {
			share = DefaultSigmaShare
		}
		sigma := share * c
		if sigma == 0 {
			return 1
		}
		return math.Exp(-t * t / (2 * sigma * sigma))
	}
	return 1
}

// FCA is a floating-catchment accessibility answer.
type FCA struct {
	Options FCAOptions
	// Ratio is each shelter's places per (weighted) resident of its
	// catchment, Rⱼ = Sⱼ / Σₖ Pₖ w(tₖⱼ); NaN when its catchment holds no
	// resident (its places then reach nobody).
	Ratio []float64
	// Demand is each shelter's weighted residents, Σₖ Pₖ w(tₖⱼ).
	Demand []float64
	// Access is each cell's places per resident, Aᵢ = Σⱼ Rⱼ w(tᵢⱼ) over the
	// shelters whose catchment holds the cell; 0 when none does.
	Access []float64
}

// TwoStep computes the two-step floating catchment area on m: pop is the
// residents of each cell, supply the places of each shelter, catchment
// each shelter's catchment in seconds (entries of m farther than it are
// ignored). With opt.Decay None it is 2SFCA (Luo & Wang 2003); with Step or
// Gaussian, E2SFCA (Luo & Qi 2009).
//
// Where every resident has a shelter in reach, Σᵢ Pᵢ Aᵢ equals the places of
// the shelters whose catchment holds someone, whatever the weights: the
// weights of step 1 and step 2 are the same.
func TwoStep(m *Matrix, pop, supply, catchment []float64, opt FCAOptions) (*FCA, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if len(pop) != m.Cells || len(supply) != m.Shelters || len(catchment) != m.Shelters {
		return nil, fmt.Errorf("%w: matrix %d×%d, %d populations, %d supplies, %d catchments",
			ErrInput, m.Cells, m.Shelters, len(pop), len(supply), len(catchment))
	}
	if opt.Decay > Gaussian {
		return nil, fmt.Errorf("%w: decay %v", ErrInput, opt.Decay)
	}
	for _, s := range opt.Steps {
		if !(s >= 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("%w: step weight %v", ErrInput, s)
		}
	}
	f := &FCA{Options: opt, Ratio: make([]float64, m.Shelters), Demand: make([]float64, m.Shelters), Access: make([]float64, m.Cells)}
	w := make([]float64, m.Len())
	for i := 0; i < m.Cells; i++ {
		for k := m.Off[i]; k < m.Off[i+1]; k++ {
			j := m.Shelter[k]
			if t, c := m.Seconds[k], catchment[j]; t <= c {
				w[k] = opt.weight(t, c)
				f.Demand[j] += pop[i] * w[k]
			}
		}
	}
	for j := range f.Ratio {
		f.Ratio[j] = math.NaN()
		if f.Demand[j] > 0 {
			f.Ratio[j] = supply[j] / f.Demand[j]
		}
	}
	for i := 0; i < m.Cells; i++ {
		var a float64
		for k := m.Off[i]; k < m.Off[i+1]; k++ {
			if r := f.Ratio[m.Shelter[k]]; w[k] > 0 && !math.IsNaN(r) {
				a += r * w[k]
			}
		}
		f.Access[i] = a
	}
	return f, nil
}
