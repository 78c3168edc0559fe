package geo

// HilbertIndex returns the distance of cell (x, y) along the Hilbert curve
// filling a 2^order × 2^order grid (the classic rotate-and-flip walk; x and
// y in 0..2^order-1, order at most 32). The road graph orders its nodes by
// it and PMTiles numbers its tiles by it.
func HilbertIndex(order uint, x, y uint64) uint64 {
	n := uint64(1) << order
	var d uint64
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint64
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		x, y = hilbertRotate(n, x, y, rx, ry)
	}
	return d
}

// HilbertCell is the inverse of HilbertIndex: the cell at distance d
// (0..4^order-1) along the curve.
func HilbertCell(order uint, d uint64) (x, y uint64) {
	n := uint64(1) << order
	for s := uint64(1); s < n; s *= 2 {
		rx := 1 & (d / 2)
		ry := 1 & (d ^ rx)
		x, y = hilbertRotate(s, x, y, rx, ry)
		x += s * rx
		y += s * ry
		d /= 4
	}
	return x, y
}

// hilbertRotate turns the quadrant: flipping every bit below n when rx
// is set (the only ones the remaining steps read), then swapping x and y.
func hilbertRotate(n, x, y, rx, ry uint64) (uint64, uint64) {
	if ry == 0 {
		if rx == 1 {
			x, y = n-1-x, n-1-y
		}
		x, y = y, x
	}
	return x, y
}
