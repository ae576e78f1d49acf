package intake

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/notify"
	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// One-time codes prove that a customer holds the mobile they give: before a request is
// saved (when DOORSTEP_OTP=required) and before an open request is cancelled.

// RequestOTP sends a one-time code by SMS to a mobile, in the given language, and says when
// it expires. Errors: *MobileError, otp.ErrRateLimited.
func (in *Intake) RequestOTP(ctx context.Context, mobile, language string) (time.Time, error) {
	m, msg := request.NormalizeMobile(mobile)
	if msg != "" {
		return time.Time{}, &MobileError{Message: msg}
	}
	lang := request.English
	if language == string(request.Hindi) {
		lang = request.Hindi
	}
	return in.sendCode(ctx, m, lang)
}

// sendCode saves a new code for a normalised mobile with the SMS that carries it.
func (in *Intake) sendCode(ctx context.Context, mobile string, lang request.Language) (time.Time, error) {
	code := in.newCode()
	now := in.clock()
	expires := now.Add(otp.TTL)
	n := notify.ForCode(mobile, lang, code)
	err := in.store.CreateOTP(ctx, store.NewOTP{Mobile: mobile, Code: otp.Hash(code), CreatedAt: now, ExpiresAt: expires, Notification: &n})
	return expires, err
}

// useCode uses up the code given for a mobile, or returns a *request.ValidationError on the
// otp field saying what is wrong with it; missing is the message for no code at all.
func (in *Intake) useCode(ctx context.Context, mobile, given string, now time.Time, missing string) error {
	invalid := func(msg string) error {
		return &request.ValidationError{Fields: request.FieldErrors{request.FieldOTP: msg}}
	}
	if strings.TrimSpace(given) == "" {
		return invalid(missing)
	}
	code, err := otp.NormalizeCode(given)
	if err != nil {
		return invalid("The code has 6 digits, like 482913.")
	}
	switch err := in.store.UseOTP(ctx, mobile, code, now); {
	case err == nil:
		return nil
	case errors.Is(err, otp.ErrNoCode), errors.Is(err, otp.ErrWrongCode), errors.Is(err, otp.ErrLocked):
		msg := err.Error()
		return invalid(strings.ToUpper(msg[:1]) + msg[1:] + ".")
	default:
		return err
	}
}
