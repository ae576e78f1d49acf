package desk

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/notify"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Page sizes of the desk.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
	// MaxExportRows caps one export; a larger one is split by date range.
	MaxExportRows = 100_000
	// CountCap is where the desk's counts by status stop: "more than 10,000".
	CountCap = store.DefaultCountCap
)

// Filter is what staff ask the desk for, from a form or the API's query string.
type Filter struct {
	Statuses    []request.Status // empty: every status
	Service     string
	Pincode     string
	From, To    time.Time // dates (IST), both inclusive; zero: open-ended
	Search      string    // a reference, a mobile number or part of a name
	NewestFirst bool
	After       string // the cursor of the page before
	Limit       int

	// Division and Region narrow the list to one unit inside the account's part of the
	// hierarchy (the dashboard's rows link to them), as named in the postal directory.
	Division, Region string
	// Overdue keeps the requests still open past their service's target
	// (request.OverdueCutoff), as the dashboard counts them.
	Overdue bool
}

// Filter field names, in forms and query strings.
const (
	ParamStatus  = "status"
	ParamService = "service"
	ParamPincode = "pincode"
	ParamFrom    = "from"
	ParamTo      = "to"
	ParamSearch  = "q"
	ParamOrder   = "order"
	ParamAfter   = "after"
	ParamLimit   = "limit"
)

// The filters the dashboard's rows link to.
const (
	ParamDivision = "division"
	ParamRegion   = "region"
	ParamOverdue  = "overdue"
)

// ParseFilter reads a filter from a query string. With no status given it shows the requests
// still awaiting the Division ("open"), oldest first: the order in which to attend to them.
// status=all shows every status. Errors: a message per parameter.
func ParseFilter(v url.Values) (Filter, request.FieldErrors) {
	f := Filter{Limit: DefaultPageSize}
	errs := request.FieldErrors{}
	var statuses []string
	for _, s := range v[ParamStatus] {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				statuses = append(statuses, part)
			}
		}
	}
	switch {
	case len(statuses) == 0 || slices.Contains(statuses, "open"):
		f.Statuses = slices.Clone(request.OpenStatuses)
	case slices.Contains(statuses, "all"):
	default:
		for _, s := range statuses {
			if !request.IsStatus(request.Status(s)) {
				errs[ParamStatus] = fmt.Sprintf("%q is not a status. Use open, all, submitted, in_progress, completed, not_serviceable or cancelled.", s)
				break
			}
			f.Statuses = append(f.Statuses, request.Status(s))
		}
	}
	f.Service = strings.TrimSpace(v.Get(ParamService))
	if p := postal.NormalizePincode(v.Get(ParamPincode)); p != "" {
		if len(p) != 6 || strings.Trim(p, "0123456789") != "" {
			errs[ParamPincode] = "A pincode is 6 digits."
		}
		f.Pincode = p
	}
	for _, d := range []struct {
		param string
		into  *time.Time
	}{{ParamFrom, &f.From}, {ParamTo, &f.To}} {
		if s := strings.TrimSpace(v.Get(d.param)); s != "" {
			t, err := time.ParseInLocation(time.DateOnly, s, request.IST)
			if err != nil {
				errs[d.param] = "Give a date as YYYY-MM-DD, for example 2026-11-27."
				continue
			}
			*d.into = t
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		errs[ParamTo] = "The end date is before the start date."
	}
	f.Search = strings.Join(strings.Fields(v.Get(ParamSearch)), " ")
	f.Division = strings.Join(strings.Fields(v.Get(ParamDivision)), " ")
	f.Region = strings.Join(strings.Fields(v.Get(ParamRegion)), " ")
	switch v.Get(ParamOverdue) {
	case "", "0":
	case "1":
		f.Overdue = true
	default:
		errs[ParamOverdue] = "Overdue is 1, for the overdue requests only, or left out."
	}
	switch v.Get(ParamOrder) {
	case "", "oldest":
	case "newest":
		f.NewestFirst = true
	default:
		errs[ParamOrder] = "Order is oldest or newest."
	}
	f.After = v.Get(ParamAfter)
	if f.After != "" {
		if _, err := parseCursor(f.After); err != nil {
			errs[ParamAfter] = "This page link is damaged; start again from the first page."
		}
	}
	if s := v.Get(ParamLimit); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageSize {
			errs[ParamLimit] = fmt.Sprintf("A page has 1 to %d requests.", MaxPageSize)
		} else {
			f.Limit = n
		}
	}
	return f, errs
}

// Values is the filter as a query string, for links (without the cursor).
func (f Filter) Values() url.Values {
	v := url.Values{}
	switch {
	case len(f.Statuses) == 0:
		v.Set(ParamStatus, "all")
	case !slices.Equal(f.Statuses, request.OpenStatuses):
		for _, s := range f.Statuses {
			v.Add(ParamStatus, string(s))
		}
	}
	for param, val := range map[string]string{ParamService: f.Service, ParamPincode: f.Pincode, ParamSearch: f.Search,
		ParamDivision: f.Division, ParamRegion: f.Region} {
		if val != "" {
			v.Set(param, val)
		}
	}
	if f.Overdue {
		v.Set(ParamOverdue, "1")
	}
	if !f.From.IsZero() {
		v.Set(ParamFrom, f.From.Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		v.Set(ParamTo, f.To.Format(time.DateOnly))
	}
	if f.NewestFirst {
		v.Set(ParamOrder, "newest")
	}
	if f.Limit != 0 && f.Limit != DefaultPageSize {
		v.Set(ParamLimit, strconv.Itoa(f.Limit))
	}
	return v
}

func formatCursor(r request.Request) string {
	return fmt.Sprintf("%d-%d", r.CreatedAt.UnixMilli(), r.ID)
}

func parseCursor(s string) (*store.Cursor, error) {
	ms, id, ok := strings.Cut(s, "-")
	if !ok {
		return nil, errors.New("bad cursor")
	}
	m, err1 := strconv.ParseInt(ms, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil {
		return nil, errors.New("bad cursor")
	}
	return &store.Cursor{CreatedAt: time.UnixMilli(m).UTC(), ID: i}, nil
}

// scoped turns a filter into a store query limited to what the actor sees. A Division or
// Region asked for must lie in the actor's part of the hierarchy: a *request.ValidationError
// says so (the directory's names are no secret), and the query keeps the actor's own
// scope besides, so that no other unit's request can be listed whatever is asked.
func (d *Desk) scoped(ctx context.Context, actor Actor, f Filter) (store.DeskQuery, error) {
	a := actor.Account
	if !a.MayAtAll(staff.ViewRequests) {
		return store.DeskQuery{}, ErrForbidden
	}
	unit := a.Scope()
	q := store.DeskQuery{Division: unit.Division, Region: unit.Region, Circle: unit.Circle,
		Statuses: f.Statuses, Service: f.Service, Pincode: f.Pincode, NewestFirst: f.NewestFirst, Limit: f.Limit}
	errs := request.FieldErrors{}
	for _, narrow := range []struct {
		role        staff.Role
		param, name string
		into        *string
	}{{staff.RoleDivision, ParamDivision, f.Division, &q.Division}, {staff.RoleRegion, ParamRegion, f.Region, &q.Region}} {
		if narrow.name == "" {
			continue
		}
		if name, msg := d.within(a, narrow.role, narrow.name); msg != "" {
			errs[narrow.param] = msg
		} else {
			*narrow.into = name
		}
	}
	if len(errs) > 0 {
		return q, &request.ValidationError{Fields: errs}
	}
	if f.Overdue {
		services, err := d.catalogue.All(ctx)
		if err != nil {
			return q, err
		}
		now := d.now()
		q.Overdue = true
		for _, svc := range services {
			q.OverdueCutoffs = append(q.OverdueCutoffs, store.ServiceCutoff{Service: svc.Code, Before: request.OverdueCutoff(now, svc.Target()).UTC()})
		}
	}
	if !f.From.IsZero() {
		q.CreatedFrom = f.From.UTC()
	}
	if !f.To.IsZero() {
		q.CreatedBefore = f.To.AddDate(0, 0, 1).UTC()
	}
	if f.Search != "" {
		if ref, err := request.ParseReference(f.Search); err == nil {
			q.Reference = ref
		} else if m, msg := request.NormalizeMobile(f.Search); msg == "" {
			q.Mobile = m
		} else {
			q.NameContains = f.Search
		}
	}
	if f.After != "" {
		c, err := parseCursor(f.After)
		if err != nil {
			return q, err
		}
		q.After = c
	}
	return q, nil
}

// within finds the Division or Region (role names which) called name, forgiving case and
// spacing, and checks that it lies in a's part of the hierarchy; msg, if not empty, says
// what is wrong to the person who asked.
func (d *Desk) within(a staff.Account, role staff.Role, name string) (found, msg string) {
	name, err := staff.ResolveUnit(d.directory, role, name)
	if err != nil {
		return "", err.Error()
	}
	var unit staff.Unit
	if div, ok := d.directory.Division(name); ok && role == staff.RoleDivision {
		unit = staff.Unit{Circle: div.Circle, Region: div.Region, Division: div.Name}
	} else {
		for _, div := range d.directory.Divisions() {
			if div.Region == name {
				unit = staff.Unit{Circle: div.Circle, Region: div.Region}
				break
			}
		}
	}
	if !a.May(staff.ViewRequests, unit) {
		return "", fmt.Sprintf("%s is outside your part of the hierarchy (%s).", name, a.Describe())
	}
	return name, ""
}

// Now is the desk's clock: what overdue is judged against.
func (d *Desk) Now() time.Time { return d.now() }

// Page is one page of the desk.
type Page struct {
	Requests []request.Request
	// Next is the cursor of the next page; empty on the last.
	Next string
	// Counts are the requests matching the filter but for its statuses, by status; a count
	// of CountCap+1 means "more than CountCap". Nil for a search by name.
	Counts map[request.Status]int
}

// List returns a page of the requests the actor sees that match the filter.
func (d *Desk) List(ctx context.Context, actor Actor, f Filter) (Page, error) {
	q, err := d.scoped(ctx, actor, f)
	if err != nil {
		return Page{}, err
	}
	if q.Limit <= 0 || q.Limit > MaxPageSize {
		q.Limit = DefaultPageSize
	}
	limit := q.Limit
	q.Limit++ // one more tells whether there is a next page
	reqs, err := d.store.DeskRequests(ctx, q)
	if err != nil {
		return Page{}, err
	}
	var p Page
	if len(reqs) > limit {
		reqs = reqs[:limit]
		p.Next = formatCursor(reqs[limit-1])
	}
	p.Requests = reqs
	// A name search matches no index: counting it by status would read the unit's every
	// row five times over. The page itself stops at its limit.
	if q.NameContains != "" {
		return p, nil
	}
	q.Limit, q.After = 0, nil
	if p.Counts, err = d.store.DeskCounts(ctx, q, CountCap); err != nil {
		return Page{}, err
	}
	return p, nil
}

// Export returns every request the actor sees that matches the filter (up to
// MaxExportRows), and records the export in the audit log: personal data leaves the system.
func (d *Desk) Export(ctx context.Context, actor Actor, f Filter, format string) ([]request.Request, error) {
	f.After = ""
	q, err := d.scoped(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	q.Limit = MaxExportRows
	reqs, err := d.store.DeskRequests(ctx, q)
	if err != nil {
		return nil, err
	}
	details := fmt.Sprintf("%s, %d rows, filter %s", format, len(reqs), f.Values().Encode())
	return reqs, d.Audit(ctx, actor, "export", actor.Account.Unit, details)
}

// Message is a message sent (or being sent) to a customer about a request, and where its
// delivery stands.
type Message struct {
	ID        int64
	Channel   string // "sms" or "email"
	Kind      string // which message: "submitted", "completed"...
	Recipient string
	// About is the status the message tells of (empty for the submission's).
	About     request.Status
	Status    string // queued, sent, retrying or failed
	Attempts  int
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
	SentAt    time.Time // zero until sent
}

// Failed reports whether the message was given up on; staff who may can send it again.
func (m Message) Failed() bool { return m.Status == store.NotificationFailed }

func messageOf(n store.Notification) Message {
	return Message{ID: n.ID, Channel: n.Channel, Kind: n.Kind, Recipient: n.Recipient, About: n.RequestStatus, Status: n.Status, Attempts: n.Attempts,
		LastError: n.LastError, CreatedAt: n.CreatedAt, UpdatedAt: n.UpdatedAt, SentAt: n.SentAt}
}

// Request returns one request the actor sees, with the messages sent about it; ErrNotFound
// if it does not exist or is outside the actor's part of the hierarchy.
func (d *Desk) Request(ctx context.Context, actor Actor, reference string) (request.Request, []Message, error) {
	r, err := d.visible(ctx, actor, reference)
	if err != nil {
		return request.Request{}, nil, err
	}
	notes, err := d.store.NotificationsForRequest(ctx, r.ID)
	if err != nil {
		return request.Request{}, nil, err
	}
	messages := make([]Message, len(notes))
	for i, n := range notes {
		messages[i] = messageOf(n)
	}
	return r, messages, nil
}

func (d *Desk) visible(ctx context.Context, actor Actor, reference string) (request.Request, error) {
	ref, err := request.ParseReference(reference)
	if err != nil {
		return request.Request{}, ErrNotFound
	}
	r, err := d.store.RequestByReference(ctx, ref)
	if errors.Is(err, store.ErrNotFound) || err == nil && !actor.Account.May(staff.ViewRequests, staff.UnitOf(r)) {
		return request.Request{}, ErrNotFound
	}
	return r, err
}

// AnyVersion is the expected version of a change that is to apply to the request as it is
// now, whatever changed since the person last saw it.
const AnyVersion = 0

// Change moves a request along the workflow. expected is the version of the request the
// person decided on (request.Request.Version), or AnyVersion: a change decided on another
// version is refused with ErrChangedMeanwhile, in the same statement that would make it.
// Only staff of the request's own Division may change it; others who can see it get
// ErrForbidden, others ErrNotFound. Errors also: a *request.ValidationError for a change the
// workflow refuses. The customer's SMS (and e-mail on completion) is queued in the same
// transaction.
func (d *Desk) Change(ctx context.Context, actor Actor, reference string, ch request.Change, expected int) (request.Request, error) {
	r, err := d.visible(ctx, actor, reference)
	if err != nil {
		return request.Request{}, err
	}
	if err := actor.may(staff.ChangeStatus, staff.UnitOf(r)); err != nil {
		return request.Request{}, err
	}
	if expected != AnyVersion && expected != r.Version() {
		return request.Request{}, ErrChangedMeanwhile
	}
	ch, err = r.CheckChange(ch)
	if err != nil {
		return request.Request{}, err
	}
	changed, err := d.store.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: r.Status, Version: expected,
		Change: ch, Actor: actor.Account.Username, At: d.clock(), Notifications: notify.ForStatus(r, ch.To),
		Audit: actor.audit("status_change", string(r.Reference), ch.Describe(r.Status))})
	switch {
	case errors.Is(err, store.ErrChangedMeanwhile):
		return request.Request{}, ErrChangedMeanwhile
	case errors.Is(err, store.ErrNotFound):
		return request.Request{}, ErrNotFound
	}
	return changed, err
}

// BulkItem is one request of a bulk change, with the version the person saw in the list
// (or AnyVersion).
type BulkItem struct {
	Reference string
	Version   int
}

// BulkResult is what became of one request of a bulk change.
type BulkResult struct {
	Reference string
	Request   request.Request // as changed, when Err is nil
	Err       error
}

// Bulk applies the same change to several requests, each on its own (one refused change does
// not undo the others), each refused if it changed since the version listed. Only moves to
// in progress and completed are offered in bulk.
func (d *Desk) Bulk(ctx context.Context, actor Actor, items []BulkItem, ch request.Change) ([]BulkResult, error) {
	if err := actor.may(staff.ChangeStatus, actor.Account.Scope()); err != nil {
		return nil, err
	}
	if ch.To != request.StatusInProgress && ch.To != request.StatusCompleted {
		return nil, &request.ValidationError{Fields: request.FieldErrors{request.FieldStatus: "Several requests at once can only be moved to in progress or completed."}}
	}
	if len(items) == 0 {
		return nil, &request.ValidationError{Fields: request.FieldErrors{"references": "Select at least one request."}}
	}
	if len(items) > MaxPageSize {
		return nil, &request.ValidationError{Fields: request.FieldErrors{"references": fmt.Sprintf("Select at most %d requests at once.", MaxPageSize)}}
	}
	out := make([]BulkResult, 0, len(items))
	for _, it := range items {
		r, err := d.Change(ctx, actor, it.Reference, ch, it.Version)
		out = append(out, BulkResult{Reference: it.Reference, Request: r, Err: err})
	}
	return out, nil
}

// RunSheetGroup is the requests given to one post office or postman.
type RunSheetGroup struct {
	AssignedTo string // empty: not assigned yet
	Requests   []request.Request
}

// RunSheet lists the Division's requests in progress, grouped by who they are assigned to, for
// the day's round (Division staff only: it carries full names, addresses and mobiles).
func (d *Desk) RunSheet(ctx context.Context, actor Actor) ([]RunSheetGroup, error) {
	if err := actor.may(staff.PrintRunSheet, actor.Account.Scope()); err != nil {
		return nil, err
	}
	reqs, err := d.Export(ctx, actor, Filter{Statuses: []request.Status{request.StatusInProgress}}, "run sheet")
	if err != nil {
		return nil, err
	}
	var groups []RunSheetGroup
	index := map[string]int{}
	for _, r := range reqs {
		i, ok := index[r.AssignedTo]
		if !ok {
			i = len(groups)
			index[r.AssignedTo] = i
			groups = append(groups, RunSheetGroup{AssignedTo: r.AssignedTo})
		}
		groups[i].Requests = append(groups[i].Requests, r)
	}
	// Named groups by name; the unassigned last, where someone must still act on them.
	slices.SortStableFunc(groups, func(a, b RunSheetGroup) int {
		switch {
		case a.AssignedTo == b.AssignedTo:
			return 0
		case a.AssignedTo == "":
			return 1
		case b.AssignedTo == "":
			return -1
		}
		return strings.Compare(strings.ToLower(a.AssignedTo), strings.ToLower(b.AssignedTo))
	})
	return groups, nil
}

// RetryMessage sends a failed message again: staff of the request's Division and admins
// may. Errors: ErrNotFound, ErrForbidden, ErrNotRetryable.
func (d *Desk) RetryMessage(ctx context.Context, actor Actor, reference string, messageID int64) error {
	r, err := d.visible(ctx, actor, reference)
	if err != nil {
		return err
	}
	if err := actor.may(staff.RetryMessage, staff.UnitOf(r)); err != nil {
		return err
	}
	n, err := d.store.Notification(ctx, messageID)
	if errors.Is(err, store.ErrNotFound) || err == nil && n.RequestID != r.ID {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	switch err := d.store.RetryNotification(ctx, n.ID, d.clock()); {
	case errors.Is(err, store.ErrNotRetryable):
		return ErrNotRetryable
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case err != nil:
		return err
	}
	return d.Audit(ctx, actor, "notification_retry", string(r.Reference), fmt.Sprintf("%s %s #%d", n.Channel, n.Kind, n.ID))
}
