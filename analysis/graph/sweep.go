package graph

// A SweepTable lays the graph out for sweeps over all of it (one source to
// every node, PHAST): arrays derived from the hierarchy and the chains,
// built on first use and shared by every search of the graph (read-only).
//
//   - The down edges' heads, so that the downward sweep runs edge by edge
//     in one loop over the down edges (no inner loop per node whose length
//     the processor must guess).
//   - Every chain interior node's two ends by sweep position and its times
//     from them, so that a chain node's time is one minimum of two sums
//     read in node order, with no pass along its chain.
type SweepTable struct {
	// DownHead is, by down edge (Hierarchy.Down's order), the sweep
	// position of the node the edge leads into: the row it belongs to.
	DownHead []uint32
	// EndA and EndB are, by interior index i = v−NumCore(), the sweep
	// positions of the core nodes at the A and B ends of v's chain.
	EndA, EndB []uint32
	// FromA is, by interior index, the time from v's A end to v along the
	// chain: the chain's edge times (EdgeWeight's, as ChainInTimes gives
	// them) added in order from the A end, +Inf when the chain cannot be
	// driven that way; FromB likewise from the B end.
	FromA, FromB []Seconds
}

// MemoryBytes returns the bytes the table holds: 4 a down edge and 24 a
// chain interior node.
func (t *SweepTable) MemoryBytes() int {
	if t == nil {
		return 0
	}
	return 4*len(t.DownHead) + 4*(len(t.EndA)+len(t.EndB)) + 8*(len(t.FromA)+len(t.FromB))
}

// SweepTable returns the graph's sweep table, building it on the first call
// (one pass over the down edges and the chains: about a millisecond on
// Malta's 71,000 nodes), or nil when the graph has no hierarchy. It is not
// counted by MemoryBytes: a graph that never sweeps to all nodes never
// builds it.
func (g *Graph) SweepTable() *SweepTable {
	if g.ch == nil {
		return nil
	}
	g.sweepOnce.Do(func() { g.sweep = g.buildSweepTable() })
	return g.sweep
}

// SweepTableBytes returns the bytes SweepTable holds, or would hold once
// built (0 without a hierarchy): 4 a down edge and 24 a chain interior node.
func (g *Graph) SweepTableBytes() int {
	if g.ch == nil {
		return 0
	}
	return 4*g.ch.NumDown() + 24*(g.NumNodes()-g.NumCore())
}

func (g *Graph) buildSweepTable() *SweepTable {
	h := g.ch
	t := &SweepTable{DownHead: make([]uint32, len(h.dnSrc))}
	for p := 0; p+1 < len(h.dnOff); p++ {
		for e := h.dnOff[p]; e < h.dnOff[p+1]; e++ {
			t.DownHead[e] = uint32(p)
		}
	}
	n := g.NumNodes() - g.NumCore()
	t.EndA, t.EndB = make([]uint32, n), make([]uint32, n)
	t.FromA, t.FromB = make([]Seconds, n), make([]Seconds, n)
	var inA, inB []Seconds
	for c := range g.NumChains() {
		first, end, a, b := g.Chain(c)
		inA, inB = g.ChainInTimes(c, inA, inB)
		i0 := int(first) - g.NumCore()
		k := int(end - first)
		pa, pb := h.Position(a), h.Position(b)
		var sum Seconds
		for i := range k {
			t.EndA[i0+i], t.EndB[i0+i] = pa, pb
			sum += inA[i] // +Inf from a missing edge on
			t.FromA[i0+i] = sum
		}
		sum = 0
		for i := k - 1; i >= 0; i-- {
			sum += inB[i]
			t.FromB[i0+i] = sum
		}
	}
	return t
}
