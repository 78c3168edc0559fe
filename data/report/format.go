package report

import (
	"math"
	"strconv"
	"strings"
)

// people formats a count of people rounded to a whole person, with
// thousands separators: 77,543. NaN is "–".
func people(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return thousands(strconv.FormatFloat(math.Round(v)+0, 'f', 0, 64))
}

// count formats an integer with thousands separators.
func count(n int) string { return thousands(strconv.Itoa(n)) }

func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// pct formats a share as a percentage with one decimal. A share below 1
// is rounded down, so that a unit short of a 100 % target never reads
// "100.0 %"; NaN is "–".
func pct(share float64) string {
	if math.IsNaN(share) || math.IsInf(share, 0) {
		return "–"
	}
	v := share * 100
	if share < 1 {
		v = math.Floor(v*10) / 10
	} else {
		v = math.Round(v*10) / 10
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " %"
}

// target formats a standard's share: "100 %", "15 %", "97.5 %".
func target(share float64) string {
	return strconv.FormatFloat(math.Round(share*1000)/10, 'f', -1, 64) + " %"
}

// dur formats seconds as m:ss (h:mm:ss from an hour), whole seconds cut
// as the printed summary does; NaN is "not reached".
func dur(sec float64) string { return durOr(sec, "not reached") }

func durOr(sec float64, none string) string {
	if math.IsNaN(sec) || math.IsInf(sec, 0) {
		return none
	}
	s := int(sec)
	if s >= 3600 {
		return strconv.Itoa(s/3600) + ":" + pad2(s/60%60) + ":" + pad2(s%60)
	}
	return strconv.Itoa(s/60) + ":" + pad2(s%60)
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// decimal formats v with d decimals; NaN is "–".
func decimal(v float64, d int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', d, 64)
}

func trimRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// bytesLabel formats a file size: 1.6 MB, 474 B.
func bytesLabel(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
