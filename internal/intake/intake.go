// Package intake is what customers do: raise a request and track it. The web portal and the
// JSON API both call it, so both apply exactly the same rules.
package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// TrackLimit is how many of a mobile's requests tracking shows, newest first.
const TrackLimit = 50

// ErrBadIdempotencyKey: the key is empty-but-present, too long or not printable ASCII.
var ErrBadIdempotencyKey = errors.New("an Idempotency-Key is 1 to 255 printable ASCII characters")

// CatalogueTTL is how long the service catalogue is kept in memory. Reading it from the
// database on every submission and lookup was a third of a lookup's cost; a change made on
// another instance reaches this one within this time.
const CatalogueTTL = 30 * time.Second

// Intake raises and tracks requests.
type Intake struct {
	store        store.Store
	directory    *postal.Directory
	now          func() time.Time
	newReference func() request.Reference
	catalogue    *atomic.Pointer[catalogue]
	requireOTP   bool
	newCode      func() string
}

// catalogue is a snapshot of the service catalogue; never modified once stored.
type catalogue struct {
	services []request.Service
	loadedAt time.Time
}

// New returns an Intake over st and dir, on the wall clock.
func New(st store.Store, dir *postal.Directory) *Intake {
	return &Intake{store: st, directory: dir, now: time.Now, newReference: request.NewReference,
		catalogue: new(atomic.Pointer[catalogue]), newCode: otp.NewCode}
}

// WithClock returns a copy that reads the time from now; tests use it.
func (in *Intake) WithClock(now func() time.Time) *Intake {
	c := *in
	c.now = now
	return &c
}

// WithOTPRequired returns a copy that accepts a submission only with the one-time code sent
// to its mobile (DOORSTEP_OTP=required).
func (in *Intake) WithOTPRequired(required bool) *Intake {
	c := *in
	c.requireOTP = required
	return &c
}

// WithCodes returns a copy that draws one-time codes from next; tests use it to know the
// code an SMS would carry.
func (in *Intake) WithCodes(next func() string) *Intake {
	c := *in
	c.newCode = next
	return &c
}

// OTPRequired reports whether submissions need a one-time code.
func (in *Intake) OTPRequired() bool { return in.requireOTP }

// RequestOTP sends a one-time code by SMS to a mobile, in the given language. Errors:
// *MobileError, otp.ErrRateLimited.
func (in *Intake) RequestOTP(ctx context.Context, mobile, language string) (time.Time, error) {
	m, msg := request.NormalizeMobile(mobile)
	if msg != "" {
		return time.Time{}, &MobileError{Message: msg}
	}
	lang := request.English
	if language == string(request.Hindi) {
		lang = request.Hindi
	}
	code := in.newCode()
	now := in.now().UTC().Truncate(time.Millisecond)
	expires := now.Add(otp.TTL)
	err := in.store.CreateOTP(ctx, store.NewOTP{Mobile: m, Code: otp.Hash(code), CreatedAt: now, ExpiresAt: expires,
		Notification: &store.NewNotification{Channel: "sms", Kind: "otp", Recipient: m, Language: lang, Secret: code}})
	return expires, err
}

// checkOTP uses up the code given with a submission, or says what is wrong with it.
func (in *Intake) checkOTP(ctx context.Context, mobile, given string, now time.Time) (string, error) {
	if strings.TrimSpace(given) == "" {
		return "Please enter the 6-digit code we sent by SMS to your mobile.", nil
	}
	code, err := otp.NormalizeCode(given)
	if err != nil {
		return "The code has 6 digits, like 482913.", nil
	}
	switch err := in.store.UseOTP(ctx, mobile, code, now); {
	case err == nil:
		return "", nil
	case errors.Is(err, otp.ErrNoCode), errors.Is(err, otp.ErrWrongCode), errors.Is(err, otp.ErrLocked):
		msg := err.Error()
		return strings.ToUpper(msg[:1]) + msg[1:] + ".", nil
	default:
		return "", err
	}
}

// Directory is the postal directory the Intake routes with.
func (in *Intake) Directory() *postal.Directory { return in.directory }

// services returns the catalogue, from memory when it was read less than CatalogueTTL ago.
// The slice is shared: callers must not modify it.
func (in *Intake) services(ctx context.Context) ([]request.Service, error) {
	if c := in.catalogue.Load(); c != nil && time.Since(c.loadedAt) < CatalogueTTL {
		return c.services, nil
	}
	all, err := in.store.Services(ctx)
	if err != nil {
		return nil, err
	}
	in.catalogue.Store(&catalogue{services: all, loadedAt: time.Now()})
	return all, nil
}

// SetServiceActive switches a service on or off; this instance sees it at once.
func (in *Intake) SetServiceActive(ctx context.Context, code string, active bool) error {
	err := in.store.SetServiceActive(ctx, code, active)
	in.catalogue.Store(nil)
	return err
}

// ActiveServices lists the services a customer can request, in display order.
func (in *Intake) ActiveServices(ctx context.Context) ([]request.Service, error) {
	all, err := in.services(ctx)
	if err != nil {
		return nil, err
	}
	active := make([]request.Service, 0, len(all))
	for _, svc := range all {
		if svc.Active {
			active = append(active, svc)
		}
	}
	return active, nil
}

// Submit validates a customer's submission, routes it to the Division serving its pincode
// and saves it. Bad input gives a *request.ValidationError with a message per field.
// idempotencyKey may be empty.
func (in *Intake) Submit(ctx context.Context, sub request.Submission, idempotencyKey string) (store.SubmitResult, error) {
	if !validIdempotencyKey(idempotencyKey) {
		return store.SubmitResult{}, ErrBadIdempotencyKey
	}
	clean, errs := sub.Normalize()
	var area postal.Area
	if _, bad := errs[request.FieldPincode]; !bad {
		var err error
		if area, err = in.directory.Lookup(clean.Pincode); err != nil {
			errs[request.FieldPincode] = pincodeMessage(clean.Pincode, err)
		}
	}
	if _, bad := errs[request.FieldService]; !bad {
		services, err := in.services(ctx)
		if err != nil {
			return store.SubmitResult{}, err
		}
		if msg := serviceMessage(services, clean.Service); msg != "" {
			errs[request.FieldService] = msg
		}
	}
	if len(errs) > 0 {
		return store.SubmitResult{}, &request.ValidationError{Fields: errs}
	}

	now := in.now().UTC().Truncate(time.Millisecond)
	if in.requireOTP {
		// A retry of a submission already made must not need a fresh code.
		if idempotencyKey != "" {
			res, err := in.store.Replay(ctx, idempotencyKey, fingerprint(clean))
			if !errors.Is(err, store.ErrNotFound) {
				return res, err
			}
		}
		msg, err := in.checkOTP(ctx, clean.Mobile, sub.OTP, now)
		if err != nil {
			return store.SubmitResult{}, err
		}
		if msg != "" {
			return store.SubmitResult{}, &request.ValidationError{Fields: request.FieldErrors{request.FieldOTP: msg}}
		}
	}
	return in.store.Submit(ctx, store.Submission{
		Request: request.Request{
			ServiceCode: clean.Service,
			Name:        clean.Name,
			Address:     clean.Address,
			Pincode:     area.Pincode,
			Email:       clean.Email,
			Mobile:      clean.Mobile,
			Details:     clean.Details,
			Language:    request.Language(clean.Language),
			Division:    area.Division,
			Region:      area.Region,
			Circle:      area.Circle,
			District:    area.District,
			State:       area.State,
			CreatedAt:   now,
		},
		NewReference:   in.newReference,
		IdempotencyKey: idempotencyKey,
		Fingerprint:    fingerprint(clean),
		DuplicateSince: now.Add(-request.DuplicateWindow),
		// The reference number goes out by SMS and e-mail, queued with the request itself.
		Notifications: []store.NewNotification{
			{Channel: "sms", Kind: "submitted", Recipient: clean.Mobile, Language: request.Language(clean.Language)},
			{Channel: "email", Kind: "submitted", Recipient: clean.Email, Language: request.Language(clean.Language)},
		},
	})
}

// PincodeMessage explains why a pincode cannot be used, for a customer.
func pincodeMessage(pincode string, err error) string {
	var unknown *postal.UnknownPincodeError
	switch {
	case errors.As(err, &unknown):
		return unknown.Error() + ". Please check it."
	case errors.Is(err, postal.ErrPincodeFormat):
		return "A pincode has 6 digits and does not start with 0, like 110001."
	}
	return fmt.Sprintf("Pincode %s cannot be used.", pincode)
}

func serviceMessage(services []request.Service, code string) string {
	for _, svc := range services {
		if svc.Code == code {
			if !svc.Active {
				return fmt.Sprintf("%q is not available at the moment. Please choose another service.", svc.Name)
			}
			return ""
		}
	}
	return fmt.Sprintf("There is no service %q. Please choose one from the list.", code)
}

// fingerprint identifies what was submitted, after normalising, so that a reused idempotency
// key with different content is refused rather than silently answered with another request.
func fingerprint(s request.Submission) string {
	h := sha256.New()
	for _, field := range []string{s.Name, s.Address, s.Pincode, s.Email, s.Mobile, s.Service, s.Details, s.Language} {
		h.Write([]byte(field))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func validIdempotencyKey(key string) bool {
	if len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// Track finds one request by its reference number as a person typed it. Errors:
// request.ErrReferenceFormat, request.ErrReferenceCheck, store.ErrNotFound.
func (in *Intake) Track(ctx context.Context, reference string) (request.Request, error) {
	ref, err := request.ParseReference(reference)
	if err != nil {
		return request.Request{}, err
	}
	return in.store.RequestByReference(ctx, ref)
}

// MobileError: what was given for tracking is not a mobile number.
type MobileError struct{ Message string }

func (e *MobileError) Error() string { return e.Message }

// TrackMobile lists the requests made with a mobile number, newest first (at most TrackLimit).
func (in *Intake) TrackMobile(ctx context.Context, mobile string) ([]request.Request, error) {
	m, msg := request.NormalizeMobile(mobile)
	if msg != "" {
		return nil, &MobileError{Message: msg}
	}
	return in.store.RequestsByMobile(ctx, m, TrackLimit)
}

// AllServices lists the whole catalogue, inactive services too: a request keeps the service
// it was made for even after that service is switched off.
func (in *Intake) AllServices(ctx context.Context) ([]request.Service, error) {
	return in.services(ctx)
}
