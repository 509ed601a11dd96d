package onnx

import "slices"

// withoutWideningCasts returns g's nodes with one export pattern
// rewritten: a Cast to DOUBLE whose output only IsInf and IsNaN nodes read
// (torch.onnx.export writes torch.isinf(x) as IsInf(Cast(x, DOUBLE))) is
// dropped, and those nodes read the Cast's input instead. Widening a
// FLOAT to DOUBLE keeps every value, infinities and NaN included, so the
// tests give the same answers; an input of another type is then refused
// by IsInf or IsNaN rather than run. DOUBLE tensors are not computed
// with otherwise (doc.go). g's nodes are not modified: the rewritten
// readers are copies.
func withoutWideningCasts(g *Graph) []*Node {
	readers := map[string][]int{} // value → the nodes that read it directly
	blocked := map[string]bool{}  // values read otherwise: graph outputs, subgraphs
	for _, o := range g.Outputs {
		blocked[o.Name] = true
	}
	for i, n := range g.Nodes {
		for _, in := range n.Inputs {
			readers[in] = append(readers[in], i)
		}
		for _, in := range nodeReads(n)[len(n.Inputs):] {
			blocked[in] = true
		}
	}
	nodes := g.Nodes
	drop := map[int]bool{}
	for i, n := range g.Nodes {
		if n.OpType != "Cast" || n.Domain != "" || len(n.Inputs) != 1 || len(n.Outputs) != 1 || n.Inputs[0] == "" {
			continue
		}
		if to := n.Attr("to"); to == nil || to.Type != AttrInt || to.I != int64(Double) {
			continue
		}
		out := n.Outputs[0]
		rs := readers[out]
		if out == "" || blocked[out] || len(rs) == 0 {
			continue
		}
		ok := true
		for _, r := range rs {
			if op := g.Nodes[r].OpType; (op != "IsInf" && op != "IsNaN") || g.Nodes[r].Domain != "" {
				ok = false
			}
		}
		if !ok {
			continue
		}
		if len(drop) == 0 {
			nodes = slices.Clone(g.Nodes)
		}
		drop[i] = true
		for _, r := range rs {
			c := *nodes[r]
			c.Inputs = slices.Clone(c.Inputs)
			for j, in := range c.Inputs {
				if in == out {
					c.Inputs[j] = n.Inputs[0]
				}
			}
			nodes[r] = &c
		}
	}
	if len(drop) == 0 {
		return nodes
	}
	kept := nodes[:0:0]
	for i, n := range nodes {
		if !drop[i] {
			kept = append(kept, n)
		}
	}
	return kept
}
