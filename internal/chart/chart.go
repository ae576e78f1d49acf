// Package chart draws the monitoring dashboard's charts as inline SVG, rendered on the
// server: no script, no style attribute or element (the back office's
// Content-Security-Policy allows neither), presentation attributes only. A chart scales to
// the width of its container and stays legible on a 360 px phone; its series differ by
// shape and dash as well as by colour (the Okabe–Ito palette), so colour-blind readers can
// tell them apart. A chart is a picture of figures that the page also gives as a table
// (for screen readers and for copying): to assistive technology it is one image, named by
// its title and description.
//
// The <svg> carries class="chart" so that the page's stylesheet can cap its width on wide
// screens (e.g. .chart { max-width: 36rem; }): it has no height of its own and keeps the
// proportions of its viewBox.
package chart

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"hash/fnv"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Series is one named line of a line chart.
type Series struct {
	Name   string
	Values []int64 // one per label
}

// Geometry, in viewBox units.
const (
	width = 400.0
	// fontSize is 11.5 px where the chart is 328 px wide: a 360 px phone less the page's
	// padding.
	fontSize = 14.0
	// charWidth is the advance of one character as estimated for layout: generous, so that
	// labels estimated not to collide do not.
	charWidth = 0.6 * fontSize
	lineGap   = fontSize + 3 // between the lines of a wrapped label
	// maxLabelRunes is as much of a label as an axis shows; the tooltips show all of it.
	maxLabelRunes = 18
	maxXLabels    = 7
)

// Okabe–Ito colours, and for each series a dash and a marker shape too.
var (
	palette = []string{"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"}
	dashes  = []string{"", "7 4", "2 3", "9 3 2 3"}
)

const (
	circle = iota
	square
	triangle
	diamond
	shapes
)

// Lines draws a line chart of series over labels (e.g. days): one polyline and one marker
// per value per series. A series with fewer values than labels stops early; values beyond
// the labels are ignored.
func Lines(title, desc string, labels []string, series []Series) template.HTML {
	labels = cleanAll(labels)
	names := make([]string, len(series))
	for i, s := range series {
		names[i] = clean(s.Name)
	}
	v := newView("line", title, desc, labels, series)

	none := len(labels) == 0
	if !none {
		none = true
		for _, s := range series {
			if len(s.Values) > 0 {
				none = false
			}
		}
	}

	lo, hi := int64(0), int64(0)
	for _, s := range series {
		for _, x := range upTo(s.Values, len(labels)) {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	sc := niceScale(lo, hi)
	v.yAxis(sc, none)
	var legendHeight coord
	v.Legend, legendHeight = layoutLegend(names, v.Left, v.Right)
	v.frame(legendHeight+fontSize, 165, fontSize+16, sc, none)
	if none {
		return v.render()
	}

	slot := (v.Right - v.Left) / coord(len(labels))
	x := func(i int) coord { return v.Left + slot*(coord(i)+0.5) }
	v.XLabels = layoutXLabels(labels, x, slot, v.Bottom)

	// Markers thinner than this would pile into a bead string that hides the dashes: they
	// stay as invisible targets for their tooltips.
	visible := slot >= 5
	r := coord(math.Min(3.5, math.Max(2, float64(slot)*0.3)))
	for k, s := range series {
		vals := upTo(s.Values, len(labels))
		pts := make([]string, len(vals))
		for i, val := range vals {
			cx, cy := x(i), coord(sc.y(float64(val), float64(v.Top), float64(v.Bottom)))
			pts[i] = cx.String() + "," + cy.String()
			m := markerAt(k, cx, cy, r)
			if !visible {
				m = markerAt(k, cx, cy, max(slot/2, 1))
				m.Opacity = "0"
			}
			m.Class = "marker"
			m.Title = labels[i] + ": " + grouped(val)
			if names[k] != "" {
				m.Title += " " + names[k]
			}
			v.Markers = append(v.Markers, m)
		}
		v.Polylines = append(v.Polylines, polyline{
			Points: strings.Join(pts, " "),
			Colour: palette[k%len(palette)],
			Dash:   dashes[k%len(dashes)],
		})
	}
	return v.render()
}

// Bars draws a bar chart: one bar per label, its value written above it. With fewer values
// than labels the last labels have no bar; values beyond the labels are ignored.
func Bars(title, desc string, labels []string, values []int64) template.HTML {
	labels = cleanAll(labels)
	vals := upTo(values, len(labels))
	v := newView("bar", title, desc, labels, []Series{{Values: values}})

	lo, hi := int64(0), int64(0)
	for _, x := range vals {
		lo, hi = min(lo, x), max(hi, x)
	}
	sc := niceScale(lo, hi)
	none := len(labels) == 0
	v.yAxis(sc, none)
	// Room above the plot for the value over the tallest bar, below it for labels on two
	// lines.
	v.frame(fontSize+10, 150, 2*lineGap+10, sc, none)
	if none {
		return v.render()
	}

	slot := (v.Right - v.Left) / coord(len(labels))
	x := func(i int) coord { return v.Left + slot*(coord(i)+0.5) }
	v.XLabels = layoutXLabels(labels, x, slot, v.Bottom)

	w := min(slot*0.6, 64)
	zero := coord(sc.y(0, float64(v.Top), float64(v.Bottom)))
	for i, val := range vals {
		y := coord(sc.y(float64(val), float64(v.Top), float64(v.Bottom)))
		label := grouped(val)
		if textWidth(label) > slot-2 {
			label = compact(float64(val))
		}
		b := bar{
			X: x(i) - w/2, Y: min(y, zero), W: w, H: coord(math.Abs(float64(y - zero))),
			Colour: palette[0],
			Title:  labels[i] + ": " + grouped(val),
			LabelX: x(i), LabelY: y - 5,
			Label: label,
		}
		if val != 0 && b.H < 1 { // a small value next to a large one still shows a bar
			b.H = 1
			if val > 0 {
				b.Y = zero - 1
			}
		}
		if val < 0 {
			b.LabelY = y + fontSize + 2
		}
		v.Bars = append(v.Bars, b)
	}
	return v.render()
}

// upTo is vs cut to n.
func upTo(vs []int64, n int) []int64 { return vs[:min(len(vs), n)] }

//go:embed chart.svg.tmpl
var source string

// page is parsed at start: a template that does not parse stops the program there.
var page = template.Must(template.New("chart").Parse(source))

// coord is a length in viewBox units, written with one decimal at most.
type coord float64

func (c coord) String() string {
	r := math.Round(float64(c)*10) / 10
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

type view struct {
	ID, Title, Desc string
	Width, Height   coord
	FontSize        coord

	Left, Right, Top, Bottom coord // the plot area

	Grid      []gridLine
	XLabels   []xLabel
	Legend    []legendItem
	Polylines []polyline
	Markers   []marker
	Bars      []bar
	NoData    *point
}

type point struct{ X, Y coord }

type gridLine struct {
	X1, X2, Y, LabelX coord
	Label             string
}

type xLabel struct {
	TickX, TickY1, TickY2 coord
	Lines                 []textLine
}

type textLine struct {
	X, Y coord
	Text string
}

type legendItem struct {
	X1, X2, Y, TextX coord
	Colour, Dash     string
	Name             string
	Marker           marker
}

type polyline struct{ Points, Colour, Dash string }

type marker struct {
	Circle        bool
	X, Y, R       coord  // a circle's
	Points        string // a polygon's
	Class, Colour string // Class tells markers from legend swatches
	Opacity       string // "0" for an invisible target, else empty
	Title         string // the tooltip
}

type bar struct {
	X, Y, W, H     coord
	Colour, Title  string
	LabelX, LabelY coord
	Label          string
}

// newView starts a chart with its ids, derived from everything it shows: two charts on one
// page differ in id unless they are the same chart, and the same input gives the same bytes.
func newView(kind, title, desc string, labels []string, series []Series) *view {
	h := fnv.New64a()
	write := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	write(kind)
	write(title)
	write(desc)
	for _, l := range labels {
		write(l)
	}
	for _, s := range series {
		write(s.Name)
		for _, x := range s.Values {
			h.Write(binary.AppendVarint(nil, x))
		}
		write("")
	}
	return &view{
		ID:       "chart-" + strconv.FormatUint(h.Sum64(), 36),
		Title:    clean(title),
		Desc:     clean(desc),
		Width:    width,
		FontSize: fontSize,
	}
}

// yAxis sets the plot's left and right edges: room on the left for the widest tick label.
func (v *view) yAxis(sc scale, none bool) {
	v.Left, v.Right = 8, width-16
	if none {
		return
	}
	for _, t := range sc.ticks() {
		v.Left = max(v.Left, textWidth(compact(t))+10)
	}
}

// frame lays out the plot area below top, plotHeight tall with bottom below it for the x
// labels, and its gridlines; with none it writes "No data" in it instead.
func (v *view) frame(top, plotHeight, bottom coord, sc scale, none bool) {
	v.Top, v.Bottom = top, top+plotHeight
	v.Height = v.Bottom + bottom
	if none {
		v.NoData = &point{X: (v.Left + v.Right) / 2, Y: (v.Top + v.Bottom) / 2}
		return
	}
	for _, t := range sc.ticks() {
		v.Grid = append(v.Grid, gridLine{
			X1: v.Left, X2: v.Right, LabelX: v.Left - 5,
			Y:     coord(sc.y(t, float64(v.Top), float64(v.Bottom))),
			Label: compact(t),
		})
	}
}

func (v *view) render() template.HTML {
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		// The view is typed and the template fixed: only a bug in this package gets here,
		// and every branch of the template runs in the tests.
		panic("chart: " + err.Error())
	}
	return template.HTML(b.String()) // html/template escaped every value
}

// layoutXLabels chooses which labels the x axis shows, and how: every label on one line
// where they fit, else every label on two lines, else every so many on one line, the last
// among them, at most maxXLabels.
func layoutXLabels(labels []string, x func(int) coord, slot, axis coord) []xLabel {
	short := make([]string, len(labels))
	for i, l := range labels {
		short[i] = truncate(l, maxLabelRunes)
	}
	fit := func(s string) bool { return textWidth(s) <= slot-6 }
	lines := make([][]string, len(labels))
	one := len(labels) <= maxXLabels
	for _, s := range short {
		one = one && fit(s)
	}
	two := !one && len(labels) <= maxXLabels
	if two {
		for i, s := range short {
			a, b, ok := wrap(s)
			two = two && ok && fit(a) && fit(b)
			lines[i] = []string{a, b}
			if fit(s) {
				lines[i] = []string{s}
			}
		}
	}
	show := make([]int, len(labels))
	for i := range show {
		show[i] = i
	}
	if !one && !two {
		widest := coord(0)
		for i, s := range short {
			widest = max(widest, textWidth(s))
			lines[i] = []string{s}
		}
		// Every step-th label back from the last, the latest day being the one people
		// look for: evenly spaced, at most maxXLabels, and as close as they can be without
		// touching where they are drawn (moved in from the edges).
		n := len(labels)
		step := max(int(math.Ceil(float64((widest+12)/slot))), (n-1+maxXLabels-2)/(maxXLabels-1), 1)
		for ; ; step++ {
			show = show[:0]
			for i := (n - 1) % step; i < n; i += step {
				show = append(show, i)
			}
			if apart(show, short, x) || len(show) == 1 {
				break
			}
		}
	}
	if one {
		for i, s := range short {
			lines[i] = []string{s}
		}
	}

	out := make([]xLabel, 0, len(show))
	for _, i := range show {
		l := xLabel{TickX: x(i), TickY1: axis, TickY2: axis + 4}
		for j, text := range lines[i] {
			l.Lines = append(l.Lines, textLine{X: labelX(x(i), text), Y: axis + fontSize + 6 + coord(j)*lineGap, Text: text})
		}
		out = append(out, l)
	}
	return out
}

// labelX is where text labelling x is centred: there, or moved in to stay inside the
// viewBox rather than be cut.
func labelX(x coord, text string) coord {
	half := textWidth(text) / 2
	return min(max(x, half+2), width-half-2)
}

// apart tells whether the labels shown, on one line each, keep clear of each other.
func apart(show []int, labels []string, x func(int) coord) bool {
	for k := 1; k < len(show); k++ {
		a, b := labels[show[k-1]], labels[show[k]]
		gap := labelX(x(show[k]), b) - labelX(x(show[k-1]), a)
		if gap < (textWidth(a)+textWidth(b))/2+6 {
			return false
		}
	}
	return true
}

// layoutLegend places one item per series in rows between left and right, and returns them
// with the height of their rows; no series, no legend.
func layoutLegend(names []string, left, right coord) ([]legendItem, coord) {
	if len(names) == 0 {
		return nil, 0
	}
	// sample fits the dash pattern 7 4 so that a whole dash shows either side of the marker.
	const sample, gap, spacing, rowHeight = 29.0, 6.0, 18.0, fontSize + 8
	var items []legendItem
	x, row := left, 0
	for k, name := range names {
		name = truncate(name, int((right-left-sample-gap)/charWidth))
		w := sample + gap + textWidth(name)
		if x > left && x+w > right {
			x, row = left, row+1
		}
		y := coord(row)*rowHeight + rowHeight/2
		m := markerAt(k, x+sample/2, y, 4)
		m.Class = "legend-marker"
		items = append(items, legendItem{
			X1: x, X2: x + sample, Y: y, TextX: x + sample + gap,
			Colour: palette[k%len(palette)], Dash: dashes[k%len(dashes)],
			Name: name, Marker: m,
		})
		x += w + spacing
	}
	return items, coord(row+1) * rowHeight
}

// markerAt is series k's marker at cx, cy, about r in radius: a circle, a square, a
// triangle, a diamond, in turn.
func markerAt(k int, cx, cy, r coord) marker {
	m := marker{Colour: palette[k%len(palette)], X: cx, Y: cy, R: r}
	switch k % shapes {
	case circle:
		m.Circle = true
	case square:
		s := r * 0.9
		m.Points = joinPoints([]coord{cx - s, cy - s, cx + s, cy - s, cx + s, cy + s, cx - s, cy + s})
	case triangle:
		s := r * 1.3
		m.Points = joinPoints([]coord{cx, cy - s, cx + s, cy + s*0.75, cx - s, cy + s*0.75})
	case diamond:
		s := r * 1.3
		m.Points = joinPoints([]coord{cx, cy - s, cx + s, cy, cx, cy + s, cx - s, cy})
	}
	return m
}

func joinPoints(at []coord) string {
	var b strings.Builder
	for i := 0; i+1 < len(at); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(at[i].String() + "," + at[i+1].String())
	}
	return b.String()
}

// textWidth estimates how wide s is drawn.
func textWidth(s string) coord { return coord(utf8.RuneCountInString(s)) * charWidth }

// truncate cuts s to n runes, the last an ellipsis.
func truncate(s string, n int) string {
	if n < 1 {
		n = 1
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// wrap splits s in two at the space nearest its middle.
func wrap(s string) (a, b string, ok bool) {
	r := []rune(s)
	best := -1
	for i, c := range r {
		if c == ' ' && (best < 0 || abs(i-len(r)/2) < abs(best-len(r)/2)) {
			best = i
		}
	}
	if best < 0 {
		return s, "", false
	}
	return string(r[:best]), string(r[best+1:]), true
}

func abs(n int) int { return max(n, -n) }

func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clean(s)
	}
	return out
}

// clean makes s text that XML can carry: escaping cannot help a control character or a
// broken UTF-8 sequence, which no XML document may hold, so they become U+FFFD (strings.Map
// reads a broken sequence as U+FFFD already).
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		if r < 0x20 || r == 0xFFFE || r == 0xFFFF {
			return '\uFFFD'
		}
		return r
	}, s)
}
