package chart

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"testing"
)

const svgNS = "http://www.w3.org/2000/svg"

// node is any element of a parsed chart.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) num(t *testing.T, name string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.XMLName.Local, name, n.attr(name), err)
	}
	return f
}

// all is every element below n (n included) that keep accepts, in document order.
func (n node) all(keep func(node) bool) []node {
	var out []node
	if keep(n) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.all(keep)...)
	}
	return out
}

func (n node) class(c string) []node {
	return n.all(func(m node) bool { return m.attr("class") == c })
}

func (n node) named(local string) []node {
	return n.all(func(m node) bool { return m.XMLName.Local == local })
}

// text is n's text with that of its children.
func (n node) text() string {
	s := n.Text
	for _, c := range n.Children {
		s += c.text()
	}
	return s
}

// childTitle is the text of n's own <title>, "" without one.
func (n node) childTitle() string {
	for _, c := range n.Children {
		if c.XMLName.Local == "title" {
			return c.Text
		}
	}
	return ""
}

// parse reads a chart as a standalone XML document: well formed, an <svg> root in the SVG
// namespace, named for assistive technology by its <title> and <desc>.
func parse(t *testing.T, h template.HTML) node {
	t.Helper()
	var root node
	d := xml.NewDecoder(strings.NewReader(string(h)))
	d.Strict = true
	if err := d.Decode(&root); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, h)
	}
	if root.XMLName.Space != svgNS || root.XMLName.Local != "svg" {
		t.Fatalf("root is %v, want svg in %s", root.XMLName, svgNS)
	}
	if got := root.attr("role"); got != "img" {
		t.Errorf(`role=%q, want "img"`, got)
	}
	if root.attr("viewBox") == "" || root.attr("width") != "100%" {
		t.Errorf("viewBox=%q width=%q: it must scale to its container", root.attr("viewBox"), root.attr("width"))
	}
	ids := strings.Fields(root.attr("aria-labelledby"))
	if len(ids) != 2 {
		t.Fatalf("aria-labelledby=%q, want the ids of the title and the description", root.attr("aria-labelledby"))
	}
	for i, want := range []string{"title", "desc"} {
		els := root.all(func(m node) bool { return m.attr("id") == ids[i] })
		if len(els) != 1 || els[0].XMLName.Local != want {
			t.Errorf("aria-labelledby's %q is %d elements, want one <%s>", ids[i], len(els), want)
		}
	}
	return root
}

func days(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%d Dec", i+1)
	}
	return out
}

func seq(n int, f func(i int) int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func TestLinesDrawOnePolylineAndOneMarkerPerValue(t *testing.T) {
	for _, n := range []int{1, 2, 7, 30, 90, 366} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			series := []Series{
				{"received", seq(n, func(i int) int64 { return int64(100 + i) })},
				{"completed", seq(n, func(i int) int64 { return int64(90 + i) })},
			}
			root := parse(t, Lines("Trend", "Received and completed per day", days(n), series))
			if got := root.named("title")[0].Text; got != "Trend" {
				t.Errorf("title %q", got)
			}
			if got := root.named("desc")[0].Text; got != "Received and completed per day" {
				t.Errorf("desc %q", got)
			}
			lines := root.class("series")
			if len(lines) != len(series) {
				t.Fatalf("%d polylines, want %d", len(lines), len(series))
			}
			for k, l := range lines {
				if got := len(strings.Fields(l.attr("points"))); got != n {
					t.Errorf("polyline %d has %d points, want %d", k, got, n)
				}
			}
			markers := root.class("marker")
			if len(markers) != n*len(series) {
				t.Fatalf("%d markers, want %d", len(markers), n*len(series))
			}
			// Every figure is in a tooltip, in order.
			for k, s := range series {
				for i, v := range s.Values {
					want := fmt.Sprintf("%d Dec: %d %s", i+1, v, s.Name)
					if got := markers[k*n+i].childTitle(); got != want {
						t.Fatalf("marker %d of %s: title %q, want %q", i, s.Name, got, want)
					}
				}
			}
			if got := root.class("no-data"); len(got) != 0 {
				t.Errorf(`"No data" on a chart with data`)
			}
		})
	}
}

func TestSeriesDifferByMoreThanColour(t *testing.T) {
	root := parse(t, Lines("t", "d", days(5), []Series{
		{"received", seq(5, func(int) int64 { return 3 })},
		{"completed", seq(5, func(int) int64 { return 2 })},
	}))
	lines := root.class("series")
	if lines[0].attr("stroke") == lines[1].attr("stroke") {
		t.Errorf("both series in %s", lines[0].attr("stroke"))
	}
	if lines[0].attr("stroke-dasharray") != "" || lines[1].attr("stroke-dasharray") == "" {
		t.Errorf("dashes %q and %q: want the first solid and the second dashed",
			lines[0].attr("stroke-dasharray"), lines[1].attr("stroke-dasharray"))
	}
	markers := root.class("marker")
	if a, b := markers[0].XMLName.Local, markers[5].XMLName.Local; a == b {
		t.Errorf("both series' markers are <%s>", a)
	}
	var names []string
	for _, g := range root.class("legend") {
		names = append(names, strings.TrimSpace(g.text()))
	}
	if strings.Join(names, "|") != "received|completed" {
		t.Errorf("legend %q, want each series named", names)
	}
}

func TestBarsDrawOneBarPerLabel(t *testing.T) {
	labels := []string{"Under 1 day", "1 to 3 days", "3 to 7 days", "Over 7 days"}
	values := []int64{412, 1234, 87, 0}
	root := parse(t, Bars("Open requests by age", "How long open requests have waited", labels, values))
	bars := root.class("bar")
	if len(bars) != len(labels) {
		t.Fatalf("%d bars, want %d", len(bars), len(labels))
	}
	written := root.class("bar-value")
	for i, b := range bars {
		if want := fmt.Sprintf("%s: %s", labels[i], grouped(values[i])); b.childTitle() != want {
			t.Errorf("bar %d: title %q, want %q", i, b.childTitle(), want)
		}
		if got, want := written[i].Text, grouped(values[i]); got != want {
			t.Errorf("bar %d: %q written above it, want %q", i, got, want)
		}
	}
	// Heights in proportion to the values.
	h := func(i int) float64 { return bars[i].num(t, "height") }
	if !(h(1) > h(0) && h(0) > h(2) && h(2) > h(3) && h(3) == 0) {
		t.Errorf("heights %v %v %v %v do not follow %v", h(0), h(1), h(2), h(3), values)
	}
	if ratio := h(1) / h(0); math.Abs(ratio-1234.0/412) > 0.05 {
		t.Errorf("height ratio %.3f, want %.3f", ratio, 1234.0/412)
	}
	if len(root.class("legend")) != 0 {
		t.Error("a legend on a chart of one series")
	}
}

// yRange is the values of the lowest and highest gridlines and their y coordinates.
func yRange(t *testing.T, root node) (lo, hi, yLo, yHi float64) {
	t.Helper()
	grid, ticks := root.class("grid"), root.class("y-tick")
	if len(ticks) != len(grid) {
		t.Fatalf("%d gridlines, %d tick labels", len(grid), len(ticks))
	}
	if len(ticks) < 3 || len(ticks) > 6 {
		t.Fatalf("%d ticks on the y axis, want 3 to 5 (6 with values below zero)", len(ticks))
	}
	return parseCompact(t, ticks[0].Text), parseCompact(t, ticks[len(ticks)-1].Text),
		grid[0].num(t, "y1"), grid[len(grid)-1].num(t, "y1")
}

func parseCompact(t *testing.T, s string) float64 {
	t.Helper()
	mult := map[string]float64{"k": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
	m := 1.0
	if f, ok := mult[s[len(s)-1:]]; ok {
		s, m = s[:len(s)-1], f
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		t.Fatalf("tick label %q: %v", s, err)
	}
	return f * m
}

func TestYAxisCoversTheData(t *testing.T) {
	for _, values := range [][]int64{
		{0, 0, 0},
		{1},
		{3, 1, 2},
		{120, 95, 141},
		{1234567, 20, 999999},
		{math.MaxInt64, 0},
		{-40, 25, 10},
	} {
		t.Run(fmt.Sprint(values), func(t *testing.T) {
			labels := days(len(values))
			for name, h := range map[string]template.HTML{
				"lines": Lines("t", "d", labels, []Series{{"received", values}}),
				"bars":  Bars("t", "d", labels, values),
			} {
				root := parse(t, h)
				lo, hi, yLo, yHi := yRange(t, root)
				if hi < float64(max(values[0], values[len(values)-1], slicesMax(values))) {
					t.Errorf("%s: axis tops out at %v, below the data's %d", name, hi, slicesMax(values))
				}
				if lo > 0 || lo > float64(slicesMin(values)) {
					t.Errorf("%s: axis starts at %v", name, lo)
				}
				// Geometry agrees: nothing drawn above the top gridline or below the bottom one.
				var ys []float64
				for _, m := range root.class("marker") {
					ys = append(ys, m.num(t, "cy"))
				}
				for _, b := range root.class("bar") {
					ys = append(ys, b.num(t, "y"), b.num(t, "y")+b.num(t, "height"))
				}
				for _, y := range ys {
					if y < yHi-0.1 || y > yLo+0.1 {
						t.Errorf("%s: y=%v outside the axis %v..%v", name, y, yHi, yLo)
					}
				}
				if len(ys) == 0 {
					t.Errorf("%s: nothing drawn", name)
				}
			}
		})
	}
}

func slicesMax(v []int64) int64 {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func slicesMin(v []int64) int64 {
	m := v[0]
	for _, x := range v {
		m = min(m, x)
	}
	return m
}

func TestNiceScale(t *testing.T) {
	for _, tc := range []struct {
		min, max int64
		want     scale
	}{
		{0, 0, scale{0, 2, 1}},
		{0, 1, scale{0, 2, 1}},
		{0, 7, scale{0, 8, 2}},
		{0, 9, scale{0, 10, 5}},
		{0, 141, scale{0, 150, 50}},
		{0, 1234567, scale{0, 1.5e6, 5e5}},
		{-40, 25, scale{-40, 40, 20}},
	} {
		if got := niceScale(tc.min, tc.max); got != tc.want {
			t.Errorf("niceScale(%d, %d) = %v, want %v", tc.min, tc.max, got, tc.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234",
		math.MinInt64: "-9,223,372,036,854,775,808",
	} {
		if got := grouped(n); got != want {
			t.Errorf("grouped(%d) = %q, want %q", n, got, want)
		}
	}
	for v, want := range map[float64]string{
		0: "0", 2500: "2,500", 12500: "12.5k", 500000: "500k", 999960: "1M", 1.5e6: "1.5M",
		2e9: "2B", -25000: "-25k",
	} {
		if got := compact(v); got != want {
			t.Errorf("compact(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestTextFromDataIsEscaped(t *testing.T) {
	evil := `</title><script>alert(1)</script> R&D "quoted" 'single'`
	for name, h := range map[string]template.HTML{
		"lines": Lines(evil, evil, []string{evil, "2 Dec"}, []Series{{evil, []int64{1, 2}}, {"b", []int64{3, 4}}}),
		"bars":  Bars(evil, evil, []string{evil, "b"}, []int64{1, 2}),
	} {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(strings.ToLower(string(h)), "<script") {
				t.Fatalf("markup from the data reached the output:\n%s", h)
			}
			root := parse(t, h)
			if got := root.named("script"); len(got) != 0 {
				t.Fatalf("a <script> element in the chart")
			}
			if got := root.named("title")[0].Text; got != evil {
				t.Errorf("title %q, want the text as given, %q", got, evil)
			}
			var first node
			if name == "lines" {
				first = root.class("marker")[0]
			} else {
				first = root.class("bar")[0]
			}
			if got := first.childTitle(); !strings.HasPrefix(got, evil+": 1") {
				t.Errorf("tooltip %q, want it to start with the label as given", got)
			}
		})
	}
}

func TestTextNoXMLCanHoldIsReplaced(t *testing.T) {
	bad := "a\x00b\x01c\xffd"
	root := parse(t, Bars(bad, bad, []string{bad}, []int64{1}))
	if got := root.class("bar")[0].childTitle(); got != "a\uFFFDb\uFFFDc\uFFFDd: 1" {
		t.Errorf("title %q", got)
	}
}

func TestNoStyleAndNoScript(t *testing.T) {
	// The back office's Content-Security-Policy has style-src 'self' and no script-src: an
	// inline style would be refused, so the chart must not depend on one.
	for _, h := range []template.HTML{
		Lines("t", "d", days(30), []Series{{"a", seq(30, func(i int) int64 { return int64(i) })}, {"b", nil}}),
		Bars("t", "d", days(4), []int64{1, 2, 3, 4}),
		Lines("t", "d", nil, nil),
	} {
		root := parse(t, h)
		if got := root.all(func(m node) bool {
			return m.XMLName.Local == "style" || m.XMLName.Local == "script" || m.attr("style") != ""
		}); len(got) != 0 {
			t.Errorf("%d style or script elements or style attributes", len(got))
		}
		for _, m := range root.all(func(node) bool { return true }) {
			for _, a := range m.Attrs {
				if strings.HasPrefix(a.Name.Local, "on") {
					t.Errorf("event handler %s", a.Name.Local)
				}
			}
		}
	}
}

func TestOneDayDrawsVisibleMarkers(t *testing.T) {
	root := parse(t, Lines("Today", "d", []string{"3 Dec"}, []Series{{"received", []int64{120}}, {"completed", []int64{80}}}))
	markers := root.class("marker")
	if len(markers) != 2 {
		t.Fatalf("%d markers, want 2", len(markers))
	}
	for _, m := range markers {
		if m.attr("fill-opacity") == "0" {
			t.Errorf("marker %q is invisible", m.childTitle())
		}
	}
	if got := markers[0].childTitle(); got != "3 Dec: 120 received" {
		t.Errorf("title %q", got)
	}
	if got := len(root.class("x-label")); got != 1 {
		t.Errorf("%d x labels, want 1", got)
	}
}

func TestNoData(t *testing.T) {
	for name, h := range map[string]template.HTML{
		"no labels":       Lines("t", "d", nil, []Series{{"received", nil}}),
		"no series":       Lines("t", "d", days(3), nil),
		"series no value": Lines("t", "d", days(3), []Series{{"received", nil}, {"completed", []int64{}}}),
		"no bars":         Bars("t", "d", nil, nil),
	} {
		t.Run(name, func(t *testing.T) {
			root := parse(t, h)
			nd := root.class("no-data")
			if len(nd) != 1 || nd[0].Text != "No data" {
				t.Errorf(`want "No data" once, got %v`, nd)
			}
			if got := len(root.class("axis")); got != 2 {
				t.Errorf("%d axes, want 2", got)
			}
			if n := len(root.class("marker")) + len(root.class("bar")); n != 0 {
				t.Errorf("%d markers or bars without data", n)
			}
		})
	}
}

func TestAllZeroIsData(t *testing.T) {
	root := parse(t, Lines("t", "d", days(7), []Series{{"received", make([]int64, 7)}}))
	if len(root.class("no-data")) != 0 {
		t.Error(`zeros are figures, not "No data"`)
	}
	if got := len(root.class("marker")); got != 7 {
		t.Errorf("%d markers, want 7", got)
	}
}

func TestMismatchedLengths(t *testing.T) {
	root := parse(t, Lines("t", "d", days(5), []Series{{"short", []int64{1, 2}}, {"long", seq(9, func(int) int64 { return 1 })}}))
	if got := len(root.class("marker")); got != 2+5 {
		t.Errorf("%d markers, want 7: a short series stops early, a long one is cut to the labels", got)
	}
	if got := len(parse(t, Bars("t", "d", days(3), []int64{5})).class("bar")); got != 1 {
		t.Errorf("%d bars, want 1", got)
	}
}

func TestXLabelsThinnedEvenlyEndingOnTheLastDay(t *testing.T) {
	for _, n := range []int{7, 14, 30, 90, 366} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			labels := days(n)
			root := parse(t, Lines("t", "d", labels, []Series{{"a", make([]int64, n)}}))
			xl := root.class("x-label")
			if len(xl) < 2 || len(xl) > maxXLabels {
				t.Fatalf("%d x labels, want 2 to %d", len(xl), maxXLabels)
			}
			if got := xl[len(xl)-1].text(); got != labels[n-1] {
				t.Errorf("last x label %q, want the last day %q", got, labels[n-1])
			}
			index := map[string]int{}
			for i, l := range labels {
				index[l] = i
			}
			step := index[xl[1].text()] - index[xl[0].text()]
			for i := 1; i < len(xl); i++ {
				if got := index[xl[i].text()] - index[xl[i-1].text()]; got != step || got < 1 {
					t.Errorf("labels %d apart, then %d: want them evenly spaced", step, got)
				}
				// No two labels overlap, by the layout's own estimate of their width.
				a, b := xl[i-1].Children[0], xl[i].Children[0]
				gap := b.num(t, "x") - a.num(t, "x")
				need := float64(textWidth(a.Text)+textWidth(b.Text)) / 2
				if gap < need {
					t.Errorf("labels %q and %q %v apart, need %v", a.Text, b.Text, gap, need)
				}
			}
		})
	}
}

func TestLongBarLabelsWrap(t *testing.T) {
	root := parse(t, Bars("t", "d", []string{"Under 1 day", "1 to 3 days", "3 to 7 days", "Over 7 days"}, []int64{1, 2, 3, 4}))
	xl := root.class("x-label")
	if len(xl) != 4 {
		t.Fatalf("%d labels, want all 4", len(xl))
	}
	if got := len(xl[0].Children); got != 2 {
		t.Errorf("%q on %d lines, want 2", xl[0].text(), got)
	}
}

func TestIDsAndDeterminism(t *testing.T) {
	// The same figures as a line and as bars.
	a := Lines("Received", "d", days(3), []Series{{"", []int64{1, 2, 3}}})
	b := Lines("Completed", "d", days(3), []Series{{"", []int64{1, 2, 3}}})
	c := Bars("Received", "d", days(3), []int64{1, 2, 3})
	ids := map[string]bool{}
	for _, h := range []template.HTML{a, b, c} {
		ids[parse(t, h).attr("aria-labelledby")] = true
	}
	if len(ids) != 3 {
		t.Errorf("three charts share ids: %v", ids)
	}
	if again := Lines("Received", "d", days(3), []Series{{"", []int64{1, 2, 3}}}); again != a {
		t.Error("the same chart drawn twice differs")
	}
}
