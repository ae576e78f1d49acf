package backoffice

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// requestPage is everything about one request, for staff of its scope.
type requestPage struct {
	base
	Request       detailView
	History       []eventView
	Notifications []notificationView
	Form          *changeForm // nil when the viewer may not change it, or it can change no more
	ChangedBy     string      // who may change it, when the viewer may not
	Notice        string      // why the page came back: it changed meanwhile
	Summary       []string    // what is wrong with the change asked for
}

// detailView is everything the customer gave, and where the request stands.
type detailView struct {
	Reference   string
	URL         string
	Service     string
	Status      string
	StatusLabel string
	Name        string
	Address     string
	Pincode     string
	Mobile      string
	Email       string
	Details     string
	Language    string
	Division    string
	Region      string
	Circle      string
	District    string
	State       string
	AssignedTo  string
	Created     time.Time
	Updated     time.Time
	// Where it stands against its service's target: hours, submission + target, and
	// whether it is still open past it (request.Request.Overdue).
	TargetHours int
	ExpectedBy  time.Time
	Overdue     bool
}

type eventView struct {
	Status      string
	StatusLabel string
	At          time.Time
	Actor       string
	Remarks     string
	AssignedTo  string
}

type notificationView struct {
	Channel   string
	Kind      string
	Recipient string
	Status    string
	Attempts  int
	LastError string
	Created   time.Time
	Updated   time.Time
	Sent      time.Time
	RetryURL  string // set when it failed and the viewer may send it again
}

// changeForm moves the request along the workflow.
type changeForm struct {
	Action   string
	Statuses []option
	Remarks  []option
	Fields   map[string]field
	Version  int // the request's version when the page was shown
}

// fieldVersion carries the version of the request the person saw and decided on: if the
// request has another when the form comes back, someone (or a second click) changed it
// meanwhile, and the change is refused in the statement that would have made it.
const fieldVersion = "version"

var changeFields = []string{request.FieldStatus, request.FieldRemarks, fieldRemarksNote, request.FieldAssignedTo}

var languageNames = map[request.Language]string{request.English: "English", request.Hindi: "Hindi"}

// showRequest is the page of one request.
func (s *BackOffice) showRequest(w http.ResponseWriter, r *http.Request, u *user) {
	req, notes, err := s.desk.Request(r.Context(), u.Actor, r.PathValue("reference"))
	if err != nil {
		s.fail(w, r, u, "find request", err)
		return
	}
	s.renderRequest(w, r, u, http.StatusOK, req, notes, nil, nil, "")
}

// renderRequest shows a request; form and errs are a change that came back with mistakes.
func (s *BackOffice) renderRequest(w http.ResponseWriter, r *http.Request, u *user, status int, req request.Request,
	msgs []desk.Message, form url.Values, errs request.FieldErrors, notice string) {
	names, services, err := s.serviceNames(r.Context())
	if err != nil {
		s.fail(w, r, u, "list services", err)
		return
	}
	title := "Request " + req.Reference.String()
	if len(errs) > 0 {
		title = "Error: " + title
	}
	page := &requestPage{base: s.base(r, u, title, navDesk), Notice: notice, Summary: messages(errs)}
	page.Request = detailView{
		Reference: req.Reference.String(), URL: requestURL(req.Reference),
		Service: cmp.Or(names[req.ServiceCode], req.ServiceCode), Status: string(req.Status), StatusLabel: req.Status.Label(),
		Name: req.Name, Address: req.Address, Pincode: req.Pincode, Mobile: req.Mobile, Email: req.Email, Details: req.Details,
		Language: cmp.Or(languageNames[req.Language], string(req.Language)), Division: req.Division, Region: req.Region,
		Circle: req.Circle, District: req.District, State: req.State, AssignedTo: req.AssignedTo,
		Created: req.CreatedAt, Updated: req.UpdatedAt,
	}
	target := targetOf(services, req.ServiceCode)
	page.Request.TargetHours = int(target / time.Hour)
	page.Request.ExpectedBy = request.ExpectedBy(req.CreatedAt, target)
	page.Request.Overdue = req.Overdue(target, s.desk.Now())
	for _, e := range req.History {
		page.History = append(page.History, eventView{Status: string(e.Status), StatusLabel: e.Status.Label(), At: e.At,
			Actor: cmp.Or(e.Actor, "customer"), Remarks: e.Remarks, AssignedTo: e.AssignedTo})
	}
	unit := staff.UnitOf(req)
	mayRetry := u.Account.May(staff.RetryMessage, unit)
	for _, m := range msgs {
		v := notificationView{Channel: m.Channel, Kind: m.Kind, Recipient: m.Recipient, Status: m.Status, Attempts: m.Attempts,
			LastError: m.LastError, Created: m.CreatedAt, Updated: m.UpdatedAt, Sent: m.SentAt}
		if mayRetry && m.Failed() {
			v.RetryURL = fmt.Sprintf("%s/notifications/%d/retry", requestURL(req.Reference), m.ID)
		}
		page.Notifications = append(page.Notifications, v)
	}
	next := request.NextStatuses(req.Status)
	switch {
	case !u.Account.May(staff.ChangeStatus, unit):
		page.ChangedBy = req.Division
	case len(next) > 0:
		page.Form = newChangeForm(req, next, form, errs)
	}
	s.render(w, r, status, "request", page)
}

func newChangeForm(req request.Request, next []request.Status, form url.Values, errs request.FieldErrors) *changeForm {
	f := &changeForm{Action: requestURL(req.Reference) + "/status", Version: req.Version(),
		Fields: fields(form, errs, changeFields...), Remarks: remarkOptions(form.Get(request.FieldRemarks))}
	for _, st := range next {
		label := st.Label()
		if st == req.Status {
			label += " (assign again)"
		}
		f.Statuses = append(f.Statuses, option{Value: string(st), Label: label})
	}
	selectValue(f.Statuses, form.Get(request.FieldStatus))
	return f
}

// changeStatus moves a request along the workflow from its page's form, as decided on the
// version of the request the page showed.
func (s *BackOffice) changeStatus(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.readForm(w, r, u) {
		return
	}
	ctx := r.Context()
	form := r.PostForm
	reference := r.PathValue("reference")
	// A form without its version (not sent by the page) counts as decided on no version
	// there is: it comes back to be decided anew.
	version, err := strconv.Atoi(form.Get(fieldVersion))
	if err != nil || version < 1 {
		version = -1
	}
	ch := request.Change{To: request.Status(form.Get(request.FieldStatus)), Remarks: remarks(form),
		AssignedTo: form.Get(request.FieldAssignedTo)}
	changed, err := s.desk.Change(ctx, u.Actor, reference, ch, version)
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		errs := invalid.Fields
		if msg, ok := errs[request.FieldRemarks]; ok {
			// The remarks are made of two controls; the message goes by the one typed in.
			errs = maps.Clone(errs)
			delete(errs, request.FieldRemarks)
			errs[fieldRemarksNote] = msg
		}
		s.showCurrent(w, r, u, http.StatusUnprocessableEntity, reference, form, errs, "")
	case errors.Is(err, desk.ErrChangedMeanwhile):
		s.showCurrent(w, r, u, http.StatusConflict, reference, nil, nil, sentence(desk.ErrChangedMeanwhile))
	case err != nil:
		s.fail(w, r, u, "change status", err)
	default:
		text := fmt.Sprintf("%s is now %s.", changed.Reference, strings.ToLower(changed.Status.Label()))
		if ch.To == request.StatusInProgress && changed.AssignedTo != "" {
			text = fmt.Sprintf("%s is in progress, assigned to %s.", changed.Reference, changed.AssignedTo)
		}
		s.setFlash(ctx, text+" The customer is being told.", false)
		http.Redirect(w, r, requestURL(changed.Reference), http.StatusSeeOther)
	}
}

// showCurrent shows a request as it is now, after a change that was not made: with the form
// as typed and what is wrong with it, or with notice (it changed meanwhile).
func (s *BackOffice) showCurrent(w http.ResponseWriter, r *http.Request, u *user, status int, reference string,
	form url.Values, errs request.FieldErrors, notice string) {
	current, msgs, err := s.desk.Request(r.Context(), u.Actor, reference)
	if err != nil {
		s.fail(w, r, u, "find request", err)
		return
	}
	s.renderRequest(w, r, u, status, current, msgs, form, errs, notice)
}

// sentence is an error's message as a sentence to show: the desk's errors start in lower case.
func sentence(err error) string {
	msg := err.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// retryMessage sends a failed message again.
func (s *BackOffice) retryMessage(w http.ResponseWriter, r *http.Request, u *user) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, u, "retry message", desk.ErrNotFound)
		return
	}
	ref := r.PathValue("reference")
	err = s.desk.RetryMessage(r.Context(), u.Actor, ref, id)
	switch {
	case errors.Is(err, desk.ErrNotRetryable):
		s.setFlash(r.Context(), "This message has not failed, or cannot be sent again (a one-time code): it was not queued.", true)
	case err != nil:
		s.fail(w, r, u, "retry message", err)
		return
	default:
		s.setFlash(r.Context(), "The message is queued to be sent again.", false)
	}
	parsed, _ := request.ParseReference(ref) // it parsed in the desk, or the answer was 404
	http.Redirect(w, r, requestURL(parsed), http.StatusSeeOther)
}
