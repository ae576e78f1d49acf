package staffweb

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
	"github.com/doorstep-post/doorstep/internal/store"
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
	Seen     int // the history's length when the page was shown
}

// fieldSeen carries how many history entries the person saw: if there are more when the
// form comes back, someone (or a second click) changed the request meanwhile.
const fieldSeen = "seen"

var changeFields = []string{request.FieldStatus, request.FieldRemarks, fieldRemarksNote, request.FieldAssignedTo}

var languageNames = map[request.Language]string{request.English: "English", request.Hindi: "Hindi"}

// showRequest is the page of one request.
func (s *Staff) showRequest(w http.ResponseWriter, r *http.Request, u *user) {
	req, notes, err := s.desk.Request(r.Context(), u.Actor, r.PathValue("reference"))
	if err != nil {
		s.fail(w, r, u, "find request", err)
		return
	}
	s.renderRequest(w, r, u, http.StatusOK, req, notes, nil, nil, "")
}

// renderRequest shows a request; form and errs are a change that came back with mistakes.
func (s *Staff) renderRequest(w http.ResponseWriter, r *http.Request, u *user, status int, req request.Request,
	notes []store.Notification, form url.Values, errs request.FieldErrors, notice string) {
	names, _, err := s.serviceNames(r.Context())
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
	for _, e := range req.History {
		page.History = append(page.History, eventView{Status: string(e.Status), StatusLabel: e.Status.Label(), At: e.At,
			Actor: cmp.Or(e.Actor, "customer"), Remarks: e.Remarks, AssignedTo: e.AssignedTo})
	}
	scope := u.Account.Scope()
	mayRetry := scope.CanChange(req) || u.Account.Role == staff.RoleAdmin
	for _, n := range notes {
		v := notificationView{Channel: n.Channel, Kind: n.Kind, Recipient: n.Recipient, Status: n.Status, Attempts: n.Attempts,
			LastError: n.LastError, Created: n.CreatedAt, Updated: n.UpdatedAt, Sent: n.SentAt}
		if mayRetry && n.Status == store.NotificationFailed {
			v.RetryURL = fmt.Sprintf("%s/notifications/%d/retry", requestURL(req.Reference), n.ID)
		}
		page.Notifications = append(page.Notifications, v)
	}
	next := request.NextStatuses(req.Status)
	switch {
	case !scope.CanChange(req):
		page.ChangedBy = req.Division
	case len(next) > 0:
		page.Form = newChangeForm(req, next, form, errs)
	}
	s.render(w, r, status, "request", page)
}

func newChangeForm(req request.Request, next []request.Status, form url.Values, errs request.FieldErrors) *changeForm {
	f := &changeForm{Action: requestURL(req.Reference) + "/status", Seen: len(req.History),
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

// changeStatus moves a request along the workflow from its page's form.
func (s *Staff) changeStatus(w http.ResponseWriter, r *http.Request, u *user) {
	if !s.readForm(w, r, u) {
		return
	}
	ctx := r.Context()
	form := r.PostForm
	req, notes, err := s.desk.Request(ctx, u.Actor, r.PathValue("reference"))
	if err != nil {
		s.fail(w, r, u, "find request", err)
		return
	}
	if seen, err := strconv.Atoi(form.Get(fieldSeen)); err != nil || seen != len(req.History) {
		s.renderRequest(w, r, u, http.StatusConflict, req, notes, nil, nil, sentence(desk.ErrStatusChanged))
		return
	}
	ch := request.Change{To: request.Status(form.Get(request.FieldStatus)), Remarks: remarks(form),
		AssignedTo: form.Get(request.FieldAssignedTo)}
	changed, err := s.desk.Change(ctx, u.Actor, string(req.Reference), ch)
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
		s.renderRequest(w, r, u, http.StatusUnprocessableEntity, req, notes, form, errs, "")
	case errors.Is(err, desk.ErrStatusChanged):
		current, notes, err := s.desk.Request(ctx, u.Actor, string(req.Reference))
		if err != nil {
			s.fail(w, r, u, "find request", err)
			return
		}
		s.renderRequest(w, r, u, http.StatusConflict, current, notes, nil, nil, sentence(desk.ErrStatusChanged))
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

// sentence is an error's message as a sentence to show: the desk's errors start in lower case.
func sentence(err error) string {
	msg := err.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// retryNotification sends a failed message again.
func (s *Staff) retryNotification(w http.ResponseWriter, r *http.Request, u *user) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.fail(w, r, u, "retry notification", desk.ErrNotFound)
		return
	}
	ref := r.PathValue("reference")
	err = s.desk.RetryNotification(r.Context(), u.Actor, ref, id)
	switch {
	case errors.Is(err, store.ErrNotRetryable):
		s.setFlash(r.Context(), "This message has not failed, or cannot be sent again (a one-time code): it was not queued.", true)
	case err != nil:
		s.fail(w, r, u, "retry notification", err)
		return
	default:
		s.setFlash(r.Context(), "The message is queued to be sent again.", false)
	}
	parsed, _ := request.ParseReference(ref) // it parsed in the desk, or the answer was 404
	http.Redirect(w, r, requestURL(parsed), http.StatusSeeOther)
}
