package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/doorstep-post/doorstep/internal/otp"
)

// Problem is an RFC 9457 problem detail. Every error the API returns is one, so a client
// needs one error path. Code is a stable machine-readable name for the kind of problem;
// Errors maps a request field to a message for a person.
type Problem struct {
	Type   string            `json:"type"`
	Title  string            `json:"title"`
	Status int               `json:"status"`
	Detail string            `json:"detail,omitempty"`
	Code   string            `json:"code"`
	Errors map[string]string `json:"errors,omitempty"`
}

// Problem codes.
const (
	CodeValidation           = "validation_failed"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeMalformedJSON        = "malformed_json"
	CodeUnknownField         = "unknown_field"
	CodeBodyTooLarge         = "body_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeIdempotencyKey       = "invalid_idempotency_key"
	CodeIdempotencyKeyReused = "idempotency_key_reused"
	CodeInternal             = "internal_error"
	CodeUnavailable          = "unavailable"
	CodeRateLimited          = "rate_limited"
	CodeCannotCancel         = "cannot_cancel"
	CodeStatusChanged        = "status_changed"
	// Staff API.
	CodeUnauthorized       = "unauthorized"        // no bearer token, or one that no longer works
	CodeInvalidCredentials = "invalid_credentials" // unknown username or wrong password, not told apart
	CodeAccountDisabled    = "account_disabled"
	CodeForbidden          = "forbidden" // the role may see the request but not change it
)

func writeProblem(w http.ResponseWriter, p Problem) {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p) // the client hung up: nothing to do
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client hung up: nothing to do
}

// writeInvalid answers fields that need correcting, with a message for each.
func writeInvalid(w http.ResponseWriter, fields map[string]string) {
	writeProblem(w, Problem{Status: http.StatusUnprocessableEntity, Code: CodeValidation,
		Detail: "Some fields need correcting; see errors.", Errors: fields})
}

// writeRateLimited answers a mobile that had its one-time codes for the hour.
func writeRateLimited(w http.ResponseWriter) {
	w.Header().Set("Retry-After", fmt.Sprint(int(time.Hour.Seconds())))
	writeProblem(w, Problem{Status: http.StatusTooManyRequests, Code: CodeRateLimited,
		Detail: fmt.Sprintf("We have sent %d codes to this mobile in the last hour; please wait before asking again.", otp.MaxPerHour)})
}

// writeStatusChanged answers a change that lost a race with another one.
func writeStatusChanged(w http.ResponseWriter) {
	writeProblem(w, Problem{Status: http.StatusConflict, Code: CodeStatusChanged,
		Detail: "Someone else changed this request meanwhile. Fetch it again and decide anew."})
}
