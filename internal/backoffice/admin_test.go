package backoffice_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// TestAdminAccounts: an admin makes an account (an unknown unit gets suggestions), resets
// its password, and disables it.
func TestAdminAccounts(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		admin := w.loggedIn(t, "admin")
		p := admin.get("/admin/accounts")
		for _, want := range []string{"agra.region", "Region<br>Agra Region", `<datalist id="units">`,
			`<option value="Agra Division" label="Division staff">`, `<option value="Uttar Pradesh Circle" label="Circle">`} {
			if !p.has(want) {
				t.Errorf("accounts page lacks %q", want)
			}
		}

		p = admin.post("/admin/accounts", url.Values{"username": {"Sadar.Agra"}, "role": {"division"}, "unit": {"Agra Divison"}, "password": {"secret-password-1"}})
		if p.status != http.StatusUnprocessableEntity || !p.has("There is no Division named &#34;Agra Divison&#34;") ||
			!p.has("Did you mean: Agra Division") || !p.has(`value="Sadar.Agra"`) || p.has("secret-password-1") ||
			!p.has(`<option value="division" selected>`) {
			t.Fatalf("unknown unit: %d\n%s", p.status, p.body)
		}
		p = admin.post("/admin/accounts", url.Values{"username": {"Sadar.Agra"}, "role": {"division"}, "unit": {"agra division"}, "password": {"secret-password-1"}})
		if p.url.Path != "/admin/accounts" || !p.has("Account sadar.agra made: Division staff: Agra Division.") {
			t.Fatalf("create: %d at %s", p.status, p.url)
		}

		p = admin.post("/admin/accounts/sadar.agra/password", url.Values{"password": {"short"}})
		if p.status != http.StatusUnprocessableEntity || !p.has("A password is at least 10 characters.") ||
			!p.has(`id="reset-sadar.agra-error"`) {
			t.Errorf("short reset: %d", p.status)
		}
		p = admin.post("/admin/accounts/sadar.agra/password", url.Values{"password": {password}})
		if !p.has("The password of sadar.agra is reset") {
			t.Errorf("reset: %d at %s", p.status, p.url)
		}
		if p = admin.post("/admin/accounts/nobody/password", url.Values{"password": {password}}); p.status != http.StatusNotFound {
			t.Errorf("reset of an unknown account: %d", p.status)
		}
		w.loggedIn(t, "sadar.agra")

		if p = admin.post("/admin/accounts/sadar.agra/disable", nil); !p.has("Account sadar.agra is disabled") || !p.has("Disabled") {
			t.Errorf("disable: %d", p.status)
		}
		var actions []string
		for _, e := range w.audit(t, audit.Query{Target: "sadar.agra"}) {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, " "); got != "account_disable login password_reset account_create" {
			t.Errorf("audit of the account: %s", got)
		}
		if p = w.loggedIn(t, "agra").post("/admin/accounts", url.Values{"username": {"x.y.z"}}); p.status != http.StatusForbidden {
			t.Errorf("division making an account: %d", p.status)
		}
	})
}

// TestAuditPage: entries by filter, newest first, and older pages.
func TestAuditPage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	for i := range 55 {
		if err := w.desk.Audit(ctx, w.users["agra"], "export", fmt.Sprintf("target-%02d", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	b := w.loggedIn(t, "admin")
	p := b.get("/admin/audit?action=export")
	if p.status != http.StatusOK || !p.has("target-54") || !p.has("target-05") || p.has("target-04") || p.has(">login<") {
		t.Fatalf("first page: %d", p.status)
	}
	older := strings.ReplaceAll(between(p.body, `<a href="`, `" rel="next">Older entries`), "&amp;", "&")
	p = b.get(older)
	if !p.has("target-04") || !p.has("target-00") || p.has("target-05") || p.has("Older entries") || !p.has("Newest entries") {
		t.Errorf("older page (%s): wrong entries", older)
	}
	p = b.get("/admin/audit?actor=admin")
	if !p.has(">login<") || p.has("target-") {
		t.Errorf("by actor: wrong entries")
	}
	if p = b.get("/admin/audit?before=x"); p.status != http.StatusBadRequest {
		t.Errorf("damaged link: %d", p.status)
	}
}

func TestAdminServices(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	b := w.loggedIn(t, "admin")
	p := b.get("/admin/services")
	if !p.has("e-Money Order") || !p.has(`name="code" value="emoney_order"`) {
		t.Fatalf("services page: %d", p.status)
	}
	p = b.post("/admin/services", url.Values{"code": {"emoney_order"}, "active": {"0"}})
	if p.url.Path != "/admin/services" || !p.has("is switched off") {
		t.Fatalf("switch off: %d at %s", p.status, p.url)
	}
	services, _ := w.st.Services(ctx)
	for _, svc := range services {
		if svc.Code == "emoney_order" && svc.Active {
			t.Error("the service is still on")
		}
	}
	if p = b.post("/admin/services", url.Values{"code": {"no_such"}, "active": {"1"}}); p.status != http.StatusNotFound {
		t.Errorf("unknown service: %d", p.status)
	}
	if e := w.audit(t, audit.Query{Action: "service_active"}); len(e) != 1 || e[0].Target != "emoney_order" {
		t.Errorf("audit %+v", e)
	}
}

// TestAdminServiceTargets: an admin sets a service's target on the services page; a target
// that cannot be comes back beside its field, as typed, and changes nothing.
func TestAdminServiceTargets(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testenv.SQLite(t))
	target := func(code string) int {
		t.Helper()
		svc, ok, err := catalogue.New(w.st).Service(context.Background(), code) // fresh from the database
		if err != nil || !ok {
			t.Fatalf("service %s: %v, %v", code, ok, err)
		}
		return svc.TargetHours
	}
	b := w.loggedIn(t, "admin")
	if p := b.get("/admin/services"); !p.has(`action="/admin/services/aeps_cash/target"`) || !p.has(`id="target-aeps_cash" name="target_hours" value="48"`) {
		t.Fatalf("services page without the targets: %d %s", p.status, p.body)
	}
	p := b.post("/admin/services/aeps_cash/target", url.Values{"target_hours": {" 6 "}})
	if p.url.Path != "/admin/services" || !p.has("is 6 hours") || !p.has(`id="target-aeps_cash" name="target_hours" value="6"`) {
		t.Fatalf("set target: %d at %s", p.status, p.url)
	}
	if got := target("aeps_cash"); got != 6 {
		t.Errorf("stored target %d h, want 6", got)
	}
	for _, typed := range []string{"0", "721", "two days", ""} {
		p = b.post("/admin/services/aeps_cash/target", url.Values{"target_hours": {typed}})
		if p.status != http.StatusUnprocessableEntity || !p.has("A target is a whole number of hours from 1 to 720.") ||
			!p.has(`id="target-aeps_cash" name="target_hours" value="`+typed+`" inputmode="numeric" maxlength="4" class="input-short" aria-invalid="true" aria-describedby="target-aeps_cash-error"`) ||
			!p.has(`id="target-emoney_order" name="target_hours" value="48"`) || !p.has("<title>Error: ") {
			t.Errorf("target %q: %d, want the message beside the field, with what was typed\n%s", typed, p.status, p.body)
		}
	}
	if got := target("aeps_cash"); got != 6 {
		t.Errorf("after refused targets: %d h, want 6 still", got)
	}
	if p = b.post("/admin/services/no_such/target", url.Values{"target_hours": {"24"}}); p.status != http.StatusNotFound {
		t.Errorf("unknown service: %d", p.status)
	}
	if e := w.audit(t, audit.Query{Action: "service_target"}); len(e) != 1 || e[0].Target != "aeps_cash" || e[0].Details != "48 -> 6 hours" || e[0].Actor != "admin" {
		t.Errorf("audit %+v", e)
	}
}
