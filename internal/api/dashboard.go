package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
)

// The dashboard's figures as JSON: what the back office's dashboard page shows, for the
// national office's and the Circles' own reports.

type unitJSON struct {
	Key   string `json:"key"`
	Level string `json:"level"`
	Name  string `json:"name"`
}

type spanJSON struct {
	FromHours int64  `json:"from_hours"`
	ToHours   *int64 `json:"to_hours"` // null: no upper bound (beyond the histogram's last bucket)
	Label     string `json:"label"`
}

type figuresRowJSON struct {
	Unit           *unitJSON       `json:"unit,omitempty"`
	Service        *serviceRefJSON `json:"service,omitempty"`
	Received       int64           `json:"received"`
	Completed      int64           `json:"completed"`
	NotServiceable int64           `json:"not_serviceable"`
	Cancelled      int64           `json:"cancelled"`
	Open           int64           `json:"open"`
	Overdue        int64           `json:"overdue"`
	CompletionRate *float64        `json:"completion_rate"` // null: none completed or found not serviceable
	Median         *spanJSON       `json:"median_time_to_complete"`
	P90            *spanJSON       `json:"p90_time_to_complete"`
}

// serviceRefJSON names a service a row of figures is about.
type serviceRefJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type ageJSON struct {
	Label string `json:"label"`
	Open  int64  `json:"open"`
}

type trendDayJSON struct {
	Date      string `json:"date"`
	Received  int64  `json:"received"`
	Completed int64  `json:"completed"`
}

type periodJSON struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

type figuresJSON struct {
	Unit      unitJSON         `json:"unit"`
	Path      []unitJSON       `json:"path"`
	Period    periodJSON       `json:"period"`
	AsOf      time.Time        `json:"as_of"`
	Precision string           `json:"precision"`
	Total     figuresRowJSON   `json:"total"`
	Children  []figuresRowJSON `json:"children"`
	ByService []figuresRowJSON `json:"by_service"`
	OpenByAge []ageJSON        `json:"open_by_age"`
	Trend     []trendDayJSON   `json:"trend"`
}

func unitOf(u dashboard.Unit) unitJSON {
	return unitJSON{Key: u.Key(), Level: u.Level.String(), Name: u.Title()}
}

func spanOf(s dashboard.Span, ok bool) *spanJSON {
	if !ok {
		return nil
	}
	v := &spanJSON{FromHours: int64(s.Lo / time.Hour), Label: s.Label()}
	if s.Hi != 0 {
		to := int64(s.Hi / time.Hour)
		v.ToHours = &to
	}
	return v
}

func rowJSON(r dashboard.Row) figuresRowJSON {
	v := figuresRowJSON{Received: r.Received, Completed: r.Completed, NotServiceable: r.NotServiceable, Cancelled: r.Cancelled,
		Open: r.Open, Overdue: r.Overdue, Median: spanOf(r.Median()), P90: spanOf(r.P90())}
	if rate, ok := r.CompletionRate(); ok {
		v.CompletionRate = &rate
	}
	return v
}

// getDashboard answers GET /api/v1/dashboard?unit=&period=&from=&to=: the account's own
// unit without unit, today without a period, a custom range with from and to.
func (a *API) getDashboard(w http.ResponseWriter, r *http.Request, actor desk.Actor) {
	q := r.URL.Query()
	p, err := dashboard.ParsePeriod(q.Get(dashboard.ParamPeriod), q.Get(dashboard.ParamFrom), q.Get(dashboard.ParamTo), a.dashboard.Now())
	var fe dashboard.FieldErrors
	if errors.As(err, &fe) {
		writeInvalid(w, fe)
		return
	}
	key := q.Get("unit")
	if key == "" {
		key = dashboard.Home(actor.Account).Key()
	}
	f, err := a.dashboard.View(r.Context(), actor.Account, key, p)
	switch {
	case errors.Is(err, dashboard.ErrUnknownUnit):
		writeProblem(w, Problem{Status: http.StatusNotFound, Code: CodeNotFound,
			Detail: "There is no such unit. A unit is india, circle:NAME, region:NAME or division:NAME, as in the pincode directory."})
		return
	case errors.Is(err, dashboard.ErrForbidden):
		writeProblem(w, Problem{Status: http.StatusForbidden, Code: CodeForbidden, Detail: "This unit is outside your part of the hierarchy."})
		return
	case err != nil:
		a.internalError(w, r, err)
		return
	}
	v := figuresJSON{Unit: unitOf(f.Unit), Path: make([]unitJSON, len(f.Path)), Children: make([]figuresRowJSON, len(f.Children)),
		Period: periodJSON{Name: f.Period.Name, From: f.Period.From.String(), To: f.Period.To.String()}, AsOf: f.AsOf.UTC(),
		Precision: "Times to complete are known " + dashboard.Precision + ".", Total: rowJSON(f.Total),
		ByService: make([]figuresRowJSON, len(f.ByService)), OpenByAge: make([]ageJSON, len(f.OpenByAge)),
		Trend: make([]trendDayJSON, len(f.Trend))}
	for i, u := range f.Path {
		v.Path[i] = unitOf(u)
	}
	for i, c := range f.Children {
		v.Children[i] = rowJSON(c)
		u := unitOf(c.Unit)
		v.Children[i].Unit = &u
	}
	for i, s := range f.ByService {
		v.ByService[i] = rowJSON(s)
		v.ByService[i].Service = &serviceRefJSON{Code: s.Service.Code, Name: s.Service.Name}
	}
	for i, n := range f.OpenByAge {
		v.OpenByAge[i] = ageJSON{Label: dashboard.AgeLabels[i], Open: n}
	}
	for i, d := range f.Trend {
		v.Trend[i] = trendDayJSON{Date: d.Day.String(), Received: d.Received, Completed: d.Completed}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
}
