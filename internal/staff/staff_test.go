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

// TestMay is the whole permission table: every action, by every kind of account, on units
// of its own part of the hierarchy and outside it.
func TestMay(t *testing.T) {
	delhi := staff.Unit{Circle: "Delhi Circle", Division: "New Delhi GPO Division"} // no Region
	agra := staff.Unit{Circle: "Uttar Pradesh Circle", Region: "Agra Region", Division: "Agra Division"}
	agraRegion := staff.Unit{Circle: "Uttar Pradesh Circle", Region: "Agra Region"}
	upCircle := staff.Unit{Circle: "Uttar Pradesh Circle"}
	accounts := map[string]staff.Account{
		"delhi division":  {Role: staff.RoleDivision, Unit: "New Delhi GPO Division"},
		"agra division":   {Role: staff.RoleDivision, Unit: "Agra Division"},
		"agra region":     {Role: staff.RoleRegion, Unit: "Agra Region"},
		"up circle":       {Role: staff.RoleCircle, Unit: "Uttar Pradesh Circle"},
		"delhi circle":    {Role: staff.RoleCircle, Unit: "Delhi Circle"},
		"admin":           {Role: staff.RoleAdmin},
		"region, no unit": {Role: staff.RoleRegion}, // no Region matches a request without one
		"no role":         {Unit: "Agra Division"},
	}
	// may lists, per action and unit, the accounts that may; every other account may not.
	may := []struct {
		act   staff.Action
		unit  staff.Unit
		names []string
	}{
		{staff.ViewRequests, delhi, []string{"delhi division", "delhi circle", "admin"}},
		{staff.ViewRequests, agra, []string{"agra division", "agra region", "up circle", "admin"}},
		{staff.ViewRequests, agraRegion, []string{"agra region", "up circle", "admin"}},
		{staff.ViewRequests, upCircle, []string{"up circle", "admin"}},
		{staff.ViewRequests, staff.Nation, []string{"admin"}},
		{staff.ViewDashboard, agraRegion, []string{"agra region", "up circle", "admin"}},
		{staff.ViewDashboard, staff.Nation, []string{"admin"}},
		{staff.ChangeStatus, delhi, []string{"delhi division"}},
		{staff.ChangeStatus, agra, []string{"agra division"}},
		{staff.ChangeStatus, agraRegion, nil},
		{staff.PrintRunSheet, agra, []string{"agra division"}},
		{staff.RetryMessage, agra, []string{"agra division", "admin"}},
		{staff.RetryMessage, delhi, []string{"delhi division", "admin"}},
		{staff.ManageAccounts, staff.Nation, []string{"admin"}},
		{staff.ManageAccounts, agra, []string{"admin"}},
		{staff.ManageServices, staff.Nation, []string{"admin"}},
		{staff.ReadAudit, staff.Nation, []string{"admin"}},
	}
	for _, m := range may {
		for name, a := range accounts {
			want := false
			for _, n := range m.names {
				want = want || n == name
			}
			if got := a.May(m.act, m.unit); got != want {
				t.Errorf("%s may %s in %+v: %v, want %v", name, m.act, m.unit, got, want)
			}
		}
	}
	// Each account may do an action at all exactly where it may do it in its own unit.
	atAll := map[string][]staff.Action{
		"agra division": {staff.ViewRequests, staff.ChangeStatus, staff.PrintRunSheet, staff.RetryMessage, staff.ViewDashboard},
		"agra region":   {staff.ViewRequests, staff.ViewDashboard},
		"up circle":     {staff.ViewRequests, staff.ViewDashboard},
		"admin": {staff.ViewRequests, staff.RetryMessage, staff.ViewDashboard, staff.ManageAccounts, staff.ManageServices,
			staff.ReadAudit},
		"region, no unit": nil,
		"no role":         nil,
	}
	for name, acts := range atAll {
		for _, act := range staff.Actions {
			want := false
			for _, a := range acts {
				want = want || a == act
			}
			if got := accounts[name].MayAtAll(act); got != want {
				t.Errorf("%s may %s at all: %v, want %v", name, act, got, want)
			}
		}
	}
	r := request.Request{Division: "Agra Division", Region: "Agra Region", Circle: "Uttar Pradesh Circle"}
	if staff.UnitOf(r) != agra {
		t.Errorf("UnitOf = %+v", staff.UnitOf(r))
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
