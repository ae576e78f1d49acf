package portal

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/requestlog"
)

// A form token is drawn each time the form is shown and sent back with it. It is the
// submission's idempotency key, so a form sent twice (a double tap, a retry on a slow
// network) makes one request.
const (
	formTokenBytes  = 16
	formTokenMaxLen = 64
	idempotencyPfx  = "form:"
	maxTrackQuery   = 100 // longer than any reference or mobile number as typed
)

func newFormToken() string {
	b := make([]byte, formTokenBytes)
	_, _ = rand.Read(b) // never fails: crypto/rand crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// validFormToken: 1 to 64 URL-safe characters.
func validFormToken(tok string) bool {
	if tok == "" || len(tok) > formTokenMaxLen {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// requestForm shows an empty request form.
func (p *Portal) requestForm(w http.ResponseWriter, r *http.Request) {
	lang := p.language(r)
	p.renderForm(w, r, lang, http.StatusOK, formValues{Language: string(lang), Token: newFormToken()}, nil, "")
}

// renderForm shows the form with values, field messages and a message about the whole form.
func (p *Portal) renderForm(w http.ResponseWriter, r *http.Request, lang request.Language, status int,
	values formValues, errs request.FieldErrors, general string) {
	services, err := p.intake.Catalogue().Active(r.Context())
	if err != nil {
		text := msgServerError
		if status == http.StatusInternalServerError && general != "" {
			text = general // why the form came back, for example that nothing was saved
		}
		requestlog.Fail(r.Context(), "list services", err)
		p.renderMessage(w, r, http.StatusInternalServerError, lang, titleServerError, text)
		return
	}
	title := titleForm
	if len(errs) > 0 || general != "" {
		title = titleFormError
	}
	if general != "" {
		general = translate(lang, general)
	}
	page := newFormPage(p.base(lang, title, navRequest), services, values, errs, general)
	if values.CodeSent {
		if mobile, msg := request.NormalizeMobile(values.Mobile); msg == "" {
			page.CodeSentTo, page.Outbox = request.MaskMobile(mobile), p.outbox
		}
	}
	p.render(w, r, status, "form", page)
}

// redirectToForm sends a GET of the form's action URL (a bookmark of the page a form with
// mistakes came back on) to the form.
func (p *Portal) redirectToForm(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// submitRequest saves a request from the form, then redirects to its page (POST, redirect,
// GET), so that reloading the page cannot send the form again.
func (p *Portal) submitRequest(w http.ResponseWriter, r *http.Request) {
	lang := p.language(r)
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		status, msg := http.StatusBadRequest, msgFormUnreadable
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			status, msg = http.StatusRequestEntityTooLarge, msgFormTooLarge
		}
		p.renderForm(w, r, lang, status, formValues{Language: string(lang), Token: newFormToken()}, nil, msg)
		return
	}
	values := formValuesFrom(r.PostForm)
	if !validFormToken(values.Token) {
		values.Token = newFormToken()
		p.renderForm(w, r, lang, http.StatusBadRequest, values, nil, msgFormExpired)
		return
	}

	res, err := p.intake.Submit(r.Context(), values.submission(), idempotencyPfx+values.Token)
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid) && onlyCodeMissing(invalid.Fields) &&
		(!values.CodeSent && values.OTP == "" || r.PostForm.Get("action") == "resend"):
		p.sendCode(w, r, lang, values)
	case errors.As(err, &invalid):
		p.renderForm(w, r, lang, http.StatusUnprocessableEntity, values, invalid.Fields, "")
	case errors.Is(err, intake.ErrIdempotencyKeyReused):
		values.Token = newFormToken()
		p.renderForm(w, r, lang, http.StatusConflict, values, nil, msgFormChanged)
	case errors.Is(err, intake.ErrBadIdempotencyKey): // cannot happen: the token was checked
		values.Token = newFormToken()
		p.renderForm(w, r, lang, http.StatusBadRequest, values, nil, msgFormExpired)
	case err != nil:
		// The form comes back as typed with the same token: sending it again is safe even if
		// the request was saved after all.
		requestlog.Fail(r.Context(), "save request", err)
		status := http.StatusInternalServerError
		if errors.Is(err, intake.ErrUnavailable) {
			status = http.StatusServiceUnavailable // busy, not broken
		}
		p.renderForm(w, r, lang, status, values, nil, msgNotSaved)
	default:
		target := requestURL(res.Request.Reference)
		if res.Duplicate {
			target += "?duplicate=1"
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, target, http.StatusSeeOther)
	}
}

// onlyCodeMissing: every field is right but for the one-time code.
func onlyCodeMissing(errs request.FieldErrors) bool {
	_, otp := errs[request.FieldOTP]
	return otp && len(errs) == 1
}

// sendCode is the form's second step: every field is right, so a one-time code goes to the
// mobile and the form comes back asking for it, with everything typed kept.
func (p *Portal) sendCode(w http.ResponseWriter, r *http.Request, lang request.Language, values formValues) {
	_, err := p.intake.RequestOTP(r.Context(), values.Mobile, values.Language)
	values.OTP = ""
	switch {
	case errors.Is(err, otp.ErrRateLimited):
		values.CodeSent = true
		p.renderForm(w, r, lang, http.StatusTooManyRequests, values, nil, msgTooManyCodes)
	case err != nil:
		requestlog.Fail(r.Context(), "send code", err)
		p.renderForm(w, r, lang, http.StatusInternalServerError, values, nil, msgNotSaved)
	default:
		values.CodeSent = true
		p.renderForm(w, r, lang, http.StatusOK, values, nil, "")
	}
}

// showRequest is the confirmation and status page of one request.
func (p *Portal) showRequest(w http.ResponseWriter, r *http.Request) {
	lang := p.language(r)
	req, ok := p.findRequest(w, r, lang)
	if !ok {
		return
	}
	q := r.URL.Query()
	p.renderRequest(w, r, lang, http.StatusOK, req, &requestPage{
		Duplicate: q.Get("duplicate") == "1",
		Cancelled: q.Get("cancelled") == "1" && req.Status == request.StatusCancelled,
	})
}

// findRequest finds the request the URL names, or answers with a page saying there is none.
func (p *Portal) findRequest(w http.ResponseWriter, r *http.Request, lang request.Language) (request.Request, bool) {
	req, err := p.intake.Track(r.Context(), r.PathValue("reference"))
	switch {
	case errors.Is(err, request.ErrReferenceFormat), errors.Is(err, request.ErrReferenceCheck):
		// The address is not echoed back: a crafted link could make the page say anything.
		p.renderMessage(w, r, http.StatusNotFound, lang, titleNoRequest, msgBadReferenceURL)
		return req, false
	case errors.Is(err, intake.ErrNotFound):
		ref, _ := request.ParseReference(r.PathValue("reference"))
		p.renderMessage(w, r, http.StatusNotFound, lang, titleNoRequest, msgNoSuchRequest, ref.String())
		return req, false
	case err != nil:
		p.serverError(w, r, lang, "find request", err)
		return req, false
	}
	return req, true
}

// renderRequest shows the page of req, with what else page says. An open request gets the
// first step of its cancellation unless page brings another.
func (p *Portal) renderRequest(w http.ResponseWriter, r *http.Request, lang request.Language, status int, req request.Request, page *requestPage) {
	views, err := p.publicViews(r, lang, []request.Request{req})
	if err != nil {
		p.serverError(w, r, lang, "list services", err)
		return
	}
	title := titleRequest
	if status >= http.StatusBadRequest {
		title = titleRequestError
	}
	page.base = p.base(lang, title, "", views[0].Reference)
	page.Request = views[0]
	if !page.Request.Open {
		page.Cancel = nil
	} else if page.Cancel == nil {
		page.Cancel = &cancelForm{Action: cancelURL(req.Reference)}
	}
	p.render(w, r, status, "request", page)
}

// track finds requests by reference number or by mobile number, whichever was typed.
func (p *Portal) track(w http.ResponseWriter, r *http.Request) {
	lang := p.language(r)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	page := &trackPage{base: p.base(lang, titleTrack, navTrack), Query: q}
	fail := func(status int, msg string, args ...any) {
		page.Title = translate(lang, titleTrackError)
		page.Error = translate(lang, msg, args...)
		p.render(w, r, status, "track", page)
	}
	notFound := func(msg string, args ...any) {
		page.Notice = translate(lang, msg, args...)
		p.render(w, r, http.StatusNotFound, "track", page)
	}

	var found []request.Request
	switch mobile, mobileMsg := request.NormalizeMobile(q); {
	case q == "":
		p.render(w, r, http.StatusOK, "track", page)
		return
	case len(q) > maxTrackQuery:
		fail(http.StatusUnprocessableEntity, msgTrackTooLong)
		return
	case mobileMsg == "":
		reqs, err := p.intake.TrackMobile(r.Context(), mobile)
		if err != nil {
			p.serverError(w, r, lang, "track by mobile", err)
			return
		}
		page.Mobile = request.MaskMobile(mobile)
		if len(reqs) == 0 {
			notFound(msgTrackNoMobile, mobile[len(mobile)-4:])
			return
		}
		found = reqs
	case !strings.ContainsFunc(q, unicode.IsLetter):
		// No letter: meant as a mobile number (a reference always has letters), so say what
		// is wrong with it as a mobile number.
		fail(http.StatusUnprocessableEntity, mobileMsg)
		return
	default:
		req, err := p.intake.Track(r.Context(), q)
		switch {
		case errors.Is(err, request.ErrReferenceCheck):
			fail(http.StatusUnprocessableEntity, msgTrackReferenceCheck)
			return
		case errors.Is(err, request.ErrReferenceFormat):
			fail(http.StatusUnprocessableEntity, msgTrackReferenceFormat)
			return
		case errors.Is(err, intake.ErrNotFound):
			ref, _ := request.ParseReference(q)
			notFound(msgTrackNoRequest, ref.String())
			return
		case err != nil:
			p.serverError(w, r, lang, "track by reference", err)
			return
		}
		found = []request.Request{req}
	}
	views, err := p.publicViews(r, lang, found)
	if err != nil {
		p.serverError(w, r, lang, "list services", err)
		return
	}
	page.Results = views
	p.render(w, r, http.StatusOK, "track", page)
}

// publicViews turns requests into what public pages may show of them.
func (p *Portal) publicViews(r *http.Request, lang request.Language, reqs []request.Request) ([]requestView, error) {
	views := make([]requestView, len(reqs))
	for i, req := range reqs {
		// A request keeps its service even if the service was switched off since.
		svc, _, err := p.intake.Catalogue().Service(r.Context(), req.ServiceCode)
		if err != nil {
			return nil, err
		}
		views[i] = newRequestView(lang, req, svc)
	}
	return views, nil
}
