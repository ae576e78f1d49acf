package backoffice

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/chart"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// The dashboard's query parameters besides the period's.
const (
	paramUnit  = "unit"
	paramSort  = "sort"
	paramOrder = "order" // "desc" for descending; anything else ascending
	paramTable = "table" // which table a CSV download holds
)

// dashboardPage is the monitoring dashboard of one unit.
type dashboardPage struct {
	base
	Unit       string // the unit's name
	UnitKey    string // as the form sends it back
	Level      string
	Crumbs     []crumbView
	Fields     map[string]field
	Periods    []option
	Invalid    bool
	PeriodText string
	AsOf       time.Time
	Precision  string

	Headline  []figureView
	Trend     template.HTML
	TrendRows []trendView
	Ages      template.HTML
	AgeRows   []ageView

	ChildrenTitle string
	Columns       []columnView // sortable headings of the units' table
	Children      []figuresRowView
	Services      []figuresRowView
	// DeskLinks lead a Division's dashboard to its requests on the desk.
	DeskLinks []linkView
	Downloads []linkView
}

type crumbView struct {
	Name string
	URL  string // empty: not a link (the current unit, or one above the account's)
}

type figureView struct {
	Label, Value, Note string
	URL                string // the requests behind the figure, on the desk
}

type trendView struct {
	Day                 time.Time
	Received, Completed string
}

type ageView struct{ Label, Open string }

type columnView struct {
	Label string
	URL   string
	Sort  string // aria-sort: ascending, descending or none
}

type linkView struct{ Label, URL string }

// figuresRowView is one row of the drill-down or of the services table.
type figuresRowView struct {
	Name, URL                          string // URL: one level down (units) or the desk (a Division's services)
	Received, Completed, Open, Overdue cell
	Rate, Median                       string
}

// cell is a figure, with the requests behind it on the desk when there is a list to show.
type cell struct {
	Value string
	URL   string
}

var periodFields = []string{dashboard.ParamPeriod, dashboard.ParamFrom, dashboard.ParamTo}

// The columns of the drill-down tables, in order.
var dashboardColumns = []struct{ sort, label string }{
	{dashboard.SortName, "Name"}, {dashboard.SortReceived, "Received"}, {dashboard.SortCompleted, "Completed"},
	{dashboard.SortOpen, "Open now"}, {dashboard.SortOverdue, "Overdue now"}, {dashboard.SortCompletionRate, "Completion rate"},
	{dashboard.SortMedian, "Median time to complete"},
}

// dashboardQuery is what a dashboard URL asks for.
type dashboardQuery struct {
	unit   string // the unit's key; empty: the account's own
	period dashboard.Period
	sort   string
	desc   bool
	values url.Values // as given, for the form
}

func (s *BackOffice) parseDashboardQuery(r *http.Request) (dashboardQuery, request.FieldErrors) {
	v := r.URL.Query()
	q := dashboardQuery{unit: strings.TrimSpace(v.Get(paramUnit)), sort: v.Get(paramSort), desc: v.Get(paramOrder) == "desc", values: v}
	if !slices.Contains(dashboard.SortColumns, q.sort) {
		q.sort = dashboard.SortName
	}
	p, err := dashboard.ParsePeriod(v.Get(dashboard.ParamPeriod), v.Get(dashboard.ParamFrom), v.Get(dashboard.ParamTo), s.dashboard.Now())
	var fe dashboard.FieldErrors
	if errors.As(err, &fe) {
		return q, request.FieldErrors(fe)
	}
	q.period = p
	return q, nil
}

// periodValues is the period as a query string, for links that keep it.
func periodValues(p dashboard.Period) url.Values {
	v := url.Values{dashboard.ParamPeriod: {p.Name}}
	if p.Name == dashboard.PeriodCustom {
		v.Set(dashboard.ParamFrom, p.From.String())
		v.Set(dashboard.ParamTo, p.To.String())
	}
	return v
}

// dashboardURL is the dashboard of a unit over a period, sorted as given.
func dashboardURL(path string, u dashboard.Unit, p dashboard.Period, sort string, desc bool) string {
	v := periodValues(p)
	v.Set(paramUnit, u.Key())
	if sort != "" && sort != dashboard.SortName {
		v.Set(paramSort, sort)
	}
	if desc {
		v.Set(paramOrder, "desc")
	}
	return path + "?" + v.Encode()
}

// figures answers the query for the account, or writes the page that says why not.
func (s *BackOffice) figures(w http.ResponseWriter, r *http.Request, u *user, q dashboardQuery) (dashboard.Figures, bool) {
	key := q.unit
	if key == "" {
		key = dashboard.Home(u.Account).Key()
	}
	f, err := s.dashboard.View(r.Context(), u.Account, key, q.period)
	switch {
	case errors.Is(err, dashboard.ErrUnknownUnit):
		s.renderMessage(w, r, http.StatusNotFound, u, titleNotFound, "There is no such Circle, Region or Division.")
		return f, false
	case errors.Is(err, dashboard.ErrForbidden):
		s.renderMessage(w, r, http.StatusForbidden, u, titleForbidden, "This unit is outside your part of the hierarchy.")
		return f, false
	case err != nil:
		s.fail(w, r, u, "dashboard", err)
		return f, false
	}
	return f, true
}

func (s *BackOffice) dashboardPage(w http.ResponseWriter, r *http.Request, u *user) {
	q, errs := s.parseDashboardQuery(r)
	page := &dashboardPage{base: s.base(r, u, "Dashboard", navDashboard), Fields: fields(q.values, errs, periodFields...),
		Precision: "Times to complete are " + dashboard.Precision + "."}
	page.UnitKey = q.unit
	selected := q.values.Get(dashboard.ParamPeriod)
	if len(errs) > 0 {
		page.Invalid = true
		page.Title = "Error: Dashboard"
		page.Periods = periodOptions(selected)
		s.render(w, r, http.StatusBadRequest, "dashboard", page)
		return
	}
	f, ok := s.figures(w, r, u, q)
	if !ok {
		return
	}
	if selected == "" {
		selected = q.period.Name
	}
	page.Periods = periodOptions(selected)
	s.fillDashboard(page, u.Account, f, q)
	s.render(w, r, http.StatusOK, "dashboard", page)
}

func periodOptions(selected string) []option {
	opts := make([]option, len(dashboard.Periods))
	for i, name := range dashboard.Periods {
		opts[i] = option{Value: name, Label: dashboard.PeriodLabel(name), Selected: name == selected}
	}
	return opts
}

func (s *BackOffice) fillDashboard(page *dashboardPage, a staff.Account, f dashboard.Figures, q dashboardQuery) {
	h := s.dashboard.Hierarchy()
	p := f.Period
	page.Unit, page.UnitKey, page.Level, page.AsOf = f.Unit.Title(), f.Unit.Key(), f.Unit.Level.Label(), f.AsOf
	page.Title = f.Unit.Title() + " dashboard"
	page.PeriodText = p.Label()
	mayView := func(x dashboard.Unit) bool { return a.May(staff.ViewDashboard, h.Staff(x)) }
	for _, c := range f.Path {
		crumb := crumbView{Name: c.Title()}
		if mayView(c) {
			crumb.URL = dashboardURL("/dashboard", c, p, q.sort, q.desc)
		}
		page.Crumbs = append(page.Crumbs, crumb)
	}
	page.Crumbs = append(page.Crumbs, crumbView{Name: f.Unit.Title()})

	// The desk lists what a Division's figures count, for its own staff to act on and for
	// those above to look at.
	var toDesk func(extra url.Values) string
	if f.Unit.Level == dashboard.DivisionLevel {
		toDesk = func(extra url.Values) string { return unitDeskURL(desk.ParamDivision, f.Unit.Name, extra) }
	}
	t := f.Total
	page.Headline = []figureView{
		{Label: "Received", Value: count(t.Received), URL: linkIf(toDesk, receivedFilter(p, ""))},
		{Label: "Completed", Value: count(t.Completed)},
		{Label: "Not serviceable", Value: count(t.NotServiceable)},
		{Label: "Cancelled", Value: count(t.Cancelled)},
		{Label: "Open now", Value: count(t.Open), URL: linkIf(toDesk, url.Values{})},
		{Label: "Overdue now", Value: count(t.Overdue), Note: "open past their service's target time", URL: linkIf(toDesk, overdueFilter(""))},
		{Label: "Completion rate", Value: rate(t), Note: "completed, of those completed or not serviceable"},
		{Label: "Median time to complete", Value: span(t.Median())},
		{Label: "90th percentile", Value: span(t.P90()), Note: "9 in 10 were completed within this"},
	}

	labels := make([]string, len(f.Trend))
	received := make([]int64, len(f.Trend))
	completed := make([]int64, len(f.Trend))
	for i, d := range f.Trend {
		labels[i] = d.Day.Start().Format("2 Jan")
		received[i], completed[i] = d.Received, d.Completed
		page.TrendRows = append(page.TrendRows, trendView{Day: d.Day.Start(), Received: count(d.Received), Completed: count(d.Completed)})
	}
	page.Trend = chart.Lines("Received and completed per day", fmt.Sprintf("Requests received and completed each day, %s, in %s.", p.Label(), f.Unit.Title()),
		labels, []chart.Series{{Name: "Received", Values: received}, {Name: "Completed", Values: completed}})
	for i, label := range dashboard.AgeLabels {
		page.AgeRows = append(page.AgeRows, ageView{Label: label, Open: count(f.OpenByAge[i])})
	}
	page.Ages = chart.Bars("Open requests by age", fmt.Sprintf("Requests open now in %s, by how long ago they were made.", f.Unit.Title()),
		dashboard.AgeLabels, f.OpenByAge)

	if len(f.Children) > 0 {
		page.ChildrenTitle = childrenTitle(f.Unit.Level, f.Children)
		for _, c := range dashboardColumns {
			col := columnView{Label: c.label, Sort: "none"}
			desc := c.sort != dashboard.SortName // figures: the biggest first
			if q.sort == c.sort {
				col.Sort = map[bool]string{false: "ascending", true: "descending"}[q.desc]
				desc = !q.desc
			}
			col.URL = dashboardURL("/dashboard", f.Unit, p, c.sort, desc) + "#units"
			page.Columns = append(page.Columns, col)
		}
		rows := slices.Clone(f.Children)
		dashboard.Sort(rows, q.sort, q.desc)
		for _, c := range rows {
			rv := rowOf(c, c.Unit.Title(), dashboardURL("/dashboard", c.Unit, p, q.sort, q.desc))
			if param, ok := deskUnitParams[c.Unit.Level]; ok {
				to := func(extra url.Values) string { return unitDeskURL(param, c.Unit.Name, extra) }
				rv.Received.URL = to(receivedFilter(p, ""))
				rv.Open.URL = to(url.Values{})
				rv.Overdue.URL = to(overdueFilter(""))
			}
			page.Children = append(page.Children, rv)
		}
	}
	services := slices.Clone(f.ByService)
	dashboard.Sort(services, q.sort, q.desc)
	for _, sv := range services {
		rv := rowOf(sv, sv.Service.Name, "")
		if toDesk != nil {
			code := sv.Service.Code
			rv.Received.URL = toDesk(receivedFilter(p, code))
			rv.Open.URL = toDesk(url.Values{desk.ParamService: {code}})
			rv.Overdue.URL = toDesk(overdueFilter(code))
		}
		page.Services = append(page.Services, rv)
	}
	if toDesk != nil {
		page.DeskLinks = []linkView{{"Open requests", toDesk(url.Values{})}, {"Overdue requests", toDesk(overdueFilter(""))},
			{"Requests received in this period", toDesk(receivedFilter(p, ""))}}
	}
	for _, t := range dashboardTables {
		if t.name == "units" && len(f.Children) == 0 {
			continue
		}
		v := periodValues(p)
		v.Set(paramUnit, f.Unit.Key())
		v.Set(paramTable, t.name)
		page.Downloads = append(page.Downloads, linkView{t.label + " (CSV)", "/dashboard/export.csv?" + v.Encode()})
	}
	v := periodValues(p)
	v.Set(paramUnit, f.Unit.Key())
	page.Downloads = append(page.Downloads, linkView{"Everything (Excel)", "/dashboard/export.xlsx?" + v.Encode()})
}

func childrenTitle(l dashboard.Level, children []dashboard.Row) string {
	switch l {
	case dashboard.National:
		return "Circles"
	case dashboard.RegionLevel:
		return "Divisions"
	}
	hasRegions, hasDivisions := false, false
	for _, c := range children {
		hasRegions = hasRegions || c.Unit.Level == dashboard.RegionLevel
		hasDivisions = hasDivisions || c.Unit.Level == dashboard.DivisionLevel
	}
	switch {
	case hasRegions && hasDivisions:
		return "Regions, and Divisions reporting to the Circle"
	case hasDivisions:
		return "Divisions"
	}
	return "Regions"
}

func rowOf(r dashboard.Row, name, link string) figuresRowView {
	return figuresRowView{Name: name, URL: link, Received: cell{Value: count(r.Received)}, Completed: cell{Value: count(r.Completed)},
		Open: cell{Value: count(r.Open)}, Overdue: cell{Value: count(r.Overdue)}, Rate: rate(r), Median: span(r.Median())}
}

func linkIf(to func(url.Values) string, extra url.Values) string {
	if to == nil {
		return ""
	}
	return to(extra)
}

// deskUnitParams are the desk's filters by a unit: a Region's and a Division's rows lead to
// their requests.
var deskUnitParams = map[dashboard.Level]string{dashboard.RegionLevel: desk.ParamRegion, dashboard.DivisionLevel: desk.ParamDivision}

// unitDeskURL is a Region's or Division's requests on the desk, filtered further by extra (open ones when
// extra names no status).
func unitDeskURL(param, name string, extra url.Values) string {
	v := url.Values{param: {name}}
	for k, vals := range extra {
		v[k] = vals
	}
	return "/desk?" + v.Encode()
}

// receivedFilter is the desk's filter for the requests made in the period: the received.
func receivedFilter(p dashboard.Period, service string) url.Values {
	v := url.Values{desk.ParamStatus: {"all"}, desk.ParamFrom: {p.From.String()}, desk.ParamTo: {p.To.String()}}
	if service != "" {
		v.Set(desk.ParamService, service)
	}
	return v
}

func overdueFilter(service string) url.Values {
	v := url.Values{desk.ParamOverdue: {"1"}}
	if service != "" {
		v.Set(desk.ParamService, service)
	}
	return v
}

// count writes a number the Indian way: 12,34,567.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) > 3 {
		head, tail := s[:len(s)-3], s[len(s)-3:]
		var parts []string
		for len(head) > 2 {
			parts = append([]string{head[len(head)-2:]}, parts...)
			head = head[:len(head)-2]
		}
		if head != "" {
			parts = append([]string{head}, parts...)
		}
		s = strings.Join(append(parts, tail), ",")
	}
	if neg {
		s = "-" + s
	}
	return s
}

func rate(r dashboard.Row) string {
	v, ok := r.CompletionRate()
	if !ok {
		return "–"
	}
	return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
}

func span(s dashboard.Span, ok bool) string {
	if !ok {
		return "–"
	}
	return s.Label()
}
