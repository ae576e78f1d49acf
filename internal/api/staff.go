package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/clientip"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// The staff API: postmen's and Division staff's mobile app. Every rule (who sees which
// request, who may change it, the workflow, the audit) is the desk's, as on the web desk.

// realm names the protection space in WWW-Authenticate.
const realm = `Bearer realm="doorstep"`

// staffHandler serves a request made with a working bearer token, as actor.
type staffHandler func(w http.ResponseWriter, r *http.Request, actor desk.Actor)

// staffOnly lets through only requests with a working staff token whose account may do act
// at all (anyAccount: every account).
func (a *API) staffOnly(act staff.Action, h staffHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			writeUnauthorized(w, "", "Log in first: send Authorization: Bearer TOKEN, with a token from POST "+Prefix+"auth/token.")
			return
		}
		account, err := a.desk.TokenAccount(r.Context(), token)
		switch {
		case errors.Is(err, desk.ErrSessionEnded):
			writeUnauthorized(w, "invalid_token", "This token has expired or was revoked, or its account was disabled or had its password changed. Log in again.")
			return
		case err != nil:
			a.internalError(w, r, err)
			return
		}
		if act != anyAccount && !account.MayAtAll(act) {
			writeForbidden(w)
			return
		}
		h(w, r, desk.Actor{Account: account, IP: clientip.Of(r)})
	}
}

// bearerToken reads "Authorization: Bearer TOKEN" (the scheme in any case, RFC 9110).
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// writeUnauthorized answers 401 with the challenge RFC 6750 asks for; errCode is empty when
// no token was sent.
func writeUnauthorized(w http.ResponseWriter, errCode, detail string) {
	challenge := realm
	if errCode != "" {
		challenge += `, error="` + errCode + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	writeProblem(w, Problem{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Detail: detail})
}

type credentialsJSON struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type tokenJSON struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// issueToken is the app's login.
func (a *API) issueToken(w http.ResponseWriter, r *http.Request) {
	var body credentialsJSON
	if !decodeJSON(w, r, &body) {
		return
	}
	errs := map[string]string{}
	if strings.TrimSpace(body.Username) == "" {
		errs[staff.FieldUsername] = "Give your username."
	}
	if body.Password == "" {
		errs[staff.FieldPassword] = "Give your password."
	}
	if len(errs) > 0 {
		writeInvalid(w, errs)
		return
	}
	token, expires, err := a.desk.IssueToken(r.Context(), body.Username, body.Password, clientip.Of(r))
	switch {
	case errors.Is(err, staff.ErrBadLogin):
		w.Header().Set("WWW-Authenticate", realm)
		writeProblem(w, Problem{Status: http.StatusUnauthorized, Code: CodeInvalidCredentials, Detail: err.Error()})
		return
	case errors.Is(err, staff.ErrDisabled):
		writeProblem(w, Problem{Status: http.StatusForbidden, Code: CodeAccountDisabled, Detail: err.Error()})
		return
	case err != nil:
		a.internalError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, tokenJSON{Token: token, ExpiresAt: expires})
}

// revokeToken is the app's logout: the token used for this call stops working.
func (a *API) revokeToken(w http.ResponseWriter, r *http.Request, actor desk.Actor) {
	token, _ := bearerToken(r)
	if err := a.desk.RevokeToken(r.Context(), actor, token); err != nil {
		a.internalError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// staffEventJSON is one entry of a request's history as staff see it.
type staffEventJSON struct {
	Status     string    `json:"status"`
	Label      string    `json:"label"`
	At         time.Time `json:"at"`
	Remarks    *string   `json:"remarks"`
	Actor      *string   `json:"actor"`
	AssignedTo *string   `json:"assigned_to"`
}

type notificationJSON struct {
	ID        int64      `json:"id"`
	Channel   string     `json:"channel"`
	Kind      string     `json:"kind"`
	Recipient string     `json:"recipient"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError *string    `json:"last_error"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// staffRequestJSON is a request with everything the customer gave: staff whose part of the
// hierarchy it is in need the name, address and mobile to serve it.
type staffRequestJSON struct {
	Reference   string           `json:"reference"`
	Service     string           `json:"service"`
	ServiceName string           `json:"service_name"`
	Status      string           `json:"status"`
	StatusLabel string           `json:"status_label"`
	Name        string           `json:"name"`
	Address     string           `json:"address"`
	Pincode     string           `json:"pincode"`
	Mobile      string           `json:"mobile"`
	Email       string           `json:"email"`
	Details     *string          `json:"details"`
	Language    string           `json:"language"`
	Division    string           `json:"division"`
	Region      *string          `json:"region"`
	Circle      string           `json:"circle"`
	District    string           `json:"district"`
	State       string           `json:"state"`
	AssignedTo  *string          `json:"assigned_to"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	ExpectedBy  time.Time        `json:"expected_by"` // submission + the service's target time
	History     []staffEventJSON `json:"history"`
	// Version counts the request's changes; a status change can be made conditional on it
	// (expected_version, or If-Match with the ETag).
	Version int `json:"version"`
	// NextStatuses are where this account may move the request: empty for those who only
	// watch it, and for a request whose status is final.
	NextStatuses []string `json:"next_statuses"`
	// Notifications are the messages sent to the customer; only one request's page has them.
	Notifications *[]notificationJSON `json:"notifications,omitempty"`
}

func staffView(actor desk.Actor, r request.Request, services map[string]request.Service) staffRequestJSON {
	svc := services[r.ServiceCode] // unknown: no name, the default target
	v := staffRequestJSON{Reference: r.Reference.String(), Service: r.ServiceCode, ServiceName: svc.Name,
		Status: string(r.Status), StatusLabel: r.Status.Label(), Name: r.Name, Address: r.Address, Pincode: r.Pincode,
		Mobile: r.Mobile, Email: r.Email, Details: optional(r.Details), Language: string(r.Language), Division: r.Division,
		Region: optional(r.Region), Circle: r.Circle, District: r.District, State: r.State, AssignedTo: optional(r.AssignedTo),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ExpectedBy: request.ExpectedBy(r.CreatedAt, svc.Target()),
		History: make([]staffEventJSON, len(r.History)), Version: r.Version(),
		NextStatuses: []string{}}
	for i, e := range r.History {
		v.History[i] = staffEventJSON{Status: string(e.Status), Label: e.Status.Label(), At: e.At,
			Remarks: optional(e.Remarks), Actor: optional(e.Actor), AssignedTo: optional(e.AssignedTo)}
	}
	if actor.Account.May(staff.ChangeStatus, staff.UnitOf(r)) {
		for _, s := range request.NextStatuses(r.Status) {
			v.NextStatuses = append(v.NextStatuses, string(s))
		}
	}
	return v
}

func messagesView(msgs []desk.Message) []notificationJSON {
	out := make([]notificationJSON, len(msgs))
	for i, n := range msgs {
		out[i] = notificationJSON{ID: n.ID, Channel: n.Channel, Kind: n.Kind, Recipient: n.Recipient, Status: n.Status,
			Attempts: n.Attempts, LastError: optional(n.LastError), CreatedAt: n.CreatedAt}
		if !n.SentAt.IsZero() {
			sent := n.SentAt
			out[i].SentAt = &sent
		}
	}
	return out
}

// countsJSON has every status, so that the app need not tell a missing one from zero.
type countsJSON struct {
	Submitted      int `json:"submitted"`
	InProgress     int `json:"in_progress"`
	Completed      int `json:"completed"`
	NotServiceable int `json:"not_serviceable"`
	Cancelled      int `json:"cancelled"`
}

type deskPageJSON struct {
	Requests []staffRequestJSON `json:"requests"`
	// Next is the cursor of the next page, for ?after=; null on the last page.
	Next *string `json:"next"`
	// Counts is null for a search by name, which the desk does not count.
	Counts *countsJSON `json:"counts"`
}

// listDeskRequests is the desk: a page of the requests in the account's part of the
// hierarchy, filtered as on the web desk.
func (a *API) listDeskRequests(w http.ResponseWriter, r *http.Request, actor desk.Actor) {
	f, errs := desk.ParseFilter(r.URL.Query())
	if len(errs) > 0 {
		writeProblem(w, Problem{Status: http.StatusUnprocessableEntity, Code: CodeValidation,
			Detail: "Some query parameters need correcting; see errors.", Errors: errs})
		return
	}
	page, err := a.desk.List(r.Context(), actor, f)
	if err != nil {
		a.deskFailed(w, r, err)
		return
	}
	a.writeStaffJSON(w, r, func(services map[string]request.Service) any {
		out := deskPageJSON{Requests: make([]staffRequestJSON, len(page.Requests)), Next: optional(page.Next)}
		if c := page.Counts; c != nil {
			out.Counts = &countsJSON{Submitted: c[request.StatusSubmitted], InProgress: c[request.StatusInProgress],
				Completed: c[request.StatusCompleted], NotServiceable: c[request.StatusNotServiceable], Cancelled: c[request.StatusCancelled]}
		}
		for i, req := range page.Requests {
			out.Requests[i] = staffView(actor, req, services)
		}
		return out
	})
}

// getDeskRequest is one request with its history and the messages sent about it. Its ETag
// is its version.
func (a *API) getDeskRequest(w http.ResponseWriter, r *http.Request, actor desk.Actor) {
	req, msgs, err := a.desk.Request(r.Context(), actor, r.PathValue("reference"))
	if err != nil {
		a.deskFailed(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(req.Version()))
	a.writeStaffJSON(w, r, func(services map[string]request.Service) any {
		view := staffView(actor, req, services)
		n := messagesView(msgs)
		view.Notifications = &n
		return view
	})
}

// etag is the entity tag of a request's version.
func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

type statusChangeJSON struct {
	Status     string `json:"status"`
	Remarks    string `json:"remarks"`
	AssignedTo string `json:"assigned_to"`
	// ExpectedVersion, if given, is the version the change was decided on.
	ExpectedVersion *int `json:"expected_version"`
}

// expectedVersion is the version a status change was decided on: from the body's
// expected_version or the If-Match header (the ETag of GET), desk.AnyVersion if neither
// was given. It explains what is wrong with them in field errors.
func expectedVersion(r *http.Request, body statusChangeJSON) (int, map[string]string) {
	errs := map[string]string{}
	version := desk.AnyVersion
	if body.ExpectedVersion != nil {
		if *body.ExpectedVersion < 1 {
			errs["expected_version"] = "A version is a whole number from 1, as GET gives it."
		}
		version = *body.ExpectedVersion
	}
	if match := strings.TrimSpace(r.Header.Get("If-Match")); match != "" && match != "*" {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(match, `"`), `"`))
		switch {
		case err != nil || n < 1 || !strings.HasPrefix(match, `"`) || !strings.HasSuffix(match, `"`):
			errs["If-Match"] = `Give one ETag as GET gives it, like "3".`
		case body.ExpectedVersion != nil && n != *body.ExpectedVersion:
			errs["If-Match"] = "If-Match and expected_version name different versions; give one."
		default:
			version = n
		}
	}
	return version, errs
}

// changeRequestStatus moves a request along the workflow; the customer's messages are
// queued with the change. With an expected version, a request changed since is refused (409)
// in the statement that would have changed it.
func (a *API) changeRequestStatus(w http.ResponseWriter, r *http.Request, actor desk.Actor) {
	var body statusChangeJSON
	if !decodeJSON(w, r, &body) {
		return
	}
	version, errs := expectedVersion(r, body)
	if len(errs) > 0 {
		writeInvalid(w, errs)
		return
	}
	changed, err := a.desk.Change(r.Context(), actor, r.PathValue("reference"),
		request.Change{To: request.Status(body.Status), Remarks: body.Remarks, AssignedTo: body.AssignedTo}, version)
	if err != nil {
		a.deskFailed(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(changed.Version()))
	a.writeStaffJSON(w, r, func(services map[string]request.Service) any { return staffView(actor, changed, services) })
}

// writeStaffJSON answers 200 with what view builds, given the services by code. Staff
// answers carry personal data: no cache may keep them.
func (a *API) writeStaffJSON(w http.ResponseWriter, r *http.Request, view func(services map[string]request.Service) any) {
	services, err := a.servicesByCode(r.Context())
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, view(services))
}

// deskFailed answers an error of the desk.
func (a *API) deskFailed(w http.ResponseWriter, r *http.Request, err error) {
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		writeInvalid(w, invalid.Fields)
	case errors.Is(err, desk.ErrNotFound):
		// The same answer whether the request does not exist or is another unit's.
		writeProblem(w, Problem{Status: http.StatusNotFound, Code: CodeNotFound,
			Detail: "There is no request with this reference number in your part of the hierarchy."})
	case errors.Is(err, desk.ErrForbidden):
		writeForbidden(w)
	case errors.Is(err, desk.ErrChangedMeanwhile):
		writeStatusChanged(w)
	default:
		a.internalError(w, r, err)
	}
}

// servicesByCode maps every service's code to the service, including services switched off
// since (a request keeps its service).
func (a *API) servicesByCode(ctx context.Context) (map[string]request.Service, error) {
	all, err := a.intake.Catalogue().All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]request.Service, len(all))
	for _, svc := range all {
		out[svc.Code] = svc
	}
	return out, nil
}

// writeForbidden answers an account that may see a request but not do what it asked.
func writeForbidden(w http.ResponseWriter) {
	writeProblem(w, Problem{Status: http.StatusForbidden, Code: CodeForbidden,
		Detail: "Your account may not do this: only staff of the request's own Division change its status."})
}
