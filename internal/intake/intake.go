// Package intake is what customers do: raise a request, track it, and cancel it while it is
// open. The web portal and the JSON API both call it, so both apply exactly the same rules.
// It knows neither HTTP nor SQL, and answers with its own types and errors.
package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/notify"
	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// TrackLimit is how many of a mobile's requests tracking shows, newest first.
const TrackLimit = 50

// Errors for callers to map to their answers.
var (
	// ErrNotFound: no request has this reference number.
	ErrNotFound = errors.New("there is no request with this reference number")
	// ErrBadIdempotencyKey: the key is too long or not printable ASCII.
	ErrBadIdempotencyKey = errors.New("an Idempotency-Key is 1 to 255 printable ASCII characters")
	// ErrIdempotencyKeyReused: the key came before with a different request.
	ErrIdempotencyKeyReused = errors.New("this Idempotency-Key was already used for a different request")
	// ErrCannotCancel: the request is already completed, not serviceable or cancelled.
	ErrCannotCancel = errors.New("this request can no longer be cancelled")
	// ErrChangedMeanwhile: the Division changed the request while the customer cancelled it.
	ErrChangedMeanwhile = errors.New("the request changed while it was being cancelled")
	// ErrUnavailable: the database did not answer in time, and the request may not have
	// been saved; sending it again is safe (the same idempotency key, the duplicate rule).
	ErrUnavailable = errors.New("the service is busy: your request may not have been saved")
)

// MobileError: what was given as a mobile number is not one.
type MobileError struct{ Message string }

func (e *MobileError) Error() string { return e.Message }

// Store is what intake keeps and reads.
type Store interface {
	Submit(ctx context.Context, sub store.Submission) (store.SubmitResult, error)
	Replay(ctx context.Context, key, fingerprint string) (store.SubmitResult, error)
	RequestByReference(ctx context.Context, ref request.Reference) (request.Request, error)
	PublicRequestByReference(ctx context.Context, ref request.Reference) (request.Request, error)
	PublicRequestsByMobile(ctx context.Context, mobile string, limit int) ([]request.Request, error)
	CreateOTP(ctx context.Context, code store.NewOTP) error
	UseOTP(ctx context.Context, mobile, code string, now time.Time) error
	ChangeStatus(ctx context.Context, c store.StatusChange) (request.Request, error)
}

// Intake raises, tracks and cancels requests.
type Intake struct {
	store        Store
	directory    *postal.Directory
	catalogue    *catalogue.Catalogue
	now          func() time.Time
	newReference func() request.Reference
	requireOTP   bool
	newCode      func() string
}

// New returns an Intake over st, routing with dir and offering the services of cat, on the
// wall clock.
func New(st Store, dir *postal.Directory, cat *catalogue.Catalogue) *Intake {
	return &Intake{store: st, directory: dir, catalogue: cat, now: time.Now, newReference: request.NewReference,
		newCode: otp.NewCode}
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

// Directory is the postal directory the Intake routes with.
func (in *Intake) Directory() *postal.Directory { return in.directory }

// Catalogue is the service catalogue the Intake offers.
func (in *Intake) Catalogue() *catalogue.Catalogue { return in.catalogue }

func (in *Intake) clock() time.Time { return in.now().UTC().Truncate(time.Millisecond) }

// Result says what Submit did.
type Result struct {
	Request request.Request
	// Duplicate: an open request for the same thing existed and is returned instead.
	Duplicate bool
	// Replayed: the idempotency key was seen before; Duplicate is as it was the first time.
	Replayed bool
}

func resultOf(r store.SubmitResult) Result {
	return Result{Request: r.Request, Duplicate: r.Duplicate, Replayed: r.Replayed}
}

// Submit validates a customer's submission, routes it to the Division serving its pincode
// and saves it, with the SMS and e-mail that carry its reference number. Errors: a
// *request.ValidationError with a message per field, ErrBadIdempotencyKey,
// ErrIdempotencyKeyReused. idempotencyKey may be empty.
func (in *Intake) Submit(ctx context.Context, sub request.Submission, idempotencyKey string) (Result, error) {
	if !validIdempotencyKey(idempotencyKey) {
		return Result{}, ErrBadIdempotencyKey
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
		msg, err := in.catalogue.Offered(ctx, clean.Service)
		if err != nil {
			return Result{}, err
		}
		if msg != "" {
			errs[request.FieldService] = msg
		}
	}
	if len(errs) > 0 {
		return Result{}, &request.ValidationError{Fields: errs}
	}

	now := in.clock()
	if in.requireOTP {
		// A retry of a submission already made must not need a fresh code.
		if idempotencyKey != "" {
			res, err := in.store.Replay(ctx, idempotencyKey, fingerprint(clean))
			if !errors.Is(err, store.ErrNotFound) {
				return resultOf(res), storeError(err)
			}
		}
		if err := in.useCode(ctx, clean.Mobile, sub.OTP, now, "Please enter the 6-digit code we sent by SMS to your mobile."); err != nil {
			return Result{}, err
		}
	}
	r := request.Request{
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
	}
	res, err := in.store.Submit(ctx, store.Submission{
		Request:        r,
		NewReference:   in.newReference,
		IdempotencyKey: idempotencyKey,
		Fingerprint:    fingerprint(clean),
		DuplicateSince: now.Add(-request.DuplicateWindow),
		// The reference number goes out by SMS and e-mail, queued with the request itself.
		Notifications: notify.ForSubmission(r),
	})
	return resultOf(res), storeError(err)
}

// storeError turns the store's errors into intake's.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, store.ErrIdempotencyKeyReused):
		return ErrIdempotencyKeyReused
	case errors.Is(err, store.ErrChangedMeanwhile):
		return ErrChangedMeanwhile
	case errors.Is(err, store.ErrUnavailable):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
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

// Track finds one request by its reference number as a person typed it, with what public
// pages show of it (store.PublicColumns: no address, e-mail or details; the name and mobile
// only to show as initials and masked). Errors: request.ErrReferenceFormat,
// request.ErrReferenceCheck, ErrNotFound.
func (in *Intake) Track(ctx context.Context, reference string) (request.Request, error) {
	ref, err := request.ParseReference(reference)
	if err != nil {
		return request.Request{}, err
	}
	r, err := in.store.PublicRequestByReference(ctx, ref)
	return r, storeError(err)
}

// TrackMobile lists what public pages show of the requests made with a mobile number, as
// Track does, newest first (at most TrackLimit). Errors: *MobileError.
func (in *Intake) TrackMobile(ctx context.Context, mobile string) ([]request.Request, error) {
	m, msg := request.NormalizeMobile(mobile)
	if msg != "" {
		return nil, &MobileError{Message: msg}
	}
	return in.store.PublicRequestsByMobile(ctx, m, TrackLimit)
}
