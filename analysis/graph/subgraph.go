package graph

import (
	"errors"
	"fmt"
	"slices"
)

// Subgraph returns the part of g around the nodes keep marks (len
// NumNodes()), and the NodeID in g of each of its nodes (ascending).
//
// It keeps whole chains: a chain of two-neighbour nodes is kept when any of
// its interior nodes is marked or both its ends are, and a kept chain keeps
// both its end nodes, so the core graph and the chain shortcuts of what is
// kept are those of g. Every edge between kept nodes is kept. Node order is
// g's order restricted to the kept nodes, so snapping and searches break
// ties the same way in both graphs, and the strongly connected components
// are g's (see Parent): a point snaps to the same road, and a search whose
// paths all lie inside the kept part gives bit-identical times.
//
// g is not changed. The result is immutable like any Graph.
func (g *Graph) Subgraph(keep []bool) (*Graph, []NodeID, error) {
	n := g.NumNodes()
	if len(keep) != n {
		return nil, nil, fmt.Errorf("graph: subgraph mask of %d nodes for a graph of %d", len(keep), n)
	}
	in := slices.Clone(keep)
	nc := int(g.nCore)
	keptChain := make([]bool, g.NumChains())
	for c := range keptChain {
		first, end, a, b := g.Chain(c)
		k := in[a] && in[b]
		for v := first; v < end && !k; v++ {
			k = in[v]
		}
		keptChain[c] = k
	}
	for c, k := range keptChain {
		first, end, a, b := g.Chain(c)
		for v := first; v < end; v++ {
			in[v] = k
		}
		if k {
			in[a], in[b] = true, true
		}
	}
	old := make([]NodeID, 0, n)
	newID := make([]NodeID, n)
	for v := 0; v < n; v++ {
		newID[v] = NoNode
		if in[v] {
			newID[v] = NodeID(len(old))
			old = append(old, NodeID(v))
		}
	}
	if len(old) == 0 {
		return nil, nil, errors.New("graph: subgraph keeps no node")
	}
	s := &Graph{meta: g.meta}
	s.meta.Parent = &Parent{Nodes: n, Edges: g.NumEdges(), Components: g.NumComponents(), LargestComponent: g.LargestComponentSize()}
	if p := g.meta.Parent; p != nil {
		s.meta.Parent = p // a subgraph of a subgraph answers to the first parent
	}
	m := len(old)
	s.offsets = make([]uint32, m+1)
	s.osmIDs, s.latE7, s.lonE7, s.comp = make([]int64, m), make([]int32, m), make([]int32, m), make([]uint32, m)
	wayNew := map[uint32]uint32{}
	// Component ids keep their order, so a tie broken by id breaks alike.
	compNew := map[uint32]uint32{}
	for _, v := range old {
		compNew[g.comp[v]] = 0
	}
	comps := make([]uint32, 0, len(compNew))
	for c := range compNew {
		comps = append(comps, c)
	}
	slices.Sort(comps)
	for k, c := range comps {
		compNew[c] = uint32(k)
		s.cSize = append(s.cSize, g.cSize[c])
	}
	for i, v := range old {
		s.osmIDs[i], s.latE7[i], s.lonE7[i] = g.osmIDs[v], g.latE7[v], g.lonE7[v]
		s.comp[i] = compNew[g.comp[v]]
		if int(v) < nc {
			s.nCore++
		}
		for e := g.offsets[v]; e < g.offsets[v+1]; e++ {
			t := newID[g.targets[e]]
			if t == NoNode {
				continue
			}
			w, ok := wayNew[g.edgeWay[e]]
			if !ok {
				w = uint32(len(s.wayIDs))
				wayNew[g.edgeWay[e]] = w
				s.wayIDs = append(s.wayIDs, g.wayIDs[g.edgeWay[e]])
			}
			s.targets = append(s.targets, t)
			s.weights = append(s.weights, g.weights[e])
			s.edgeWay = append(s.edgeWay, w)
		}
		s.offsets[i+1] = uint32(len(s.targets))
	}
	s.chainStart = []uint32{s.nCore}
	for c, k := range keptChain {
		if !k {
			continue
		}
		_, end, a, b := g.Chain(c)
		s.chainStart = append(s.chainStart, uint32(newID[end-1])+1)
		s.chainA = append(s.chainA, newID[a])
		s.chainB = append(s.chainB, newID[b])
	}
	if s.nCore == 0 {
		return nil, nil, errors.New("graph: subgraph keeps no core node")
	}
	if err := s.validate(); err != nil {
		return nil, nil, fmt.Errorf("graph: subgraph: %w", err)
	}
	if err := s.buildCore(); err != nil {
		return nil, nil, fmt.Errorf("graph: subgraph: %w", err)
	}
	return s, old, nil
}
