package api

import "testing"

// TestZZEveryOperationExercised checks that the tests checked a real response of every
// documented API operation against openapi.json. It relies on running last: tests run in
// source order, files by name, and this file's name sorts last.
func TestZZEveryOperationExercised(t *testing.T) {
	s := sharedSpec(t)
	for _, op := range []string{"listServices", "getPincode", "createRequest", "listRequestsByMobile", "getRequest", "getOpenAPI",
		"requestOTP", "cancelRequest", "issueToken", "revokeToken", "listDeskRequests", "getDeskRequest", "changeRequestStatus"} {
		if len(s.seen[op]) == 0 {
			t.Errorf("no response of %s was checked against openapi.json", op)
		}
	}
}
