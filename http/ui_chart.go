package http

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// chartPoint is one bar of a bar chart: a day and its count.
type chartPoint struct {
	Date  string // YYYY-MM-DD
	Value int64
}

// Geometry of the bar charts, in viewBox units; the SVG scales to its box.
const (
	chartWidth   = 720
	chartHeight  = 180
	chartTop     = 16  // room for the maximum's label
	chartBottom  = 24  // room for the first and last dates
	chartLeft    = 4   // room before the first bar
	chartBarFrac = 0.8 // share of a day's slot a bar fills
)

// barChartSVG draws counts per day as an inline SVG bar chart rendered on
// the server: no script, and no style attribute (the pages' Content
// Security Policy allows only the stylesheet). It is an image to
// assistive technology (role="img", with a <title> and a <desc> that
// summarise it); the page puts the full data in a table beside it. Each
// bar carries its date and count (data-date, data-value) and a <title>
// shown on hover. title and unit ("uses") are plain text, escaped here.
func barChartSVG(id, title, unit string, points []chartPoint) template.HTML {
	var max, total int64
	busiest := -1
	for i, p := range points {
		total += p.Value
		if p.Value > max {
			max, busiest = p.Value, i
		}
	}
	desc := "No " + unit + " in this period."
	if len(points) > 0 {
		desc = fmt.Sprintf("%d %s in total from %s to %s.", total, unit, points[0].Date, points[len(points)-1].Date)
		if busiest >= 0 {
			desc += fmt.Sprintf(" Busiest day %s with %d.", points[busiest].Date, max)
		}
	}
	e := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" role="img" aria-labelledby="%s-title %s-desc" viewBox="0 0 %d %d">`,
		e(id), e(id), e(id), chartWidth, chartHeight)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, e(id), e(title), e(id), e(desc))
	base := float64(chartHeight - chartBottom)
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%.1f" x2="%d" y2="%.1f"/>`, base, chartWidth, base)
	if len(points) > 0 {
		slot := float64(chartWidth-chartLeft) / float64(len(points))
		plot := base - chartTop
		for i, p := range points {
			h := 0.0
			if max > 0 {
				h = plot * float64(p.Value) / float64(max)
			}
			if p.Value > 0 && h < 1 {
				h = 1 // a day with uses stays visible
			}
			fmt.Fprintf(&b, `<rect class="bar" data-date="%s" data-value="%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d %s</title></rect>`,
				e(p.Date), p.Value, chartLeft+float64(i)*slot, base-h, slot*chartBarFrac, h, e(p.Date), p.Value, e(unit))
		}
		fmt.Fprintf(&b, `<text class="label" x="%d" y="12">max %d</text>`, chartLeft, max)
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d">%s</text>`, chartLeft, chartHeight-6, e(points[0].Date))
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, chartWidth-2, chartHeight-6, e(points[len(points)-1].Date))
	}
	b.WriteString(`</svg>`)
	// Every piece of text above is escaped or a number.
	return template.HTML(b.String())
}
