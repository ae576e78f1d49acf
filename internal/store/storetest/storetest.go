// Package storetest is one behavioural test suite that every store backend must pass, so
// that SQLite and PostgreSQL cannot drift apart.
package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/otp"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Opener gives a fresh, migrated, empty store for one test and cleans it up after.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against the backend that open gives.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"SeededCatalogue", testSeededCatalogue},
		{"SetServiceActive", testSetServiceActive},
		{"SetServiceTarget", testSetServiceTarget},
		{"SubmitAndRead", testSubmitAndRead},
		{"ReferenceCollisionRetried", testReferenceCollisionRetried},
		{"DuplicateOpenRequest", testDuplicateOpenRequest},
		{"IdempotencyKey", testIdempotencyKey},
		{"ConcurrentIdenticalSubmissions", testConcurrentIdenticalSubmissions},
		{"RequestsByMobileNewestFirst", testRequestsByMobileNewestFirst},
		{"NotFound", testNotFound},
		{"PublicRead", testPublicRead},
		{"NotificationsSavedWithNewRequestsOnly", testNotificationsSavedWithNewRequestsOnly},
		{"RecordAttempt", testRecordAttempt},
		{"RetryNotification", testRetryNotification},
		{"OTPUseOnce", testOTPUseOnce},
		{"OTPExpiry", testOTPExpiry},
		{"OTPAttemptLimit", testOTPAttemptLimit},
		{"OTPRateLimit", testOTPRateLimit},
		{"Accounts", testAccounts},
		{"LoginLockout", testLoginLockout},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"ChangeStatus", testChangeStatus},
		{"ChangeStatusConcurrent", testChangeStatusConcurrent},
		{"ChangeStatusVersion", testChangeStatusVersion},
		{"DeskQueries", testDeskQueries},
		{"AuditLog", testAuditLog},
		{"DeleteExpired", testDeleteExpired},
		{"DashboardCounters", testDashboardCounters},
		{"LoadRequests", testLoadRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each on a database of its own
			tt.fn(t, open(t))
		})
	}
}

var base = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// NewRequest is a valid request as intake would hand it to the store.
func NewRequest(mobile string, at time.Time) request.Request {
	return request.Request{
		ServiceCode: "emoney_order", Name: "Asha Devi", Address: "12 Gandhi Road, Connaught Place",
		Pincode: "110001", Email: "asha@example.com", Mobile: mobile, Details: "Rs 2000 to my son",
		Language: request.Hindi, Division: "New Delhi GPO Division", Region: "", Circle: "Delhi Circle",
		District: "NEW DELHI", State: "DELHI", CreatedAt: at,
	}
}

func submission(r request.Request) store.Submission {
	return store.Submission{
		Request:        r,
		NewReference:   request.NewReference,
		Fingerprint:    "fp-" + r.Mobile + r.ServiceCode + r.Pincode,
		DuplicateSince: r.CreatedAt.Add(-request.DuplicateWindow),
	}
}

func mustSubmit(t *testing.T, st store.Store, sub store.Submission) store.SubmitResult {
	t.Helper()
	res, err := st.Submit(context.Background(), sub)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return res
}

func testSeededCatalogue(t *testing.T, st store.Store) {
	services, err := st.Services(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"article_booking", "article_delivery", "emoney_order", "aeps_cash", "ippb_other", "pli_premium", "small_savings"}
	if len(services) != len(want) {
		t.Fatalf("got %d services, want %d", len(services), len(want))
	}
	for i, svc := range services {
		if svc.Code != want[i] || svc.Name == "" || svc.NameHi == "" || svc.Description == "" || !svc.Active || svc.TargetHours != 48 {
			t.Errorf("service %d = %+v, want active %q with names, description and the default target", i, svc, want[i])
		}
	}
}

func testSetServiceActive(t *testing.T, st store.Store) {
	ctx := context.Background()
	if err := st.SetServiceActive(ctx, "aeps_cash", false); err != nil {
		t.Fatal(err)
	}
	services, _ := st.Services(ctx)
	for _, svc := range services {
		if svc.Active == (svc.Code == "aeps_cash") {
			t.Errorf("%s active = %v", svc.Code, svc.Active)
		}
	}
	if err := st.SetServiceActive(ctx, "no_such", true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: error = %v, want ErrNotFound", err)
	}
}

func testSetServiceTarget(t *testing.T, st store.Store) {
	ctx := context.Background()
	if err := st.SetServiceTarget(ctx, "aeps_cash", 6); err != nil {
		t.Fatal(err)
	}
	if err := st.SetServiceTarget(ctx, "pli_premium", 720); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"aeps_cash": 6, "pli_premium": 720}
	check := func(when string) {
		t.Helper()
		services, err := st.Services(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, svc := range services {
			if w := cmp.Or(want[svc.Code], 48); svc.TargetHours != w || !svc.Active {
				t.Errorf("%s: %s target %d h, active %v; want %d h, active", when, svc.Code, svc.TargetHours, svc.Active, w)
			}
		}
	}
	check("after setting two")
	// The database refuses a target out of range, whatever its caller checked.
	for _, hours := range []int{0, -1, 721} {
		if err := st.SetServiceTarget(ctx, "aeps_cash", hours); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Errorf("target %d h: error = %v, want the database's refusal", hours, err)
		}
	}
	check("after refused targets")
	if err := st.SetServiceTarget(ctx, "no_such", 24); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown code: error = %v, want ErrNotFound", err)
	}
}

func testSubmitAndRead(t *testing.T, st store.Store) {
	in := NewRequest("9876543210", base)
	res := mustSubmit(t, st, submission(in))
	if res.Duplicate || res.Replayed {
		t.Fatalf("first submission: %+v", res)
	}
	got := res.Request
	if got.ID == 0 || got.Reference == "" || got.Status != request.StatusSubmitted {
		t.Fatalf("saved request = %+v", got)
	}
	read, err := st.RequestByReference(context.Background(), got.Reference)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID, want.Reference, want.Status, want.UpdatedAt = got.ID, got.Reference, request.StatusSubmitted, in.CreatedAt
	want.History = []request.Event{{Status: request.StatusSubmitted, At: in.CreatedAt}}
	if fmt.Sprintf("%+v", read) != fmt.Sprintf("%+v", want) {
		t.Errorf("read back\n got %+v\nwant %+v", read, want)
	}
}

func testReferenceCollisionRetried(t *testing.T, st store.Store) {
	first := mustSubmit(t, st, submission(NewRequest("9876500001", base))).Request
	calls := 0
	sub := submission(NewRequest("9876500002", base))
	sub.NewReference = func() request.Reference {
		calls++
		if calls == 1 {
			return first.Reference // taken
		}
		return request.NewReference()
	}
	second := mustSubmit(t, st, sub).Request
	if calls != 2 || second.Reference == first.Reference {
		t.Errorf("calls = %d, references %s and %s", calls, first.Reference, second.Reference)
	}
}

func testDuplicateOpenRequest(t *testing.T, st store.Store) {
	first := mustSubmit(t, st, submission(NewRequest("9876543210", base))).Request

	again := mustSubmit(t, st, submission(NewRequest("9876543210", base.Add(3*time.Hour))))
	if !again.Duplicate || again.Request.Reference != first.Reference {
		t.Errorf("same mobile, service, pincode within 24h: %+v, want duplicate of %s", again, first.Reference)
	}

	other := NewRequest("9876543210", base.Add(3*time.Hour))
	other.ServiceCode = "pli_premium"
	if res := mustSubmit(t, st, submission(other)); res.Duplicate {
		t.Error("another service was taken as a duplicate")
	}
	other = NewRequest("9876543210", base.Add(3*time.Hour))
	other.Pincode = "110002"
	if res := mustSubmit(t, st, submission(other)); res.Duplicate {
		t.Error("another pincode was taken as a duplicate")
	}

	later := mustSubmit(t, st, submission(NewRequest("9876543210", base.Add(request.DuplicateWindow+time.Minute))))
	if later.Duplicate {
		t.Error("a request older than the window was taken as a duplicate")
	}
}

func testIdempotencyKey(t *testing.T, st store.Store) {
	sub := submission(NewRequest("9000000001", base))
	sub.IdempotencyKey = "key-1"
	first := mustSubmit(t, st, sub)
	retry := mustSubmit(t, st, sub)
	if !retry.Replayed || retry.Duplicate || retry.Request.Reference != first.Request.Reference {
		t.Errorf("retry = %+v, want replay of %s", retry, first.Request.Reference)
	}
	changed := sub
	changed.Fingerprint = "something else"
	if _, err := st.Submit(context.Background(), changed); !errors.Is(err, store.ErrIdempotencyKeyReused) {
		t.Errorf("reused key with other content: error = %v", err)
	}
	// A key first answered with a duplicate replays as a duplicate.
	dup := submission(NewRequest("9000000001", base.Add(time.Minute)))
	dup.IdempotencyKey = "key-2"
	if res := mustSubmit(t, st, dup); !res.Duplicate || res.Replayed {
		t.Fatalf("duplicate = %+v", res)
	}
	if res := mustSubmit(t, st, dup); !res.Duplicate || !res.Replayed {
		t.Errorf("replayed duplicate = %+v", res)
	}
	list, _ := st.PublicRequestsByMobile(context.Background(), "9000000001", 10)
	if len(list) != 1 {
		t.Errorf("%d requests saved, want 1", len(list))
	}
}

func testConcurrentIdenticalSubmissions(t *testing.T, st store.Store) {
	const n = 8
	var wg sync.WaitGroup
	refs := make([]request.Reference, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			res, err := st.Submit(context.Background(), submission(NewRequest("9111111111", base)))
			refs[i], errs[i] = res.Request.Reference, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("submission %d: %v", i, errs[i])
		}
		if refs[i] != refs[0] {
			t.Errorf("submission %d got %s, submission 0 got %s", i, refs[i], refs[0])
		}
	}
	list, _ := st.PublicRequestsByMobile(context.Background(), "9111111111", 10)
	if len(list) != 1 {
		t.Errorf("%d requests saved, want 1", len(list))
	}
}

func testRequestsByMobileNewestFirst(t *testing.T, st store.Store) {
	var want []request.Reference
	for i, svc := range []string{"article_booking", "article_delivery", "emoney_order"} {
		r := NewRequest("9222222222", base.Add(time.Duration(i)*time.Hour))
		r.ServiceCode = svc
		want = append([]request.Reference{mustSubmit(t, st, submission(r)).Request.Reference}, want...)
	}
	mustSubmit(t, st, submission(NewRequest("9333333333", base)))
	got, err := st.PublicRequestsByMobile(context.Background(), "9222222222", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d requests, want 3", len(got))
	}
	for i := range got {
		if got[i].Reference != want[i] || len(got[i].History) != 1 {
			t.Errorf("position %d: %s with %d events, want %s with 1", i, got[i].Reference, len(got[i].History), want[i])
		}
	}
	if limited, _ := st.PublicRequestsByMobile(context.Background(), "9222222222", 2); len(limited) != 2 || limited[0].Reference != want[0] {
		t.Errorf("limit 2 gave %d requests", len(limited))
	}
	if none, err := st.PublicRequestsByMobile(context.Background(), "9444444444", 10); err != nil || len(none) != 0 {
		t.Errorf("unknown mobile: %v, %v", none, err)
	}
}

// testPublicRead: tracking reads what public pages show of a request, the same as the whole
// read has of it, and nothing of the address, e-mail or details.
func testPublicRead(t *testing.T, st store.Store) {
	ctx := context.Background()
	r := NewRequest("9555555555", base)
	r.Region = "Agra Region"
	saved := mustSubmit(t, st, submission(r)).Request
	full, err := st.RequestByReference(ctx, saved.Reference)
	if err != nil {
		t.Fatal(err)
	}
	public, err := st.PublicRequestByReference(ctx, saved.Reference)
	if err != nil {
		t.Fatal(err)
	}
	byMobile, err := st.PublicRequestsByMobile(ctx, "9555555555", 10)
	if err != nil || len(byMobile) != 1 {
		t.Fatalf("by mobile: %d, %v", len(byMobile), err)
	}
	for _, got := range []request.Request{public, byMobile[0]} {
		want := request.Request{ID: full.ID, Reference: full.Reference, ServiceCode: full.ServiceCode, Name: full.Name,
			Mobile: full.Mobile, Pincode: full.Pincode, Division: full.Division, Region: full.Region, Circle: full.Circle,
			Status: full.Status, CreatedAt: full.CreatedAt, UpdatedAt: full.UpdatedAt}
		want.History = full.History
		if !reflect.DeepEqual(got, want) {
			t.Errorf("public read %+v, want %+v", got, want)
		}
	}
	if _, err := st.PublicRequestByReference(ctx, request.NewReference()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown reference: %v", err)
	}
}

func testNotFound(t *testing.T, st store.Store) {
	if _, err := st.RequestByReference(context.Background(), request.NewReference()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
}

func withNotifications(sub store.Submission) store.Submission {
	r := sub.Request
	sub.Notifications = []store.NewNotification{
		{Channel: "sms", Kind: "submitted", Recipient: r.Mobile, Language: r.Language},
		{Channel: "email", Kind: "submitted", Recipient: r.Email, Language: r.Language},
	}
	return sub
}

func testNotificationsSavedWithNewRequestsOnly(t *testing.T, st store.Store) {
	ctx := context.Background()
	first := mustSubmit(t, st, withNotifications(submission(NewRequest("9555555555", base)))).Request
	notes, err := st.NotificationsForRequest(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 || notes[0].Channel != "sms" || notes[1].Channel != "email" {
		t.Fatalf("notifications = %+v", notes)
	}
	for _, n := range notes {
		if n.RequestID != first.ID || n.Status != store.NotificationQueued || n.Kind != "submitted" || n.Language != request.Hindi ||
			n.Attempts != 0 || !n.SentAt.IsZero() || !n.CreatedAt.Equal(base) {
			t.Errorf("notification %+v", n)
		}
	}
	if notes[0].Recipient != "9555555555" || notes[1].Recipient != "asha@example.com" {
		t.Errorf("recipients %q, %q", notes[0].Recipient, notes[1].Recipient)
	}
	if got, err := st.Notification(ctx, notes[1].ID); err != nil || got.ID != notes[1].ID || got.Recipient != "asha@example.com" {
		t.Errorf("Notification(%d) = %+v, %v", notes[1].ID, got, err)
	}
	if notes[0].MessageID() == notes[1].MessageID() {
		t.Error("two messages share an id")
	}
	// A duplicate submission sends nothing new.
	dup := mustSubmit(t, st, withNotifications(submission(NewRequest("9555555555", base.Add(time.Minute)))))
	if !dup.Duplicate {
		t.Fatal("not a duplicate")
	}
	if again, _ := st.NotificationsForRequest(ctx, first.ID); len(again) != 2 {
		t.Errorf("%d notifications after a duplicate, want 2", len(again))
	}
	if got, err := st.RequestByID(ctx, first.ID); err != nil || got.Reference != first.Reference || len(got.History) != 1 {
		t.Errorf("RequestByID = %+v, %v", got, err)
	}
	if _, err := st.Notification(ctx, 999999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown notification: %v", err)
	}

	// Read in batches (the job queue's sending): those that exist, by id, unknown ids left out.
	second := mustSubmit(t, st, withNotifications(submission(NewRequest("9555555556", base)))).Request
	secondNotes, _ := st.NotificationsForRequest(ctx, second.ID)
	batch, err := st.Notifications(ctx, []int64{secondNotes[1].ID, 999999, notes[0].ID, secondNotes[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != 3 || batch[0] != notes[0] || batch[1] != secondNotes[0] || batch[2] != secondNotes[1] {
		t.Errorf("Notifications = %+v", batch)
	}
	if none, err := st.Notifications(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("Notifications(none) = %+v, %v", none, err)
	}
	requests, err := st.RequestsByIDs(ctx, []int64{second.ID, 999999, first.ID, second.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(requests) != 2 || requests[0].Reference != first.Reference || requests[1].Reference != second.Reference ||
		requests[1].Mobile != "9555555556" || len(requests[1].History) != 1 {
		t.Errorf("RequestsByIDs = %+v", requests)
	}
}

func testRecordAttempt(t *testing.T, st store.Store) {
	ctx := context.Background()
	req := mustSubmit(t, st, withNotifications(submission(NewRequest("9666666666", base)))).Request
	notes, _ := st.NotificationsForRequest(ctx, req.ID)
	id := notes[0].ID
	steps := []struct {
		attempt store.Attempt
		status  string
	}{
		{store.Attempt{NotificationID: id, Number: 1, At: base.Add(time.Second), Err: "gateway answered 503"}, store.NotificationRetrying},
		{store.Attempt{NotificationID: id, Number: 2, At: base.Add(time.Minute), Err: "timeout"}, store.NotificationRetrying},
		{store.Attempt{NotificationID: id, Number: 3, At: base.Add(time.Hour)}, store.NotificationSent},
	}
	for _, step := range steps {
		if err := st.RecordAttempts(ctx, []store.Attempt{step.attempt}); err != nil {
			t.Fatal(err)
		}
		got, _ := st.Notification(ctx, id)
		if got.Status != step.status || got.Attempts != step.attempt.Number || got.LastError != step.attempt.Err || !got.UpdatedAt.Equal(step.attempt.At) {
			t.Errorf("after attempt %d: %+v", step.attempt.Number, got)
		}
	}
	if got, _ := st.Notification(ctx, id); !got.SentAt.Equal(base.Add(time.Hour)) {
		t.Errorf("sent at %v", got.SentAt)
	}
	other := notes[1].ID
	if err := st.RecordAttempts(ctx, []store.Attempt{{NotificationID: other, Number: 5, At: base, Err: "mailbox unavailable", Final: true}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Notification(ctx, other); got.Status != store.NotificationFailed || got.LastError != "mailbox unavailable" || !got.SentAt.IsZero() {
		t.Errorf("failed notification: %+v", got)
	}
	// All or nothing: an unknown notification in the list records none.
	before, _ := st.Notification(ctx, other)
	err := st.RecordAttempts(ctx, []store.Attempt{{NotificationID: other, Number: 6, At: base.Add(time.Hour)}, {NotificationID: 999999, Number: 1, At: base}})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown notification: %v", err)
	}
	if after, _ := st.Notification(ctx, other); after.Attempts != before.Attempts || after.Status != before.Status {
		t.Errorf("a failed RecordAttempts changed %+v to %+v", before, after)
	}
}

func newOTP(t *testing.T, st store.Store, mobile string, at time.Time) string {
	t.Helper()
	code := otp.NewCode()
	if err := st.CreateOTP(context.Background(), store.NewOTP{Mobile: mobile, Code: otp.Hash(code), CreatedAt: at, ExpiresAt: at.Add(otp.TTL)}); err != nil {
		t.Fatal(err)
	}
	return code
}

func wrong(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func testOTPUseOnce(t *testing.T, st store.Store) {
	ctx := context.Background()
	code := newOTP(t, st, "9700000001", base)
	if err := st.UseOTP(ctx, "9700000002", code, base.Add(time.Minute)); !errors.Is(err, otp.ErrNoCode) {
		t.Errorf("another mobile: %v", err)
	}
	if err := st.UseOTP(ctx, "9700000001", wrong(code), base.Add(time.Minute)); !errors.Is(err, otp.ErrWrongCode) {
		t.Errorf("wrong code: %v", err)
	}
	if err := st.UseOTP(ctx, "9700000001", code, base.Add(time.Minute)); err != nil {
		t.Errorf("right code: %v", err)
	}
	if err := st.UseOTP(ctx, "9700000001", code, base.Add(2*time.Minute)); !errors.Is(err, otp.ErrNoCode) {
		t.Errorf("a used code again: %v", err)
	}
	// The newest code counts; an older one no longer does.
	older := newOTP(t, st, "9700000003", base)
	newer := newOTP(t, st, "9700000003", base.Add(time.Minute))
	if older != newer {
		if err := st.UseOTP(ctx, "9700000003", older, base.Add(2*time.Minute)); !errors.Is(err, otp.ErrWrongCode) {
			t.Errorf("older code: %v", err)
		}
	}
	if err := st.UseOTP(ctx, "9700000003", newer, base.Add(2*time.Minute)); err != nil {
		t.Errorf("newer code: %v", err)
	}
}

func testOTPExpiry(t *testing.T, st store.Store) {
	code := newOTP(t, st, "9700000010", base)
	if err := st.UseOTP(context.Background(), "9700000010", code, base.Add(otp.TTL+time.Second)); !errors.Is(err, otp.ErrNoCode) {
		t.Errorf("after 10 minutes: %v", err)
	}
}

func testOTPAttemptLimit(t *testing.T, st store.Store) {
	ctx := context.Background()
	code := newOTP(t, st, "9700000020", base)
	for i := 1; i <= otp.MaxAttempts; i++ {
		err := st.UseOTP(ctx, "9700000020", wrong(code), base.Add(time.Minute))
		want := otp.ErrWrongCode
		if i == otp.MaxAttempts {
			want = otp.ErrLocked
		}
		if !errors.Is(err, want) {
			t.Fatalf("try %d: %v, want %v", i, err, want)
		}
	}
	if err := st.UseOTP(ctx, "9700000020", code, base.Add(time.Minute)); !errors.Is(err, otp.ErrLocked) {
		t.Errorf("the right code after %d wrong tries: %v", otp.MaxAttempts, err)
	}
}

func testOTPRateLimit(t *testing.T, st store.Store) {
	ctx := context.Background()
	for i := range otp.MaxPerHour {
		newOTP(t, st, "9700000030", base.Add(time.Duration(i)*time.Minute))
	}
	fourth := store.NewOTP{Mobile: "9700000030", Code: otp.Hash("123456"), CreatedAt: base.Add(30 * time.Minute), ExpiresAt: base.Add(40 * time.Minute)}
	if err := st.CreateOTP(ctx, fourth); !errors.Is(err, otp.ErrRateLimited) {
		t.Errorf("fourth code within the hour: %v", err)
	}
	fourth.CreatedAt, fourth.ExpiresAt = base.Add(61*time.Minute), base.Add(71*time.Minute)
	if err := st.CreateOTP(ctx, fourth); err != nil {
		t.Errorf("a code after the hour: %v", err)
	}
	if err := st.CreateOTP(ctx, store.NewOTP{Mobile: "9700000031", Code: otp.Hash("123456"), CreatedAt: base.Add(30 * time.Minute), ExpiresAt: base.Add(40 * time.Minute)}); err != nil {
		t.Errorf("another mobile: %v", err)
	}
}

func testRetryNotification(t *testing.T, st store.Store) {
	ctx := context.Background()
	req := mustSubmit(t, st, withNotifications(submission(NewRequest("9666666667", base)))).Request
	notes, _ := st.NotificationsForRequest(ctx, req.ID)
	sent, failed := notes[0].ID, notes[1].ID
	if err := st.RecordAttempts(ctx, []store.Attempt{{NotificationID: sent, Number: 1, At: base},
		{NotificationID: failed, Number: 8, At: base, Err: "mailbox full", Final: true}}); err != nil {
		t.Fatal(err)
	}
	if err := st.RetryNotification(ctx, sent, base.Add(time.Hour)); !errors.Is(err, store.ErrNotRetryable) {
		t.Errorf("retrying a sent message: %v", err)
	}
	if err := st.RetryNotification(ctx, 999999, base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("retrying an unknown message: %v", err)
	}
	if err := st.RetryNotification(ctx, failed, base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Notification(ctx, failed); got.Status != store.NotificationQueued || !got.UpdatedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("after retry: %+v", got)
	}
}
