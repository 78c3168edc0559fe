package graph

// stronglyConnected labels the strongly connected components of g with an
// iterative Tarjan walk (no recursion, so a long road chain cannot overflow
// the stack). It returns each node's component and each component's size.
func stronglyConnected(g *Graph) (comp []uint32, size []uint32) {
	n := g.NumNodes()
	const unvisited = ^uint32(0)
	index := make([]uint32, n)
	low := make([]uint32, n)
	comp = make([]uint32, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = unvisited
		comp[i] = unvisited
	}
	var stack []NodeID
	type frame struct {
		v NodeID
		e uint32 // next out-edge to look at
	}
	var call []frame
	next := uint32(0)
	for root := 0; root < n; root++ {
		if index[root] != unvisited {
			continue
		}
		call = append(call, frame{NodeID(root), g.offsets[root]})
		index[root], low[root] = next, next
		next++
		stack = append(stack, NodeID(root))
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.e < g.offsets[v+1] {
				w := g.targets[f.e]
				f.e++
				if index[w] == unvisited {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, g.offsets[w]})
				} else if onStack[w] {
					low[v] = min(low[v], index[w])
				}
				continue
			}
			// v is done: pop the frame, pass low up, emit a component at a root.
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				c := uint32(len(size))
				var s uint32
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = c
					s++
					if w == v {
						break
					}
				}
				size = append(size, s)
			}
		}
	}
	return comp, size
}
