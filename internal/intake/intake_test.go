package intake_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/intake"
	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
	"github.com/doorstep-post/doorstep/internal/testenv/fixture"
)

var start = time.Date(2026, 11, 27, 4, 30, 0, 0, time.UTC)

func submission(mobile, service string) request.Submission {
	return request.Submission{Name: "Kamla Devi", Address: "14 Sadar Bazaar, near the clock tower", Pincode: "282001",
		Email: "kamla@example.com", Mobile: mobile, Service: service, Language: "hi"}
}

// TestServiceSwitchedOffByAnAdminIsRefusedAtOnce: the admin pages switch a service through
// the desk; the same instance's intake must stop offering and accepting it at once, not
// after its catalogue cache expires.
func TestServiceSwitchedOffByAnAdminIsRefusedAtOnce(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := fixture.NewAt(t, st, start)
		ctx := context.Background()
		admin := w.Actors["admin"]
		// Read the catalogue first, as serving any page does: it is now cached.
		if _, err := w.Intake.Submit(ctx, submission("9811111111", "aeps_cash"), ""); err != nil {
			t.Fatal(err)
		}
		if err := w.Desk.SetServiceActive(ctx, admin, "aeps_cash", false); err != nil {
			t.Fatal(err)
		}
		_, err := w.Intake.Submit(ctx, submission("9822222222", "aeps_cash"), "")
		var invalid *request.ValidationError
		if !errors.As(err, &invalid) || invalid.Fields[request.FieldService] == "" {
			t.Errorf("a switched-off service was accepted: %v", err)
		}
		active, err := w.Catalogue.Active(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, svc := range active {
			if svc.Code == "aeps_cash" {
				t.Error("a switched-off service is still offered")
			}
		}
		if err := w.Desk.SetServiceActive(ctx, admin, "aeps_cash", true); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Intake.Submit(ctx, submission("9822222222", "aeps_cash"), ""); err != nil {
			t.Errorf("a service switched on again is refused: %v", err)
		}
		if err := w.Desk.SetServiceActive(ctx, admin, "no_such_service", false); !errors.Is(err, desk.ErrUnknownService) {
			t.Errorf("switching an unknown service: %v", err)
		}
		if err := w.Desk.SetServiceActive(ctx, w.Actors["up.circle"], "aeps_cash", false); !errors.Is(err, desk.ErrForbidden) {
			t.Errorf("a Circle switching a service: %v", err)
		}
	})
}

// TestOtherInstancesSeeASwitchWithinTheTTL: another instance, with a cache of its own, keeps
// offering a service switched off elsewhere until its cache is older than catalogue.TTL.
func TestOtherInstancesSeeASwitchWithinTheTTL(t *testing.T) {
	st := testenv.SQLite(t)
	ctx := context.Background()
	now := start
	here := catalogue.New(st).WithClock(func() time.Time { return now })
	there := here.WithClock(func() time.Time { return now })
	offered := func(c *catalogue.Catalogue) bool {
		t.Helper()
		msg, err := c.Offered(ctx, "pli_premium")
		if err != nil {
			t.Fatal(err)
		}
		return msg == ""
	}
	if !offered(there) {
		t.Fatal("pli_premium is not offered to begin with")
	}
	if err := here.SetActive(ctx, "pli_premium", false); err != nil {
		t.Fatal(err)
	}
	if offered(here) {
		t.Error("the instance that switched the service off still offers it")
	}
	now = start.Add(catalogue.TTL - time.Second)
	if !offered(there) {
		t.Error("another instance read the database again before its cache was TTL old")
	}
	now = start.Add(catalogue.TTL)
	if offered(there) {
		t.Errorf("another instance still offers the service %v after it was switched off", catalogue.TTL)
	}
}

func TestSubmitAndTrack(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := fixture.NewAt(t, st, start)
		ctx := context.Background()
		res, err := w.Intake.Submit(ctx, submission("+91 98111 11111", "emoney_order"), "key-1")
		if err != nil {
			t.Fatal(err)
		}
		r := res.Request
		if res.Duplicate || res.Replayed || r.Division != "Agra Division" || r.Region != "Agra Region" || r.Mobile != "9811111111" ||
			r.Status != request.StatusSubmitted || !r.CreatedAt.Equal(start) || r.Version() != 1 {
			t.Errorf("submitted %+v (duplicate %v, replayed %v)", r, res.Duplicate, res.Replayed)
		}
		again, err := w.Intake.Submit(ctx, submission("9811111111", "emoney_order"), "key-1")
		if err != nil || !again.Replayed || again.Request.Reference != r.Reference {
			t.Errorf("the same key again: %+v, %v", again, err)
		}
		if _, err := w.Intake.Submit(ctx, submission("9822222222", "emoney_order"), "key-1"); !errors.Is(err, intake.ErrIdempotencyKeyReused) {
			t.Errorf("a key reused for another request: %v", err)
		}
		if _, err := w.Intake.Submit(ctx, submission("9822222222", "emoney_order"), "a key with spaces"); !errors.Is(err, intake.ErrBadIdempotencyKey) {
			t.Errorf("a malformed key: %v", err)
		}
		dup, err := w.Intake.Submit(ctx, submission("9811111111", "emoney_order"), "")
		if err != nil || !dup.Duplicate || dup.Request.Reference != r.Reference {
			t.Errorf("the same open request again: %+v, %v", dup, err)
		}
		bad := submission("12345", "no_such_service")
		bad.Pincode = "999999"
		_, err = w.Intake.Submit(ctx, bad, "")
		var invalid *request.ValidationError
		if !errors.As(err, &invalid) {
			t.Fatalf("bad submission: %v", err)
		}
		for _, f := range []string{request.FieldMobile, request.FieldService, request.FieldPincode} {
			if invalid.Fields[f] == "" {
				t.Errorf("no message for %s: %v", f, invalid.Fields)
			}
		}

		found, err := w.Intake.Track(ctx, " "+r.Reference.String()+" ")
		if err != nil || found.ID != r.ID {
			t.Errorf("Track: %+v, %v", found, err)
		}
		for ref, want := range map[string]error{
			request.NewReference().String(): intake.ErrNotFound,
			"hello":                         request.ErrReferenceFormat,
		} {
			if _, err := w.Intake.Track(ctx, ref); !errors.Is(err, want) {
				t.Errorf("Track(%q) = %v, want %v", ref, err, want)
			}
		}
		mine, err := w.Intake.TrackMobile(ctx, "098111 11111")
		if err != nil || len(mine) != 1 || mine[0].ID != r.ID {
			t.Errorf("TrackMobile: %d requests, %v", len(mine), err)
		}
		var notMobile *intake.MobileError
		if _, err := w.Intake.TrackMobile(ctx, "12"); !errors.As(err, &notMobile) {
			t.Errorf("TrackMobile of no mobile: %v", err)
		}
	})
}

// TestOneTimeCodeBeforeSaving: with codes required, a submission is saved only with the
// code sent to its mobile, and a retry of a saved one needs no new code.
func TestOneTimeCodeBeforeSaving(t *testing.T) {
	w := fixture.NewAt(t, testenv.SQLite(t), start)
	ctx := context.Background()
	in := w.Intake.WithOTPRequired(true)
	sub := submission("9811111111", "emoney_order")
	var invalid *request.ValidationError
	if _, err := in.Submit(ctx, sub, "key-1"); !errors.As(err, &invalid) || len(invalid.Fields) != 1 || invalid.Fields[request.FieldOTP] == "" {
		t.Fatalf("without a code: %v", err)
	}
	expires, err := in.RequestOTP(ctx, sub.Mobile, "hi")
	if err != nil || !expires.Equal(start.Add(otp.TTL)) {
		t.Fatalf("RequestOTP: %v %v", expires, err)
	}
	sub.OTP = "111111"
	if _, err := in.Submit(ctx, sub, "key-1"); !errors.As(err, &invalid) || invalid.Fields[request.FieldOTP] == "" {
		t.Fatalf("a wrong code: %v", err)
	}
	sub.OTP = fixture.Code
	res, err := in.Submit(ctx, sub, "key-1")
	if err != nil || res.Replayed {
		t.Fatalf("the right code: %+v, %v", res, err)
	}
	sub.OTP = ""
	if again, err := in.Submit(ctx, sub, "key-1"); err != nil || !again.Replayed {
		t.Errorf("a retry of a saved submission: %+v, %v", again, err)
	}
	var notMobile *intake.MobileError
	if _, err := in.RequestOTP(ctx, "555", "en"); !errors.As(err, &notMobile) {
		t.Errorf("a code for no mobile: %v", err)
	}
	for range otp.MaxPerHour - 1 {
		if _, err := in.RequestOTP(ctx, "9811111111", "en"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := in.RequestOTP(ctx, "9811111111", "en"); !errors.Is(err, otp.ErrRateLimited) {
		t.Errorf("a code over the hour's limit: %v", err)
	}
}

func TestCustomerCancels(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := fixture.NewAt(t, st, start)
		ctx := context.Background()
		r := w.Submit(t, "282001", "9811111111")
		ref := string(r.Reference)
		sentTo, expires, err := w.Intake.SendCancelCode(ctx, ref)
		if err != nil || sentTo != "******1111" || !expires.Equal(start.Add(10*time.Minute)) {
			t.Fatalf("SendCancelCode = %q %v %v", sentTo, expires, err)
		}
		var verr *request.ValidationError
		if _, err := w.Intake.Cancel(ctx, ref, "111111", "10.9.9.9"); !errors.As(err, &verr) || verr.Fields["otp"] == "" {
			t.Fatalf("wrong code: %v", err)
		}
		if _, err := w.Intake.Cancel(ctx, ref, "", "10.9.9.9"); !errors.As(err, &verr) || verr.Fields["otp"] == "" {
			t.Fatalf("no code: %v", err)
		}
		cancelled, err := w.Intake.Cancel(ctx, ref, "246 810", "10.9.9.9")
		if err != nil || cancelled.Status != request.StatusCancelled || cancelled.History[1].Actor != audit.Customer {
			t.Fatalf("cancel: %+v, %v", cancelled, err)
		}
		if _, _, err := w.Intake.SendCancelCode(ctx, ref); !errors.Is(err, intake.ErrCannotCancel) {
			t.Errorf("code for a cancelled request: %v", err)
		}
		if _, err := w.Intake.Cancel(ctx, "DS-AAAAA-AAAAA", "246810", ""); !errors.Is(err, intake.ErrNotFound) {
			t.Errorf("unknown reference: %v", err)
		}
		notes, _ := st.NotificationsForRequest(ctx, r.ID)
		if last := notes[len(notes)-1]; last.Kind != "cancelled" || last.Channel != "sms" {
			t.Errorf("last message %+v", last)
		}
		entries, _ := st.AuditLog(ctx, audit.Query{Target: ref})
		if len(entries) != 1 || entries[0].Actor != audit.Customer || entries[0].IP != "10.9.9.9" ||
			entries[0].Details != "submitted -> cancelled, remarks: Cancelled by the customer" {
			t.Errorf("audit of the cancellation: %+v", entries)
		}
	})
}
