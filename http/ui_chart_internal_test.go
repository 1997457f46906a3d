package http

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
)

// svgDoc is the part of a chart's SVG the tests read.
type svgDoc struct {
	XMLName xml.Name `xml:"svg"`
	ID      string   `xml:"id,attr"`
	Role    string   `xml:"role,attr"`
	Labels  string   `xml:"aria-labelledby,attr"`
	Title   string   `xml:"title"`
	Desc    string   `xml:"desc"`
	Bars    []struct {
		Date   string `xml:"data-date,attr"`
		Value  string `xml:"data-value,attr"`
		Y      string `xml:"y,attr"`
		Height string `xml:"height,attr"`
		Title  string `xml:"title"`
	} `xml:"rect"`
	Texts []string `xml:"text"`
}

func parseChart(t *testing.T, svg string) svgDoc {
	t.Helper()
	var d svgDoc
	if err := xml.Unmarshal([]byte(svg), &d); err != nil {
		t.Fatalf("the chart is not well-formed SVG: %v\n%s", err, svg)
	}
	return d
}

func TestBarChartSVG(t *testing.T) {
	points := []chartPoint{{"2026-12-01", 0}, {"2026-12-02", 4}, {"2026-12-03", 1}, {"2026-12-04", 2}}
	svg := string(barChartSVG("usage-chart", "Uses <per> day", "uses", points))
	if strings.Contains(svg, "style=") || strings.Contains(svg, "<script") {
		t.Errorf("the chart has inline style or script, which the pages' CSP refuses:\n%s", svg)
	}
	d := parseChart(t, svg)
	if d.ID != "usage-chart" || d.Role != "img" || d.Labels != "usage-chart-title usage-chart-desc" {
		t.Errorf("svg id %q role %q aria-labelledby %q", d.ID, d.Role, d.Labels)
	}
	if d.Title != "Uses <per> day" { // escaped in the markup, text again once parsed
		t.Errorf("title = %q", d.Title)
	}
	if want := "7 uses in total from 2026-12-01 to 2026-12-04. Busiest day 2026-12-02 with 4."; d.Desc != want {
		t.Errorf("desc = %q, want %q", d.Desc, want)
	}
	if len(d.Bars) != len(points) {
		t.Fatalf("%d bars, want %d", len(d.Bars), len(points))
	}
	plot := float64(chartHeight - chartBottom - chartTop)
	for i, p := range points {
		b := d.Bars[i]
		if b.Date != p.Date || b.Value != strconv.FormatInt(p.Value, 10) {
			t.Errorf("bar %d is %s=%s, want %s=%d", i, b.Date, b.Value, p.Date, p.Value)
		}
		h, err := strconv.ParseFloat(b.Height, 64)
		if err != nil {
			t.Fatal(err)
		}
		// Heights are proportional to the counts, the busiest day full.
		if want := plot * float64(p.Value) / 4; h < want-0.1 || h > want+0.1 {
			t.Errorf("bar %s is %.1f high, want %.1f", p.Date, h, want)
		}
		if want := p.Date + ": " + strconv.FormatInt(p.Value, 10) + " uses"; b.Title != want {
			t.Errorf("bar title %q, want %q", b.Title, want)
		}
	}
	if len(d.Texts) != 3 || d.Texts[0] != "max 4" || d.Texts[1] != "2026-12-01" || d.Texts[2] != "2026-12-04" {
		t.Errorf("labels = %q", d.Texts)
	}
}

func TestBarChartSVGWithoutUse(t *testing.T) {
	d := parseChart(t, string(barChartSVG("c", "Uses", "uses", []chartPoint{{"2026-12-01", 0}, {"2026-12-02", 0}})))
	if d.Desc != "0 uses in total from 2026-12-01 to 2026-12-02." {
		t.Errorf("desc = %q", d.Desc)
	}
	for _, b := range d.Bars {
		if b.Height != "0.0" {
			t.Errorf("bar %s of a day without use is %s high", b.Date, b.Height)
		}
	}
	d = parseChart(t, string(barChartSVG("c", "Uses", "uses", nil)))
	if len(d.Bars) != 0 || d.Desc != "No uses in this period." {
		t.Errorf("empty chart: %d bars, desc %q", len(d.Bars), d.Desc)
	}
}
