package intake

import (
	"context"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/notify"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// A customer cancels an open request in two steps: a code goes by SMS to the request's
// mobile, and the request is cancelled once the code is given back. Whoever knows a
// reference number must not be able to cancel someone else's request.

// SendCancelCode sends the code that cancels a request to the request's mobile. It returns
// the masked mobile (to tell the customer where the code went) and when the code expires.
// Errors: ErrNotFound, ErrCannotCancel, otp.ErrRateLimited.
func (in *Intake) SendCancelCode(ctx context.Context, reference string) (string, time.Time, error) {
	r, err := in.cancellable(ctx, reference)
	if err != nil {
		return "", time.Time{}, err
	}
	expires, err := in.sendCode(ctx, r.Mobile, r.Language)
	return request.MaskMobile(r.Mobile), expires, err
}

func (in *Intake) cancellable(ctx context.Context, reference string) (request.Request, error) {
	ref, err := request.ParseReference(reference)
	if err != nil {
		return request.Request{}, ErrNotFound
	}
	r, err := in.store.RequestByReference(ctx, ref)
	if err != nil {
		return request.Request{}, storeError(err)
	}
	if r.Status.IsFinal() {
		return request.Request{}, ErrCannotCancel
	}
	return r, nil
}

// Cancel cancels a request once the customer gives the code sent to its mobile; ip is where
// they are, for the audit log. Errors: ErrNotFound, ErrCannotCancel, a
// *request.ValidationError on the otp field (missing, wrong, expired or too many tries),
// ErrChangedMeanwhile (the Division changed it while the code was checked).
func (in *Intake) Cancel(ctx context.Context, reference, code, ip string) (request.Request, error) {
	r, err := in.cancellable(ctx, reference)
	if err != nil {
		return request.Request{}, err
	}
	now := in.clock()
	if err := in.useCode(ctx, r.Mobile, code, now, "Enter the 6-digit code we sent by SMS to the request's mobile."); err != nil {
		return request.Request{}, err
	}
	ch, err := r.CheckChange(request.Change{To: request.StatusCancelled, Remarks: "Cancelled by the customer"})
	if err != nil {
		return request.Request{}, err
	}
	changed, err := in.store.ChangeStatus(ctx, store.StatusChange{RequestID: r.ID, From: r.Status, Change: ch,
		Actor: audit.Customer, At: now, Notifications: notify.ForStatus(r, ch.To),
		Audit: audit.Entry{Actor: audit.Customer, IP: ip, Action: "status_change", Details: ch.Describe(r.Status)}})
	return changed, storeError(err)
}
