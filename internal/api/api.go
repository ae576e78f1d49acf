// Package api is the JSON API that the mobile app uses, documented by openapi.json beside it.
package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/clientip"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/htmlpage"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/staff"
)

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument is the API's OpenAPI 3.1 description.
func OpenAPIDocument() []byte { return openAPIDocument }

// MaxBodyBytes bounds a request body: a submission is well under 4 KiB.
const MaxBodyBytes = 16 << 10

// Prefix is where the API lives.
const Prefix = "/api/v1/"

// API serves the JSON API: customers' (intake) and staff's (desk).
type API struct {
	intake    *intake.Intake
	desk      *desk.Desk
	dashboard *dashboard.Dashboard
	mux       *http.ServeMux
	routes    []Route
}

// New returns the API handler; mount it at Prefix.
func New(in *intake.Intake, d *desk.Desk, dash *dashboard.Dashboard) *API {
	a := &API{intake: in, desk: d, dashboard: dash, mux: http.NewServeMux()}
	a.register()
	return a
}

// Route is one URL pattern of the API and who may call it: Public for anyone, otherwise a
// staff token whose account may do the action (staff.Account.May, asked of the account's
// own part of the hierarchy; the desk asks again of the request acted on).
type Route struct {
	Pattern    string
	Public     bool
	Permission staff.Action // "" with a token: every staff account
}

// Routes lists every route of the API, as registered.
func (a *API) Routes() []Route { return slices.Clone(a.routes) }

// anyAccount lets every staff token use a route (logging out).
const anyAccount staff.Action = ""

// register adds every URL of the API, each with who may call it.
func (a *API) register() {
	a.public("GET /api/v1/openapi.json", a.openAPI)
	a.public("GET /api/v1/services", a.listServices)
	a.public("GET /api/v1/pincodes/{pincode}", a.getPincode)
	a.public("POST /api/v1/otp", a.requestOTP)
	a.public("POST /api/v1/requests", a.createRequest)
	a.public("GET /api/v1/requests", a.listRequestsByMobile)
	a.public("GET /api/v1/requests/{reference}", a.getRequest)
	a.public("POST /api/v1/requests/{reference}/cancel", a.cancelRequest)

	a.public("POST /api/v1/auth/token", a.issueToken)
	a.staff("DELETE /api/v1/auth/token", anyAccount, a.revokeToken)
	a.staff("GET /api/v1/desk/requests", staff.ViewRequests, a.listDeskRequests)
	a.staff("GET /api/v1/desk/requests/{reference}", staff.ViewRequests, a.getDeskRequest)
	a.staff("POST /api/v1/desk/requests/{reference}/status", staff.ChangeStatus, a.changeRequestStatus)
	a.staff("GET /api/v1/dashboard", staff.ViewDashboard, a.getDashboard)

	// Whatever matches no route: a problem rather than the ServeMux's plain-text pages. A
	// catch-all, so that a request is routed with one lookup of the mux.
	a.mux.HandleFunc("/", a.unknownRoute)
}

func (a *API) public(pattern string, h http.HandlerFunc) {
	a.routes = append(a.routes, Route{Pattern: pattern, Public: true})
	a.mux.HandleFunc(pattern, h)
}

func (a *API) staff(pattern string, act staff.Action, h staffHandler) {
	a.routes = append(a.routes, Route{Pattern: pattern, Permission: act})
	a.mux.HandleFunc(pattern, a.staffOnly(act, h))
}

// ServeHTTP routes to the API's handlers.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// unknownRoute answers a path no route has with 404, and a path that has routes for other
// methods with 405 and the methods allowed, as problems.
func (a *API) unknownRoute(w http.ResponseWriter, r *http.Request) {
	if allow := htmlpage.AllowedMethods(a.mux, r, "/"); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, Problem{Status: http.StatusMethodNotAllowed, Code: CodeMethodNotAllowed,
			Detail: fmt.Sprintf("%s is not allowed here; allowed: %s.", r.Method, strings.Join(allow, ", "))})
		return
	}
	writeProblem(w, Problem{Status: http.StatusNotFound, Code: CodeNotFound,
		Detail: "There is no such API endpoint. See " + Prefix + "openapi.json."})
}

func (a *API) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(openAPIDocument)
}

type serviceJSON struct {
	Code          string `json:"code"`
	Name          string `json:"name"`
	NameHi        string `json:"name_hi"`
	Description   string `json:"description"`
	DescriptionHi string `json:"description_hi"`
}

func (a *API) listServices(w http.ResponseWriter, r *http.Request) {
	services, err := a.intake.Catalogue().Active(r.Context())
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	out := make([]serviceJSON, len(services))
	for i, svc := range services {
		out[i] = serviceJSON{Code: svc.Code, Name: svc.Name, NameHi: svc.NameHi, Description: svc.Description, DescriptionHi: svc.DescriptionHi}
	}
	writeJSON(w, http.StatusOK, out)
}

type areaJSON struct {
	Pincode  string  `json:"pincode"`
	Division string  `json:"division"`
	Region   *string `json:"region"` // null: the Division reports straight to its Circle
	Circle   string  `json:"circle"`
	District string  `json:"district"`
	State    string  `json:"state"`
}

func (a *API) getPincode(w http.ResponseWriter, r *http.Request) {
	area, err := a.intake.Directory().Lookup(r.PathValue("pincode"))
	var unknown *postal.UnknownPincodeError
	switch {
	case errors.As(err, &unknown):
		writeProblem(w, Problem{Status: http.StatusNotFound, Code: CodeNotFound, Detail: unknown.Error() + "."})
		return
	case err != nil:
		writeProblem(w, Problem{Status: http.StatusUnprocessableEntity, Code: CodeValidation,
			Detail: "That is not a pincode.", Errors: map[string]string{"pincode": "A pincode has 6 digits and does not start with 0, like 110001."}})
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	writeJSON(w, http.StatusOK, areaJSON{Pincode: area.Pincode, Division: area.Division, Region: optional(area.Region),
		Circle: area.Circle, District: area.District, State: area.State})
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type createRequestJSON struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Pincode  string `json:"pincode"`
	Email    string `json:"email"`
	Mobile   string `json:"mobile"`
	Service  string `json:"service"`
	Details  string `json:"details"`
	Language string `json:"language"`
	OTP      string `json:"otp"`
}

type createdJSON struct {
	Reference string    `json:"reference"`
	Status    string    `json:"status"`
	Division  string    `json:"division"`
	Region    *string   `json:"region"`
	Circle    string    `json:"circle"`
	CreatedAt time.Time `json:"created_at"`
	Duplicate bool      `json:"duplicate"`
}

func (a *API) createRequest(w http.ResponseWriter, r *http.Request) {
	var body createRequestJSON
	if !decodeJSON(w, r, &body) {
		return
	}
	res, err := a.intake.Submit(r.Context(), request.Submission{
		Name: body.Name, Address: body.Address, Pincode: body.Pincode, Email: body.Email,
		Mobile: body.Mobile, Service: body.Service, Details: body.Details, Language: body.Language, OTP: body.OTP,
	}, r.Header.Get("Idempotency-Key"))
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		writeInvalid(w, invalid.Fields)
		return
	case errors.Is(err, intake.ErrBadIdempotencyKey):
		writeProblem(w, Problem{Status: http.StatusBadRequest, Code: CodeIdempotencyKey, Detail: err.Error() + "."})
		return
	case errors.Is(err, intake.ErrIdempotencyKeyReused):
		writeProblem(w, Problem{Status: http.StatusUnprocessableEntity, Code: CodeIdempotencyKeyReused,
			Detail: "This Idempotency-Key was already used for a different request. Use a new key for a new request."})
		return
	case errors.Is(err, intake.ErrUnavailable):
		requestlog.Fail(r.Context(), "api", err)
		w.Header().Set("Retry-After", "5")
		writeProblem(w, Problem{Status: http.StatusServiceUnavailable, Code: CodeUnavailable,
			Detail: "We are very busy and could not confirm that your request was saved. Please send it again in a few seconds, with the same Idempotency-Key: it will not be saved twice."})
		return
	case err != nil:
		a.internalError(w, r, err)
		return
	}
	req := res.Request
	w.Header().Set("Location", Prefix+"requests/"+string(req.Reference))
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, createdJSON{Reference: req.Reference.String(), Status: string(req.Status),
		Division: req.Division, Region: optional(req.Region), Circle: req.Circle,
		CreatedAt: req.CreatedAt, Duplicate: res.Duplicate})
}

type otpRequestJSON struct {
	Mobile   string `json:"mobile"`
	Language string `json:"language"`
}

type otpSentJSON struct {
	MobileMasked string    `json:"mobile_masked"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// requestOTP sends a one-time code by SMS; the request that follows carries it as "otp".
func (a *API) requestOTP(w http.ResponseWriter, r *http.Request) {
	var body otpRequestJSON
	if !decodeJSON(w, r, &body) {
		return
	}
	expires, err := a.intake.RequestOTP(r.Context(), body.Mobile, body.Language)
	var bad *intake.MobileError
	switch {
	case errors.As(err, &bad):
		writeInvalid(w, map[string]string{"mobile": bad.Message})
		return
	case errors.Is(err, otp.ErrRateLimited):
		writeRateLimited(w)
		return
	case err != nil:
		a.internalError(w, r, err)
		return
	}
	mobile, _ := request.NormalizeMobile(body.Mobile)
	writeJSON(w, http.StatusAccepted, otpSentJSON{MobileMasked: request.MaskMobile(mobile), ExpiresAt: expires})
}

// decodeJSON reads exactly one JSON object of known fields from a body of at most
// MaxBodyBytes, answering any fault with a 4xx problem. It reports whether to go on.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeProblem(w, Problem{Status: http.StatusUnsupportedMediaType, Code: CodeUnsupportedMediaType,
			Detail: "Send the request body as JSON with Content-Type: application/json."})
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value in the body")
	} else if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = errors.New("unexpected data after the JSON object")
		}
	}
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	p := Problem{Status: http.StatusBadRequest, Code: CodeMalformedJSON}
	switch {
	case errors.As(err, &tooLarge):
		p = Problem{Status: http.StatusRequestEntityTooLarge, Code: CodeBodyTooLarge,
			Detail: fmt.Sprintf("The body is larger than %d bytes.", MaxBodyBytes)}
	case errors.As(err, &typeErr):
		p.Detail = fmt.Sprintf("Field %q must be a %s.", typeErr.Field, jsonTypeName(typeErr.Type.Kind().String()))
		if typeErr.Field == "" {
			p.Detail = "The body must be a JSON object."
		}
	case errors.As(err, &syntaxErr):
		p.Detail = fmt.Sprintf("The body is not valid JSON (at byte %d).", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		p.Detail = "The body is empty; send a JSON object."
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.Detail = "The body ends in the middle of the JSON."
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		p.Code = CodeUnknownField
		p.Detail = fmt.Sprintf("Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		p.Detail = "The body is not valid JSON: " + err.Error() + "."
	}
	writeProblem(w, p)
	return false
}

func jsonTypeName(kind string) string {
	if kind == "struct" || kind == "map" {
		return "object"
	}
	return kind
}

// eventJSON is one status change as the public sees it.
type eventJSON struct {
	Status string    `json:"status"`
	Label  string    `json:"label"`
	At     time.Time `json:"at"`
}

// publicRequestJSON is what anyone holding a reference or a mobile number may see: no
// address, no e-mail, no details; the name as initials and the mobile's last four digits.
type publicRequestJSON struct {
	Reference    string      `json:"reference"`
	Service      string      `json:"service"`
	ServiceName  string      `json:"service_name"`
	Status       string      `json:"status"`
	StatusLabel  string      `json:"status_label"`
	NameInitials string      `json:"name_initials"`
	MobileMasked string      `json:"mobile_masked"`
	Pincode      string      `json:"pincode"`
	Division     string      `json:"division"`
	Region       *string     `json:"region"`
	Circle       string      `json:"circle"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
	ExpectedBy   time.Time   `json:"expected_by"` // submission + the service's target time
	History      []eventJSON `json:"history"`
}

func (a *API) publicView(ctx context.Context, reqs []request.Request) ([]publicRequestJSON, error) {
	out := make([]publicRequestJSON, len(reqs))
	for i, req := range reqs {
		svc, err := a.serviceOf(ctx, req.ServiceCode)
		if err != nil {
			return nil, err
		}
		out[i] = publicViewOf(req, svc)
	}
	return out, nil
}

// serviceOf is the service with this code, for its name and target time; a code the
// catalogue lacks is named by itself and has the default target.
func (a *API) serviceOf(ctx context.Context, code string) (request.Service, error) {
	svc, ok, err := a.intake.Catalogue().Service(ctx, code)
	if err == nil && !ok {
		svc = request.Service{Code: code, Name: code}
	}
	return svc, err
}

// publicViewOf is the public view of req, of the service svc.
func publicViewOf(req request.Request, svc request.Service) publicRequestJSON {
	history := make([]eventJSON, len(req.History))
	for j, e := range req.History {
		history[j] = eventJSON{Status: string(e.Status), Label: e.Status.Label(), At: e.At}
	}
	return publicRequestJSON{Reference: req.Reference.String(), Service: req.ServiceCode, ServiceName: svc.Name,
		Status: string(req.Status), StatusLabel: req.Status.Label(), NameInitials: request.Initials(req.Name),
		MobileMasked: request.MaskMobile(req.Mobile), Pincode: req.Pincode, Division: req.Division,
		Region: optional(req.Region), Circle: req.Circle, CreatedAt: req.CreatedAt, UpdatedAt: req.UpdatedAt,
		ExpectedBy: request.ExpectedBy(req.CreatedAt, svc.Target()), History: history}
}

func (a *API) getRequest(w http.ResponseWriter, r *http.Request) {
	req, err := a.intake.Track(r.Context(), r.PathValue("reference"))
	switch {
	case errors.Is(err, request.ErrReferenceFormat), errors.Is(err, request.ErrReferenceCheck):
		writeBadReference(w, err)
		return
	case errors.Is(err, intake.ErrNotFound):
		writeNoSuchRequest(w)
		return
	case err != nil:
		a.internalError(w, r, err)
		return
	}
	a.writePublicRequest(w, r, req)
}

// writePublicRequest answers with the public view of one request.
func (a *API) writePublicRequest(w http.ResponseWriter, r *http.Request, req request.Request) {
	svc, err := a.serviceOf(r.Context(), req.ServiceCode)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	w.Header()["Cache-Control"] = noStore
	if !appendable(req, svc) {
		writeJSON(w, http.StatusOK, publicViewOf(req, svc))
		return
	}
	bp := buffers.Get().(*[]byte)
	b := appendPublicRequest(*bp, req, svc)
	writeAppended(w, http.StatusOK, bp, append(b, '\n'))
}

// writeBadReference answers a reference number that is malformed or has a typing mistake.
func writeBadReference(w http.ResponseWriter, err error) {
	msg := "A reference number looks like DS-XXXXX-XXXXX."
	if errors.Is(err, request.ErrReferenceCheck) {
		msg = "This reference number has a typing mistake; please check each character."
	}
	writeProblem(w, Problem{Status: http.StatusUnprocessableEntity, Code: CodeValidation,
		Detail: msg, Errors: map[string]string{"reference": msg}})
}

func writeNoSuchRequest(w http.ResponseWriter) {
	writeProblem(w, Problem{Status: http.StatusNotFound, Code: CodeNotFound, Detail: "There is no request with this reference number."})
}

type cancelJSON struct {
	OTP string `json:"otp"`
}

type cancelCodeSentJSON struct {
	SentTo    string    `json:"sent_to"`
	ExpiresAt time.Time `json:"expires_at"`
}

// cancelRequest is the customer cancelling their request in two calls: without a code it
// sends one to the request's mobile (whoever knows a reference must not cancel someone
// else's request); with the code it cancels.
func (a *API) cancelRequest(w http.ResponseWriter, r *http.Request) {
	reference := r.PathValue("reference")
	if _, err := request.ParseReference(reference); err != nil {
		writeBadReference(w, err)
		return
	}
	var body cancelJSON
	if !decodeJSON(w, r, &body) {
		return
	}
	if strings.TrimSpace(body.OTP) == "" {
		sentTo, expires, err := a.intake.SendCancelCode(r.Context(), reference)
		if err != nil {
			a.cancelFailed(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusAccepted, cancelCodeSentJSON{SentTo: sentTo, ExpiresAt: expires})
		return
	}
	req, err := a.intake.Cancel(r.Context(), reference, body.OTP, clientip.Of(r))
	if err != nil {
		a.cancelFailed(w, r, err)
		return
	}
	a.writePublicRequest(w, r, req)
}

func (a *API) cancelFailed(w http.ResponseWriter, r *http.Request, err error) {
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		writeInvalid(w, invalid.Fields)
	case errors.Is(err, intake.ErrNotFound):
		writeNoSuchRequest(w)
	case errors.Is(err, intake.ErrCannotCancel):
		writeProblem(w, Problem{Status: http.StatusConflict, Code: CodeCannotCancel,
			Detail: "This request is already completed, could not be served or was cancelled, so it can no longer be cancelled."})
	case errors.Is(err, intake.ErrChangedMeanwhile):
		writeStatusChanged(w)
	case errors.Is(err, otp.ErrRateLimited):
		writeRateLimited(w)
	default:
		a.internalError(w, r, err)
	}
}

type requestListJSON struct {
	MobileMasked string              `json:"mobile_masked"`
	Requests     []publicRequestJSON `json:"requests"`
}

func (a *API) listRequestsByMobile(w http.ResponseWriter, r *http.Request) {
	mobile := r.URL.Query().Get("mobile")
	reqs, err := a.intake.TrackMobile(r.Context(), mobile)
	var bad *intake.MobileError
	switch {
	case errors.As(err, &bad):
		writeProblem(w, Problem{Status: http.StatusUnprocessableEntity, Code: CodeValidation,
			Detail: "Give the mobile number as ?mobile=NNNNNNNNNN.", Errors: map[string]string{"mobile": bad.Message}})
		return
	case err != nil:
		a.internalError(w, r, err)
		return
	}
	normalized, _ := request.NormalizeMobile(mobile)
	w.Header()["Cache-Control"] = noStore
	bp := buffers.Get().(*[]byte)
	var tmp [32]byte
	b := append(*bp, `{"mobile_masked":"`...)
	b = appendEscaped(b, request.AppendMaskedMobile(tmp[:0], normalized))
	b = append(b, `","requests":[`...)
	for i, req := range reqs {
		svc, err := a.serviceOf(r.Context(), req.ServiceCode)
		if err != nil {
			buffers.Put(bp)
			a.internalError(w, r, err)
			return
		}
		if !appendable(req, svc) {
			b = nil // encoding/json answers, below
			break
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPublicRequest(b, req, svc)
	}
	if b != nil {
		writeAppended(w, http.StatusOK, bp, append(b, "]}\n"...))
		return
	}
	buffers.Put(bp)
	view, err := a.publicView(r.Context(), reqs)
	if err != nil {
		a.internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, requestListJSON{MobileMasked: request.MaskMobile(normalized), Requests: view})
}

// internalError answers an unexpected failure, whose cause goes to the request's log line;
// the client learns nothing of it.
func (a *API) internalError(w http.ResponseWriter, r *http.Request, err error) {
	requestlog.Fail(r.Context(), "api", err)
	writeProblem(w, Problem{Status: http.StatusInternalServerError, Code: CodeInternal,
		Detail: "Something went wrong on our side. Nothing was changed; please try again."})
}
