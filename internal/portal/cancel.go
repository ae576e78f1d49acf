package portal

import (
	"errors"
	"net/http"

	"github.com/doorstep-post/doorstep/internal/clientip"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
)

// cancelRequest cancels a request from its page in two posts, like the request form's code:
// the first sends a code to the request's mobile (whoever knows a reference must not be able
// to cancel someone else's request), the second, with the code, cancels it.
func (p *Portal) cancelRequest(w http.ResponseWriter, r *http.Request) {
	lang := p.language(r)
	req, ok := p.findRequest(w, r, lang)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.renderRequest(w, r, lang, http.StatusBadRequest, req, &requestPage{Notice: translate(lang, msgFormUnreadable)})
		return
	}
	if req.Status == request.StatusCancelled {
		// Sent twice (a double tap), or cancelled meanwhile: it is what was wanted.
		p.redirectCancelled(w, r, req.Reference)
		return
	}
	form := &cancelForm{Action: cancelURL(req.Reference), CodeSentTo: request.MaskMobile(req.Mobile), Outbox: p.outbox}
	page := &requestPage{Cancel: form}
	code := r.PostForm.Get(request.FieldOTP)
	if code == "" && r.PostForm.Get(codeSentName) != "1" || r.PostForm.Get("action") == "resend" {
		_, _, err := p.intake.SendCancelCode(r.Context(), string(req.Reference))
		switch {
		case errors.Is(err, otp.ErrRateLimited):
			form.General = translate(lang, msgTooManyCodes)
			p.renderRequest(w, r, lang, http.StatusTooManyRequests, req, page)
		case err != nil:
			p.cancelFailed(w, r, lang, req, err)
		default:
			p.renderRequest(w, r, lang, http.StatusOK, req, page)
		}
		return
	}
	cancelled, err := p.intake.Cancel(r.Context(), string(req.Reference), code, clientip.Of(r))
	var invalid *request.ValidationError
	switch {
	case errors.As(err, &invalid):
		form.Error = translate(lang, invalid.Fields[request.FieldOTP])
		p.renderRequest(w, r, lang, http.StatusUnprocessableEntity, req, page)
	case err != nil:
		p.cancelFailed(w, r, lang, req, err)
	default:
		p.redirectCancelled(w, r, cancelled.Reference)
	}
}

// cancelFailed answers a cancellation intake refused for the request as it is now.
func (p *Portal) cancelFailed(w http.ResponseWriter, r *http.Request, lang request.Language, req request.Request, err error) {
	switch {
	case errors.Is(err, intake.ErrCannotCancel), errors.Is(err, intake.ErrChangedMeanwhile):
		now, ok := p.findRequest(w, r, lang) // the page shows the status it has now
		if !ok {
			return
		}
		notice := translate(lang, msgCannotCancel, translate(lang, now.Status.Label()))
		if !now.Status.IsFinal() {
			notice = translate(lang, msgCancelRaced)
		}
		p.renderRequest(w, r, lang, http.StatusConflict, now, &requestPage{Notice: notice})
	case errors.Is(err, intake.ErrNotFound): // found a moment ago: only a deleted request gets here
		p.renderMessage(w, r, http.StatusNotFound, lang, titleNoRequest, msgNoSuchRequest, req.Reference.String())
	default:
		p.serverError(w, r, lang, "cancel request", err)
	}
}

// redirectCancelled shows the cancelled request's page (POST, redirect, GET: reloading it
// sends nothing again).
func (p *Portal) redirectCancelled(w http.ResponseWriter, r *http.Request, ref request.Reference) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, requestURL(ref)+"?cancelled=1", http.StatusSeeOther)
}

// redirectToRequest sends a GET of the cancellation's address (a reload of the page the code
// was asked on) to the request's page.
func (p *Portal) redirectToRequest(w http.ResponseWriter, r *http.Request) {
	ref, err := request.ParseReference(r.PathValue("reference"))
	if err != nil {
		p.notFound(w, r)
		return
	}
	http.Redirect(w, r, requestURL(ref), http.StatusSeeOther)
}
