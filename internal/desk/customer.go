package desk

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// CustomerActor is the customer cancelling their own request.
const CustomerActor = "customer"

// ErrCannotCancel: the request is already completed, not serviceable or cancelled.
var ErrCannotCancel = errors.New("this request can no longer be cancelled")

// SendCancelCode sends a one-time code to the mobile of a request, which the customer gives
// back to cancel it. It returns the masked mobile (to tell the customer where the code went)
// and when the code expires. Errors: ErrNotFound, ErrCannotCancel, otp.ErrRateLimited.
func (d *Desk) SendCancelCode(ctx context.Context, reference string) (string, time.Time, error) {
	r, err := d.cancellable(ctx, reference)
	if err != nil {
		return "", time.Time{}, err
	}
	code := d.newCode()
	now := d.clock()
	expires := now.Add(otp.TTL)
	err = d.store.CreateOTP(ctx, store.NewOTP{Mobile: r.Mobile, Code: otp.Hash(code), CreatedAt: now, ExpiresAt: expires,
		Notification: &store.NewNotification{Channel: "sms", Kind: "otp", Recipient: r.Mobile, Language: r.Language, Secret: code}})
	return request.MaskMobile(r.Mobile), expires, err
}

func (d *Desk) cancellable(ctx context.Context, reference string) (request.Request, error) {
	ref, err := request.ParseReference(reference)
	if err != nil {
		return request.Request{}, ErrNotFound
	}
	r, err := d.store.RequestByReference(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return request.Request{}, ErrNotFound
	}
	if err != nil {
		return request.Request{}, err
	}
	if r.Status.IsFinal() {
		return request.Request{}, ErrCannotCancel
	}
	return r, nil
}

// CancelByCustomer cancels a request once the customer gives the code sent to its mobile.
// Errors: ErrNotFound, ErrCannotCancel, a *request.ValidationError on the otp field (missing,
// wrong, expired or too many tries), ErrStatusChanged.
func (d *Desk) CancelByCustomer(ctx context.Context, reference, code, ip string) (request.Request, error) {
	r, err := d.cancellable(ctx, reference)
	if err != nil {
		return request.Request{}, err
	}
	codeErr := func(msg string) error {
		return &request.ValidationError{Fields: request.FieldErrors{request.FieldOTP: msg}}
	}
	if strings.TrimSpace(code) == "" {
		return request.Request{}, codeErr("Enter the 6-digit code we sent by SMS to the request's mobile.")
	}
	normalized, err := otp.NormalizeCode(code)
	if err != nil {
		return request.Request{}, codeErr("The code has 6 digits, like 482913.")
	}
	switch err := d.store.UseOTP(ctx, r.Mobile, normalized, d.clock()); {
	case errors.Is(err, otp.ErrNoCode), errors.Is(err, otp.ErrWrongCode), errors.Is(err, otp.ErrLocked):
		msg := err.Error()
		return request.Request{}, codeErr(strings.ToUpper(msg[:1]) + msg[1:] + ".")
	case err != nil:
		return request.Request{}, err
	}
	actor := Actor{IP: ip}
	actor.Account.Username = CustomerActor
	return d.change(ctx, actor, r, request.Change{To: request.StatusCancelled, Remarks: "Cancelled by the customer"}, CustomerActor)
}
