// Package stats holds small statistics shared by the analyses.
package stats

import (
	"math"
	"sort"
)

// WeightedQuantiles returns the weighted q-quantiles of values (the least
// value whose cumulative weight reaches q of the total), for weights > 0;
// NaN for every q when no weight is positive. +Inf values count, so a
// quantile is +Inf when that share of the weight is unreachable.
func WeightedQuantiles(values, weights []float64, qs ...float64) []float64 {
	type vw struct{ v, w float64 }
	var v []vw
	var total float64
	for i, x := range values {
		if weights[i] > 0 {
			v = append(v, vw{x, weights[i]})
			total += weights[i]
		}
	}
	out := make([]float64, len(qs))
	if total == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	sort.Slice(v, func(i, j int) bool { return v[i].v < v[j].v })
	for k, q := range qs {
		need := q * total
		var cum float64
		out[k] = v[len(v)-1].v
		for _, x := range v {
			cum += x.w
			if cum >= need-1e-9*total {
				out[k] = x.v
				break
			}
		}
	}
	return out
}
