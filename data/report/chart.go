package report

import (
	"fmt"
	"html"
	"math"
	"strconv"

	"github.com/rescuegrid/rescuegrid/internal/i18n"
)

// Chart geometry in SVG user units.
const (
	chartW, chartH = 520.0, 300.0
	chartLeft      = 64.0 // room for the y labels
	chartRight     = 16.0
	chartTop       = 34.0
	chartBottom    = 46.0 // room for the x labels and title
)

// gainChart draws the marginal gain of each added site (greedy order) as
// bars: what the K-th station buys, in gainLabel's unit (for p-median,
// person-hours), with its words in language l.
func gainChart(l i18n.Lang, s *Siting, gainLabel string) string {
	vals := make([]float64, len(s.Curve))
	for i, st := range s.Curve {
		v := st.Gain
		if s.Objective == "time" {
			v /= 3600
		}
		vals[i] = math.Max(0, v)
	}
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, v)
	}
	ticks := niceTicks(0, top)
	ymax := ticks[len(ticks)-1]
	pw, ph := chartW-chartLeft-chartRight, chartH-chartTop-chartBottom
	y := func(v float64) float64 { return chartTop + ph*(1-v/ymax) }
	var b []byte
	b = fmt.Appendf(b, `<svg xmlns="http://www.w3.org/2000/svg" id="siting-gain" viewBox="0 0 %g %g" role="img" aria-label="%s">`, chartW, chartH, html.EscapeString(l.T("report.chart.gain_aria", "unit", gainLabel)))
	b = fmt.Appendf(b, `<text x="%g" y="18" font-size="14" font-weight="600" fill="#1b2a3a">%s</text>`, chartLeft, html.EscapeString(l.T("report.chart.gain_title")))
	b = axes(b, ticks, y, pw, formatTick)
	n := len(vals)
	slot := pw / float64(max(n, 1))
	bw := math.Min(slot*0.62, 60)
	b = append(b, `<g id="gain-bars" fill="#6a3d9a">`...)
	for i, v := range vals {
		x := chartLeft + slot*float64(i) + (slot-bw)/2
		b = fmt.Appendf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`, x, y(v), bw, y(0)-y(v), html.EscapeString(l.T("report.chart.bar_tip", "k", i+1, "v", people(v))))
	}
	b = append(b, `</g><g font-size="12" text-anchor="middle" fill="#222">`...)
	for i, v := range vals {
		x := chartLeft + slot*float64(i) + slot/2
		b = fmt.Appendf(b, `<text x="%.1f" y="%.1f">%s</text>`, x, y(v)-5, people(v))
		b = fmt.Appendf(b, `<text x="%.1f" y="%.1f" fill="#555">%d</text>`, x, chartH-chartBottom+17, i+1)
	}
	b = fmt.Appendf(b, `<text x="%.1f" y="%.1f" fill="#555">%s</text></g>`, chartLeft+pw/2, chartH-8, html.EscapeString(l.T("report.chart.gain_x")))
	b = fmt.Appendf(b, `<text transform="translate(14 %.1f) rotate(-90)" font-size="12" text-anchor="middle" fill="#555">%s</text>`, chartTop+ph/2, html.EscapeString(gainLabel))
	return string(append(b, `</svg>`...))
}

// valueChart draws the objective with 0..K new sites: the greedy value,
// the plan after swaps where it differs, and the upper bound on the
// optimum (online bound) as a band, against what any site could reach;
// values in valueLabel's unit, words in language l.
func valueChart(l i18n.Lang, s *Siting, residents float64, valueLabel string) string {
	conv := func(v float64) float64 {
		if s.Objective == "time" && residents > 0 {
			return v / residents / 60 // person-seconds -> mean minutes
		}
		return v
	}
	type pt struct{ k, v, bound float64 }
	pts := []pt{{0, conv(s.Baseline), conv(s.Baseline)}}
	for _, st := range s.Curve {
		bound := st.BoundOnline
		if !math.IsNaN(st.Exact) {
			bound = st.Exact
		}
		pts = append(pts, pt{float64(st.K), conv(st.Value), conv(bound)})
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		for _, v := range []float64{p.v, p.bound} {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if s.Objective != "time" && !math.IsNaN(s.Coverable) {
		hi = math.Max(hi, s.Coverable)
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	ticks := niceTicks(lo-(hi-lo)*0.1, hi)
	y0, y1 := ticks[0], ticks[len(ticks)-1]
	pw, ph := chartW-chartLeft-chartRight, chartH-chartTop-chartBottom
	kmax := math.Max(1, pts[len(pts)-1].k)
	x := func(k float64) float64 { return chartLeft + 14 + (pw-28)*k/kmax }
	y := func(v float64) float64 { return chartTop + ph*(1-(v-y0)/(y1-y0)) }
	var b []byte
	b = fmt.Appendf(b, `<svg xmlns="http://www.w3.org/2000/svg" id="siting-value" viewBox="0 0 %g %g" role="img" aria-label="%s">`, chartW, chartH, html.EscapeString(l.T("report.chart.value_aria", "unit", valueLabel)))
	title := l.T("report.chart.value_title")
	if s.Objective == "time" {
		title = l.T("report.chart.value_title_time")
	}
	b = fmt.Appendf(b, `<text x="%g" y="18" font-size="14" font-weight="600" fill="#1b2a3a">%s</text>`, chartLeft, html.EscapeString(title))
	b = axes(b, ticks, y, pw, formatTick)
	if s.Objective != "time" && !math.IsNaN(s.Coverable) {
		b = fmt.Appendf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="5 4"/><text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#666">%s</text>`,
			chartLeft, chartLeft+pw, y(s.Coverable), y(s.Coverable), chartLeft+pw, y(s.Coverable)-5, html.EscapeString(l.T("report.chart.coverable", "n", people(s.Coverable))))
	}
	// Band between the greedy value and the bound on the optimum.
	var band []byte
	for _, p := range pts {
		if math.IsNaN(p.bound) {
			continue
		}
		cmd := byte('L')
		if len(band) == 0 {
			cmd = 'M'
		}
		band = fmt.Appendf(band, "%c%.1f %.1f", cmd, x(p.k), y(p.bound))
	}
	for i := len(pts) - 1; i >= 0 && len(band) > 0; i-- {
		band = fmt.Appendf(band, "L%.1f %.1f", x(pts[i].k), y(pts[i].v))
	}
	if len(band) > 0 {
		b = fmt.Appendf(b, `<path d="%sz" fill="#cab2d6" fill-opacity=".55" stroke="none"><title>%s</title></path>`, band, html.EscapeString(l.T("report.chart.band")))
	}
	var line []byte
	for i, p := range pts {
		cmd := byte('L')
		if i == 0 {
			cmd = 'M'
		}
		line = fmt.Appendf(line, "%c%.1f %.1f", cmd, x(p.k), y(p.v))
	}
	b = fmt.Appendf(b, `<path d="%s" fill="none" stroke="#6a3d9a" stroke-width="2.5"/>`, line)
	b = append(b, `<g fill="#6a3d9a" stroke="#fff" stroke-width="1.5">`...)
	for _, p := range pts {
		b = fmt.Appendf(b, `<circle cx="%.1f" cy="%.1f" r="4"><title>%s</title></circle>`, x(p.k), y(p.v), html.EscapeString(l.T("report.chart.point", "k", fmt.Sprintf("%g", p.k), "v", formatTick(p.v))))
	}
	b = append(b, `</g><g font-size="12" text-anchor="middle" fill="#555">`...)
	for _, p := range pts {
		b = fmt.Appendf(b, `<text x="%.1f" y="%.1f">%g</text>`, x(p.k), chartH-chartBottom+17, p.k)
	}
	b = fmt.Appendf(b, `<text x="%.1f" y="%.1f">%s</text></g>`, chartLeft+pw/2, chartH-8, html.EscapeString(l.T("report.chart.value_x")))
	b = fmt.Appendf(b, `<text transform="translate(14 %.1f) rotate(-90)" font-size="12" text-anchor="middle" fill="#555">%s</text>`, chartTop+ph/2, html.EscapeString(valueLabel))
	return string(append(b, `</svg>`...))
}

// axes draws horizontal grid lines with their labels.
func axes(b []byte, ticks []float64, y func(float64) float64, pw float64, label func(float64) string) []byte {
	b = append(b, `<g font-size="11" fill="#555" text-anchor="end">`...)
	for _, t := range ticks {
		b = fmt.Appendf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e3e5e8"/><text x="%g" y="%.1f">%s</text>`,
			chartLeft, chartLeft+pw, y(t), y(t), chartLeft-6, y(t)+4, label(t))
	}
	b = fmt.Appendf(b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#888"/>`, chartLeft, chartLeft+pw, y(ticks[0]), y(ticks[0]))
	return append(b, `</g>`...)
}

// niceTicks returns 3 to 7 round tick values covering [lo, hi].
func niceTicks(lo, hi float64) []float64 {
	if !(hi > lo) {
		hi = lo + 1
	}
	raw := (hi - lo) / 5
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := p
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*p >= raw {
			step = f * p
			break
		}
	}
	start := math.Floor(lo/step) * step
	var out []float64
	for v := start; v < hi+step*0.999; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

func formatTick(v float64) string {
	if math.Abs(v) >= 1000 || v == math.Trunc(v) {
		return people(v)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
