package api

import (
	"net/http"
	"testing"
)

// SpecCheckingClient is an HTTP client that checks every response against openapi.json and
// records its operation for TestMain's check, for the tests of package api_test: they reach
// the documented operations that other packages serve (the health checks of internal/server,
// which imports this package).
func SpecCheckingClient(t *testing.T) *http.Client {
	t.Helper()
	return &http.Client{Transport: &validatingTransport{t: t, spec: sharedSpec(t), next: http.DefaultTransport}}
}
