package staff_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestScopes(t *testing.T) {
	req := request.Request{Division: "New Delhi GPO Division", Circle: "Delhi Circle"}
	regional := request.Request{Division: "Agra Division", Region: "Agra Region", Circle: "Uttar Pradesh Circle"}
	cases := []struct {
		scope        staff.Scope
		r            request.Request
		view, change bool
	}{
		{staff.Scope{staff.RoleDivision, "New Delhi GPO Division"}, req, true, true},
		{staff.Scope{staff.RoleDivision, "New Delhi South Division"}, req, false, false},
		{staff.Scope{staff.RoleCircle, "Delhi Circle"}, req, true, false},
		{staff.Scope{staff.RoleCircle, "Kerala Circle"}, req, false, false},
		{staff.Scope{staff.RoleRegion, "Agra Region"}, regional, true, false},
		{staff.Scope{staff.RoleRegion, ""}, req, false, false}, // no Region matches a request without one
		{staff.Scope{staff.RoleAdmin, ""}, req, true, false},
		{staff.Scope{}, req, false, false},
	}
	for _, c := range cases {
		if got := c.scope.CanView(c.r); got != c.view {
			t.Errorf("%+v view %s: %v, want %v", c.scope, c.r.Division, got, c.view)
		}
		if got := c.scope.CanChange(c.r); got != c.change {
			t.Errorf("%+v change %s: %v, want %v", c.scope, c.r.Division, got, c.change)
		}
	}
}

func TestPasswords(t *testing.T) {
	hash, err := staff.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q is not argon2id", hash)
	}
	if !staff.PasswordMatches("correct horse battery", hash) || staff.PasswordMatches("correct horse batterY", hash) {
		t.Error("PasswordMatches got a password wrong")
	}
	for p, want := range map[string]string{
		"short":               "at least",
		"aaaaaaaaaaaa":        "repeated",
		"ravi.kumar-password": "username",
		"a fine long phrase":  "",
	} {
		if got := staff.CheckPassword(p, "ravi.kumar"); !strings.Contains(got, want) || (want == "") != (got == "") {
			t.Errorf("CheckPassword(%q) = %q, want %q", p, got, want)
		}
	}
	for u, ok := range map[string]bool{"ravi.kumar": true, "ra": false, "Ravi": false, "ravi kumar": false, "nd_gpo-1": true} {
		if got := staff.CheckUsername(u) == ""; got != ok {
			t.Errorf("CheckUsername(%q) ok=%v, want %v", u, got, ok)
		}
	}
}

func TestResolveUnit(t *testing.T) {
	dir := testenv.Directory(t)
	got, err := staff.ResolveUnit(dir, staff.RoleDivision, "  new delhi gpo   division ")
	if err != nil || got != "New Delhi GPO Division" {
		t.Fatalf("ResolveUnit = %q, %v", got, err)
	}
	_, err = staff.ResolveUnit(dir, staff.RoleDivision, "New Delhi GPO")
	var uerr *staff.UnitError
	if !errors.As(err, &uerr) || len(uerr.Suggestions) == 0 || uerr.Suggestions[0] != "New Delhi GPO Division" {
		t.Fatalf("ResolveUnit(partial) = %v; suggestions %v", err, uerr)
	}
	_, err = staff.ResolveUnit(dir, staff.RoleCircle, "Dehli Circle")
	if !errors.As(err, &uerr) || len(uerr.Suggestions) == 0 || uerr.Suggestions[0] != "Delhi Circle" {
		t.Fatalf("ResolveUnit(typo) = %v", err)
	}
	if !strings.Contains(err.Error(), `Did you mean: Delhi Circle`) {
		t.Errorf("message %q lacks the suggestion", err)
	}
	if u, err := staff.ResolveUnit(dir, staff.RoleAdmin, "anything"); u != "" || err != nil {
		t.Errorf("admin unit = %q, %v", u, err)
	}
	if len(dir.Regions()) == 0 || len(dir.Circles()) < 20 {
		t.Errorf("directory has %d regions, %d circles", len(dir.Regions()), len(dir.Circles()))
	}
}

func TestLocked(t *testing.T) {
	now := time.Now()
	a := staff.Account{LockedUntil: now.Add(time.Minute)}
	if !a.Locked(now) || a.Locked(now.Add(2*time.Minute)) {
		t.Error("Locked is wrong around LockedUntil")
	}
}
