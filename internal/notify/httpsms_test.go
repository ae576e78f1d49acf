package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

func hindiSMS(t *testing.T) SMS {
	t.Helper()
	m, err := loadTemplates(t).SMS(KindSubmitted, request.Hindi, sampleData())
	if err != nil {
		t.Fatal(err)
	}
	m.ID, m.To, m.TemplateID = "DS7KQ4M9XP3C.submitted.sms", "98765 43210", "1107161234567890123"
	return m
}

func TestHTTPSMSDelivers(t *testing.T) {
	type received struct {
		method, contentType, apiKey, idempotencyKey string
		body                                        map[string]any
	}
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("body: %v", err)
		}
		got <- received{r.Method, r.Header.Get("Content-Type"), r.Header.Get("X-Api-Key"), r.Header.Get("Idempotency-Key"), body}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"status":"queued"}`)
	}))
	defer srv.Close()

	g, err := NewHTTPSMS(srv.URL+"/v1/sms", map[string]string{"X-Api-Key": "k3y"}, time.Second, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	m := hindiSMS(t)
	if err := g.SendSMS(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.method != http.MethodPost || r.contentType != "application/json" || r.apiKey != "k3y" || r.idempotencyKey != m.ID {
		t.Errorf("request: %+v", r)
	}
	want := map[string]any{"id": m.ID, "to": "+919876543210", "text": m.Text, "template_id": "1107161234567890123", "language": "hi"}
	if len(r.body) != len(want) {
		t.Errorf("body has %d fields, want %d: %v", len(r.body), len(want), r.body)
	}
	for k, v := range want {
		if r.body[k] != v {
			t.Errorf("body %s = %v, want %v", k, r.body[k], v)
		}
	}
}

func TestHTTPSMSRefused(t *testing.T) {
	status := http.StatusInternalServerError
	answer := "  upstream operator unavailable for +919876543210\n" + strings.Repeat("x", 500)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	g, err := NewHTTPSMS(srv.URL+"?key=s3cret", nil, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := hindiSMS(t)

	err = g.SendSMS(context.Background(), m)
	if err == nil {
		t.Fatal("a 500 was taken for delivery")
	}
	msg := err.Error()
	if !strings.Contains(msg, "500 Internal Server Error") || !strings.Contains(msg, ": upstream operator unavailable for *********3210 xxx") {
		t.Errorf("error lacks the status or the gateway's reason: %v", err)
	}
	if reason := msg[strings.Index(msg, "upstream"):]; len(reason) != smsReasonMax {
		t.Errorf("reason is %d bytes, want %d: %q", len(reason), smsReasonMax, reason)
	}
	if strings.Contains(msg, "9876543210") || strings.Contains(msg, "s3cret") {
		t.Errorf("error shows the mobile number or the key: %v", err)
	}
	if errors.Is(err, ErrPermanent) {
		t.Errorf("a 500 is marked permanent: %v", err)
	}

	status, answer = http.StatusBadRequest, `{"error":"template mismatch"}`
	if err := g.SendSMS(context.Background(), m); !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), `400 Bad Request: {"error":"template mismatch"}`) {
		t.Errorf("400: %v, want a permanent error quoting the gateway", err)
	}
	status = http.StatusTooManyRequests
	if err := g.SendSMS(context.Background(), m); err == nil || errors.Is(err, ErrPermanent) {
		t.Errorf("429: %v, want an error worth retrying", err)
	}
}

func TestHTTPSMSTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)

	g, err := NewHTTPSMS(srv.URL+"/send?key=s3cret", nil, 200*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = g.SendSMS(context.Background(), hindiSMS(t))
	took := time.Since(start)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "200ms") {
		t.Errorf("error = %v, want a timeout", err)
	}
	if took > time.Second {
		t.Errorf("gave up after %v, timeout 200ms", took)
	}
	if err != nil && strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the key: %v", err)
	}
}

func TestHTTPSMSRefusesBadInput(t *testing.T) {
	if _, err := NewHTTPSMS("ftp://sms.example.com", nil, time.Second, nil); err == nil {
		t.Error("ftp URL accepted")
	}
	g, err := NewHTTPSMS("http://127.0.0.1:1/", nil, time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := hindiSMS(t)
	m.To = "12345"
	if err := g.SendSMS(context.Background(), m); !errors.Is(err, ErrPermanent) || strings.Contains(err.Error(), "12345") {
		t.Errorf("bad mobile: %v", err)
	}
	m = hindiSMS(t)
	m.ID = ""
	if err := g.SendSMS(context.Background(), m); !errors.Is(err, ErrPermanent) {
		t.Errorf("no ID: %v", err)
	}
}
