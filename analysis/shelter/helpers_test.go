package shelter_test

import (
	"math"

	"github.com/rescuegrid/rescuegrid/analysis/shelter"
)

// certificate checks an assignment independently of the solver, on the
// residual network of source → cells → shelters → sink: no augmenting path
// (the most residents are placed), and no negative-cost cycle (Bellman–Ford:
// the walking is least among such placements). It returns whether an
// augmenting path exists and the most negative cycle cost found per
// resident (0 when there is none: the assignment is optimal).
func certificate(m *shelter.Matrix, demand, places []float64, a *shelter.Assignment, eps float64) (augmentable bool, negCycle float64) {
	n, s := m.Cells, m.Shelters
	src, sink := 0, n+s+1
	type arc struct {
		from, to int
		cost     float64
	}
	var arcs []arc
	for i := 0; i < n; i++ {
		if demand[i]-a.Placed[i] > eps {
			arcs = append(arcs, arc{src, 1 + i, 0})
		}
		if a.Placed[i] > eps {
			arcs = append(arcs, arc{1 + i, src, 0})
		}
		for k := m.Off[i]; k < m.Off[i+1]; k++ {
			j := 1 + n + int(m.Shelter[k])
			if demand[i]-a.Flow[k] > eps {
				arcs = append(arcs, arc{1 + i, j, m.Seconds[k]})
			}
			if a.Flow[k] > eps {
				arcs = append(arcs, arc{j, 1 + i, -m.Seconds[k]})
			}
		}
	}
	for j := 0; j < s; j++ {
		if places[j]-a.Load[j] > eps {
			arcs = append(arcs, arc{1 + n + j, sink, 0})
		}
		if a.Load[j] > eps {
			arcs = append(arcs, arc{sink, 1 + n + j, 0})
		}
	}
	// Reachability of the sink from the source.
	adj := make([][]int, n+s+2)
	for _, e := range arcs {
		adj[e.from] = append(adj[e.from], e.to)
	}
	seen := make([]bool, n+s+2)
	stack := []int{src}
	seen[src] = true
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, v := range adj[u] {
			if !seen[v] {
				seen[v] = true
				stack = append(stack, v)
			}
		}
	}
	augmentable = seen[sink]
	// Bellman–Ford from a virtual node joined to all at cost 0.
	dist := make([]float64, n+s+2)
	for round := 0; round <= n+s+2; round++ {
		changed := false
		for _, e := range arcs {
			if d := dist[e.from] + e.cost; d < dist[e.to]-1e-7 {
				if round == n+s+2 {
					negCycle = math.Min(negCycle, d-dist[e.to])
				}
				dist[e.to] = d
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return augmentable, negCycle
}
