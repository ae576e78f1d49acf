package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/request"
)

// Dialect is how a backend's SQL differs in the conditions built here: the SQL itself stays
// with each backend, but which conditions a filter makes is decided once.
type Dialect struct {
	// Param is the placeholder of the n-th argument, from 1: "?" or "$n".
	Param func(n int) string
	// Time is a time as an argument: Unix milliseconds (SQLite) or the time itself.
	Time func(time.Time) any
	// Like is the operator that matches a name regardless of case: SQLite's LIKE folds
	// ASCII case natively (faster than lower() on every row); PostgreSQL needs ILIKE.
	// Scripts such as Devanagari have no case to fold.
	Like string
	// SteerBySearch prefixes the unit columns with a unary + when the search is by reference
	// or mobile: SQLite has no statistics to tell that those find a handful of rows through
	// their own index, and would walk the unit's index instead (it also gives the order).
	SteerBySearch bool
}

// Placeholder is "$n": PostgreSQL's placeholders.
func Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// Question is "?": SQLite's placeholders.
func Question(int) string { return "?" }

// Where is a WHERE clause being built, with its arguments.
type Where struct {
	d     Dialect
	conds []string
	args  []any
}

// NewWhere starts an empty clause in dialect d.
func NewWhere(d Dialect) *Where { return &Where{d: d} }

// Arg adds an argument and returns its placeholder.
func (w *Where) Arg(v any) string {
	w.args = append(w.args, v)
	return w.d.Param(len(w.args))
}

// Add adds a condition (made with Arg's placeholders).
func (w *Where) Add(cond string) { w.conds = append(w.conds, cond) }

// SQL is the clause, " WHERE a AND b", or "" without conditions.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Args are the clause's arguments, in order.
func (w *Where) Args() []any { return w.args }

// DeskWhere is the clause of a desk query; withStatuses false leaves out the statuses (for
// counts by status), and the cursor (q.After) is left to the caller's order.
func DeskWhere(q DeskQuery, d Dialect, withStatuses bool) *Where {
	w := NewWhere(d)
	unit := ""
	if d.SteerBySearch && (q.Reference != "" || q.Mobile != "") {
		unit = "+"
	}
	eq := func(column, value string) {
		if value != "" {
			w.Add(column + " = " + w.Arg(value))
		}
	}
	eq(unit+"division", q.Division)
	eq(unit+"region", q.Region)
	eq(unit+"circle", q.Circle)
	if withStatuses && len(q.Statuses) > 0 {
		marks := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			marks[i] = w.Arg(string(st))
		}
		w.Add("status IN (" + strings.Join(marks, ", ") + ")")
	}
	eq("service_code", q.Service)
	eq("pincode", q.Pincode)
	eq("assigned_to", q.AssignedTo)
	if !q.CreatedFrom.IsZero() {
		w.Add("created_at >= " + w.Arg(d.Time(q.CreatedFrom)))
	}
	if !q.CreatedBefore.IsZero() {
		w.Add("created_at < " + w.Arg(d.Time(q.CreatedBefore)))
	}
	eq("reference", string(q.Reference))
	eq("mobile", q.Mobile)
	if q.NameContains != "" {
		w.Add(fmt.Sprintf(`name %s %s ESCAPE '\'`, d.Like, w.Arg(ContainsPattern(q.NameContains))))
	}
	if q.Overdue {
		overdueWhere(q.OverdueCutoffs, w)
	}
	return w
}

// overdueWhere adds the conditions of overdue requests: open, and submitted before their
// service's cutoff. The latest cutoff bounds created_at on its own too, so that the
// (unit, status, created_at) indexes are walked only up to it.
func overdueWhere(cutoffs []ServiceCutoff, w *Where) {
	if len(cutoffs) == 0 {
		w.Add("1 = 0")
		return
	}
	open := make([]string, len(request.OpenStatuses))
	for i, st := range request.OpenStatuses {
		open[i] = w.Arg(string(st))
	}
	w.Add("status IN (" + strings.Join(open, ", ") + ")")
	latest := cutoffs[0].Before
	for _, c := range cutoffs {
		if c.Before.After(latest) {
			latest = c.Before
		}
	}
	// Arguments in the order of their placeholders: SQLite's are all "?".
	w.Add("created_at < " + w.Arg(w.d.Time(latest)))
	each := make([]string, len(cutoffs))
	for i, c := range cutoffs {
		each[i] = "service_code = " + w.Arg(c.Service) + " AND created_at < " + w.Arg(w.d.Time(c.Before))
	}
	w.Add("(" + strings.Join(each, " OR ") + ")")
}

// DeskOrder is the ORDER BY and keyset condition of a desk listing: oldest first unless
// q.NewestFirst, continuing after q.After; it adds the condition to w.
func DeskOrder(q DeskQuery, w *Where) string {
	order, cmp := "ASC", ">"
	if q.NewestFirst {
		order, cmp = "DESC", "<"
	}
	if q.After != nil {
		w.Add(fmt.Sprintf("(created_at, id) %s (%s, %s)", cmp, w.Arg(w.d.Time(q.After.CreatedAt)), w.Arg(q.After.ID)))
	}
	return " ORDER BY created_at " + order + ", id " + order
}

// Limit is " LIMIT n", or "" for n <= 0 (no cap).
func Limit(n int) string {
	if n <= 0 {
		return ""
	}
	return " LIMIT " + strconv.Itoa(n)
}

// AuditWhere is the clause of an audit log query.
func AuditWhere(q audit.Query, d Dialect) *Where {
	w := NewWhere(d)
	for _, f := range []struct{ column, value string }{{"actor", q.Actor}, {"action", q.Action}, {"target", q.Target}} {
		if f.value != "" {
			w.Add(f.column + " = " + w.Arg(f.value))
		}
	}
	if q.Before > 0 {
		w.Add("id < " + w.Arg(q.Before))
	}
	return w
}
