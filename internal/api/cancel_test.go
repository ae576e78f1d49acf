package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestCustomerCancels(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		s := newStaffAPI(t, st)
		ref := s.submit(agraPincode, "9876543210")
		path := "/api/v1/requests/" + ref + "/cancel"

		r := s.do(http.MethodPost, path, `{}`, nil)
		var sent cancelCodeSentJSON
		r.decode(t, &sent)
		if r.status != http.StatusAccepted || sent.SentTo != "******3210" || sent.ExpiresAt.IsZero() {
			t.Fatalf("send code: %d %s", r.status, r.body)
		}
		for _, tt := range []struct{ otp, want string }{{"000000", "not right"}, {"12345", "6 digits"}} {
			r = s.do(http.MethodPost, path, `{"otp":"`+tt.otp+`"}`, nil)
			if p := wantProblem(t, "code "+tt.otp, r, http.StatusUnprocessableEntity, CodeValidation); !strings.Contains(p.Errors["otp"], tt.want) {
				t.Errorf("code %s: errors %v", tt.otp, p.Errors)
			}
		}

		var view publicRequestJSON
		r = s.do(http.MethodPost, path, `{"otp":"246 810"}`, nil)
		r.decode(t, &view)
		r.encodedAsBefore(t, view)
		if r.status != http.StatusOK || view.Status != "cancelled" || view.MobileMasked != "******3210" || len(view.History) != 2 {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		for _, private := range []string{"Asha", "9876543210", "asha@example.com", "Gandhi Road"} {
			if strings.Contains(string(r.body), private) {
				t.Errorf("the answer shows %q", private)
			}
		}
		req, err := s.saved(ref)
		if err != nil || req.History[1].Actor != audit.Customer {
			t.Errorf("history %+v, %v", req.History, err)
		}
		notes, _ := st.NotificationsForRequest(context.Background(), req.ID)
		if last := notes[len(notes)-1]; last.Channel != "sms" || last.Kind != "cancelled" {
			t.Errorf("last message %+v", last)
		}

		wantProblem(t, "code for a cancelled request", s.do(http.MethodPost, path, `{}`, nil), http.StatusConflict, CodeCannotCancel)
		wantProblem(t, "cancelling twice", s.do(http.MethodPost, path, `{"otp":"123456"}`, nil), http.StatusConflict, CodeCannotCancel)
		wantProblem(t, "unknown reference", s.do(http.MethodPost, "/api/v1/requests/"+string(request.NewReference())+"/cancel", `{}`, nil),
			http.StatusNotFound, CodeNotFound)
		r = s.do(http.MethodPost, "/api/v1/requests/DS-ABC/cancel", `{}`, nil)
		if p := wantProblem(t, "not a reference", r, http.StatusUnprocessableEntity, CodeValidation); p.Errors["reference"] == "" {
			t.Errorf("errors %v", p.Errors)
		}
		wantProblem(t, "no body", s.do(http.MethodPost, path, "", nil), http.StatusUnsupportedMediaType, CodeUnsupportedMediaType)
		wantProblem(t, "unknown field", s.do(http.MethodPost, path, `{"code":"123456"}`, nil), http.StatusBadRequest, CodeUnknownField)

		// Codes for cancelling count with the others: three an hour per mobile.
		other := s.submit(agraPincode, "9123456789")
		s.do(http.MethodPost, "/api/v1/otp", `{"mobile":"9123456789"}`, nil)
		for range 2 {
			if r := s.do(http.MethodPost, "/api/v1/requests/"+other+"/cancel", `{}`, nil); r.status != http.StatusAccepted {
				t.Fatalf("code: %d %s", r.status, r.body)
			}
		}
		r = s.do(http.MethodPost, "/api/v1/requests/"+other+"/cancel", `{"otp":""}`, nil)
		if wantProblem(t, "fourth code", r, http.StatusTooManyRequests, CodeRateLimited); r.header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
}
