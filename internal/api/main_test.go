package api

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain runs the package's tests and then, when all of them ran and passed, checks that
// a response of every operation openapi.json documents was checked against it (the spec
// checker of api_test.go records them). The operations are read from openapi.json, so a new
// one fails this check until a test exercises it. It does not depend on the order of the
// tests, and does not run when a flag leaves tests out.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && allTestsRan() {
		if missing, err := unexercisedOperations(); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: reading openapi.json: %v\n", err)
			code = 1
		} else if len(missing) > 0 {
			fmt.Fprintln(os.Stderr, "FAIL: the tests passed, but no response of these operations of openapi.json was checked against it:")
			for _, op := range missing {
				fmt.Fprintln(os.Stderr, "\t"+op)
			}
			fmt.Fprintln(os.Stderr, "Send at least one request of each through a spec-checking client (newTestAPI, newStaffAPI, SpecCheckingClient).")
			code = 1
		}
	}
	os.Exit(code)
}

// allTestsRan says whether no flag left tests out: -run, -skip or -list. (-short skips
// none of this package's tests; a test that starts to skip in short mode must add
// testing.Short() here.)
func allTestsRan() bool {
	for _, name := range []string{"test.run", "test.skip", "test.list"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return false
		}
	}
	return true
}

func unexercisedOperations() ([]string, error) {
	s, err := loadedSpec()
	if err != nil {
		return nil, err
	}
	return s.unexercised(), nil
}
