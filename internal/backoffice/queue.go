package backoffice

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// statusOrder is every status in workflow order, for counts and selects.
var statusOrder = []request.Status{request.StatusSubmitted, request.StatusInProgress, request.StatusCompleted,
	request.StatusNotServiceable, request.StatusCancelled}

// queuePage is the desk: a filter, counts by status, and a page of requests.
type queuePage struct {
	base
	Fields   map[string]field // the filter as typed, with what is wrong with it
	Statuses []option
	Services []option
	Orders   []option
	Invalid  bool   // the filter has mistakes: no list is shown
	Showing  string // what the list holds, in words
	Counts   []countView
	Rows     []rowView
	NextURL  string
	FirstURL string // on a later page: back to the first
	CSVURL   string
	XLSXURL  string
	Bulk     *bulkForm // Division staff only

	// DivisionField and RegionField show those filters: to accounts that watch more than
	// one, and whenever a link gave one.
	DivisionField, RegionField bool
}

var filterFields = []string{desk.ParamStatus, desk.ParamService, desk.ParamPincode, desk.ParamFrom, desk.ParamTo,
	desk.ParamSearch, desk.ParamOrder, desk.ParamDivision, desk.ParamRegion, desk.ParamOverdue}

// countView is the number of requests in one status, as a link to them.
type countView struct {
	Label   string
	Count   string
	URL     string
	Current bool
}

// rowView is a request as lists show it: staff of its scope see the whole name.
type rowView struct {
	Reference   string
	URL         string
	Created     time.Time
	Service     string
	Pincode     string
	Name        string
	Address     string
	Mobile      string
	Status      string
	StatusLabel string
	AssignedTo  string
	Version     int  // what the bulk change was decided on
	Overdue     bool // still open past its service's target
}

// bulkForm moves the requests ticked in the list.
type bulkForm struct {
	Back     string // the list to come back to
	Statuses []option
	Remarks  []option
}

// Bulk form fields.
const (
	fieldReference = "ref"
	fieldBack      = "back"
)

// serviceNames maps service codes to names; a request keeps its service even after the
// service is switched off, so every service is listed.
func (s *BackOffice) serviceNames(ctx context.Context) (map[string]string, []request.Service, error) {
	cat := s.desk.Catalogue()
	all, err := cat.All(ctx)
	if err != nil {
		return nil, nil, err
	}
	names, err := cat.Names(ctx)
	return names, all, err
}

// targetOf is the target time of the service with this code; the default for a code the
// catalogue lacks.
func targetOf(services []request.Service, code string) time.Duration {
	for _, svc := range services {
		if svc.Code == code {
			return svc.Target()
		}
	}
	return request.DefaultTarget
}

func newRow(r request.Request, services map[string]string) rowView {
	return rowView{
		Reference: r.Reference.String(), URL: requestURL(r.Reference), Created: r.CreatedAt,
		Service: cmp.Or(services[r.ServiceCode], r.ServiceCode), Pincode: r.Pincode, Name: r.Name, Address: r.Address,
		Mobile: r.Mobile, Status: string(r.Status), StatusLabel: r.Status.Label(), AssignedTo: r.AssignedTo,
		Version: r.Version(),
	}
}

// deskURL is the desk's address for a filter, with the page cursor after, if any.
func deskURL(path string, v url.Values, after string) string {
	v = cloneValues(v)
	if after != "" {
		v.Set(desk.ParamAfter, after)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vals := range v {
		out[k] = slices.Clone(vals)
	}
	return out
}

// queue is the desk: the requests of the viewer's part of the hierarchy that match the filter.
func (s *BackOffice) queue(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	q := r.URL.Query()
	f, errs := desk.ParseFilter(q)
	names, services, err := s.serviceNames(ctx)
	if err != nil {
		s.fail(w, r, u, "list services", err)
		return
	}
	var result desk.Page
	if len(errs) == 0 {
		// The desk checks what needs the directory: a Division or Region asked for.
		result, err = s.desk.List(ctx, u.Actor, f)
		var invalid *request.ValidationError
		if errors.As(err, &invalid) {
			errs, err = invalid.Fields, nil
		}
		if err != nil {
			s.fail(w, r, u, "list requests", err)
			return
		}
	}
	page := &queuePage{base: s.base(r, u, "Requests", navDesk), Fields: fields(q, errs, filterFields...)}
	role := u.Account.Role
	page.DivisionField = role != staff.RoleDivision || f.Division != ""
	page.RegionField = role == staff.RoleCircle || role == staff.RoleAdmin || f.Region != ""
	page.Statuses = []option{{Value: "open", Label: "Open (submitted or in progress)"}, {Value: "all", Label: "All statuses"}}
	for _, st := range statusOrder {
		page.Statuses = append(page.Statuses, option{Value: string(st), Label: st.Label()})
	}
	selectValue(page.Statuses, cmp.Or(q.Get(desk.ParamStatus), "open"))
	page.Services = []option{{Value: "", Label: "All services"}}
	for _, svc := range services {
		page.Services = append(page.Services, option{Value: svc.Code, Label: svc.Name})
	}
	selectValue(page.Services, f.Service)
	page.Orders = []option{{Value: "oldest", Label: "Oldest first"}, {Value: "newest", Label: "Newest first"}}
	selectValue(page.Orders, cmp.Or(q.Get(desk.ParamOrder), "oldest"))
	if len(errs) > 0 {
		page.Title = "Error: Requests"
		page.Invalid = true
		s.render(w, r, http.StatusBadRequest, "queue", page)
		return
	}
	page.Showing = selectedLabel(page.Statuses) + ", " + strings.ToLower(selectedLabel(page.Orders))
	if f.Service != "" {
		page.Showing += ", " + selectedLabel(page.Services)
	}
	if f.Overdue {
		page.Showing += ", overdue only"
	}
	filter := f.Values()
	if result.Counts != nil {
		for _, st := range statusOrder {
			v := cloneValues(filter)
			v.Set(desk.ParamStatus, string(st))
			page.Counts = append(page.Counts, countView{Label: st.Label(), Count: countText(result.Counts[st]),
				URL: deskURL("/desk", v, ""), Current: slices.Equal(f.Statuses, []request.Status{st})})
		}
	}
	now := s.desk.Now()
	for _, req := range result.Requests {
		row := newRow(req, names)
		row.Overdue = req.Overdue(targetOf(services, req.ServiceCode), now)
		page.Rows = append(page.Rows, row)
	}
	if result.Next != "" {
		page.NextURL = deskURL("/desk", filter, result.Next)
	}
	if f.After != "" {
		page.FirstURL = deskURL("/desk", filter, "")
	}
	page.CSVURL = deskURL("/desk/export.csv", filter, "")
	page.XLSXURL = deskURL("/desk/export.xlsx", filter, "")
	if u.Account.MayAtAll(staff.ChangeStatus) && len(page.Rows) > 0 {
		page.Bulk = &bulkForm{Back: r.URL.RequestURI(), Remarks: remarkOptions(""),
			Statuses: []option{{Value: string(request.StatusInProgress), Label: request.StatusInProgress.Label()},
				{Value: string(request.StatusCompleted), Label: request.StatusCompleted.Label()}}}
	}
	s.render(w, r, http.StatusOK, "queue", page)
}

// countText says a count; the desk stops counting at desk.CountCap.
func countText(n int) string {
	if n > desk.CountCap {
		return fmt.Sprintf("more than %d", desk.CountCap)
	}
	return fmt.Sprint(n)
}

// selectValue marks the option with value as selected.
func selectValue(opts []option, value string) {
	for i := range opts {
		opts[i].Selected = opts[i].Value == value
	}
}

// selectedLabel is the label of the selected option, or of the first if none is.
func selectedLabel(opts []option) string {
	for _, o := range opts {
		if o.Selected {
			return o.Label
		}
	}
	return opts[0].Label
}

// remarkOptions are the standard remarks to pick from, with chosen selected.
func remarkOptions(chosen string) []option {
	opts := []option{{Value: "", Label: "No standard remark"}}
	for _, rem := range request.StandardRemarks {
		opts = append(opts, option{Value: rem, Label: rem})
	}
	selectValue(opts, chosen)
	return opts
}

// Remarks come from a select of standard remarks and a box for the person's own words; the
// two together make the remarks.
const fieldRemarksNote = "remarks_note"

func remarks(form url.Values) string {
	parts := []string{}
	for _, p := range []string{form.Get(request.FieldRemarks), form.Get(fieldRemarksNote)} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

// bulk applies one change to the requests ticked in the desk's list, each on its own, and
// goes back to the list with what became of them.
func (s *BackOffice) bulk(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.readForm(w, r, u) {
		return
	}
	form := r.PostForm
	back := cmp.Or(safeNext(form.Get(fieldBack)), "/desk")
	ch := request.Change{To: request.Status(form.Get(request.FieldStatus)), Remarks: remarks(form),
		AssignedTo: form.Get(request.FieldAssignedTo)}
	results, err := s.desk.Bulk(r.Context(), u.Actor, bulkItems(form[fieldReference]), ch)
	var invalid *request.ValidationError
	if errors.As(err, &invalid) {
		s.setFlash(r.Context(), strings.Join(messages(invalid.Fields), " "), true)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, u, "bulk change", err)
		return
	}
	done := 0
	var failed []string
	for _, res := range results {
		if res.Err == nil {
			done++
			continue
		}
		msg, ok := changeError(res.Err)
		if !ok {
			requestlog.Fail(r.Context(), "bulk change", res.Err)
		}
		ref := res.Reference
		if parsed, err := request.ParseReference(ref); err == nil {
			ref = parsed.String()
		}
		failed = append(failed, ref+": "+msg)
	}
	text := fmt.Sprintf("%d of %d requests moved to %s.", done, len(results), strings.ToLower(ch.To.Label()))
	if len(failed) > 0 {
		text += " Not moved: " + strings.Join(failed, " ")
	}
	s.setFlash(r.Context(), text, len(failed) > 0)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// bulkItems reads the ticked requests of the list, each "REFERENCE:VERSION" (the version
// listed), or a bare reference to change whatever its version.
func bulkItems(values []string) []desk.BulkItem {
	items := make([]desk.BulkItem, len(values))
	for i, v := range values {
		items[i].Reference = v
		if ref, version, ok := strings.Cut(v, ":"); ok {
			if n, err := strconv.Atoi(version); err == nil && n > 0 {
				items[i] = desk.BulkItem{Reference: ref, Version: n}
			}
		}
	}
	return items
}

// changeError says why one change of a bulk was refused; ok is false for an unexpected error.
func changeError(err error) (msg string, ok bool) {
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		return strings.Join(messages(invalid.Fields), " "), true
	case errors.Is(err, desk.ErrNotFound):
		return "not found in your Division.", true
	case errors.Is(err, desk.ErrChangedMeanwhile):
		return "someone else changed it meanwhile.", true
	case errors.Is(err, desk.ErrForbidden):
		return msgForbidden, true
	}
	return "something went wrong on our side.", false
}

// messages lists the messages of a validation error in a stable order.
func messages(errs request.FieldErrors) []string {
	out := make([]string, 0, len(errs))
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		out = append(out, errs[k])
	}
	return out
}

// runSheetPage is the day's round of a Division, to print.
type runSheetPage struct {
	base
	Unit    string
	Printed time.Time
	Total   int
	Groups  []groupView
}

type groupView struct {
	AssignedTo string // empty: not assigned yet
	Rows       []rowView
}

// runSheet lists the Division's requests in progress by post office or postman, to print.
func (s *BackOffice) runSheet(w http.ResponseWriter, r *http.Request, u *user) {
	ctx := r.Context()
	groups, err := s.desk.RunSheet(ctx, u.Actor)
	if err != nil {
		s.fail(w, r, u, "run sheet", err)
		return
	}
	names, _, err := s.serviceNames(ctx)
	if err != nil {
		s.fail(w, r, u, "list services", err)
		return
	}
	page := &runSheetPage{base: s.base(r, u, "Run sheet", navRunSheet), Unit: u.Account.Unit, Printed: time.Now()}
	for _, g := range groups {
		gv := groupView{AssignedTo: g.AssignedTo}
		for _, req := range g.Requests {
			gv.Rows = append(gv.Rows, newRow(req, names))
		}
		page.Total += len(gv.Rows)
		page.Groups = append(page.Groups, gv)
	}
	s.render(w, r, http.StatusOK, "run-sheet", page)
}
