package backoffice

import (
	"net/http"
	"net/url"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// Navigation: which link of the header is the current page.
const (
	navDesk      = "desk"
	navDashboard = "dashboard"
	navRunSheet  = "run-sheet"
	navAccounts  = "accounts"
	navAudit     = "audit"
	navServices  = "services"
	navPassword  = "password"
)

// base is what the layout needs on every page.
type base struct {
	Title string
	CSS   string
	Nav   string
	User  *userView // nil when no one is logged in
	Flash flash
}

func (b *base) page() *base { return b }

// pageData is every page's data: a struct embedding base.
type pageData interface{ page() *base }

// userView is who is logged in, shown on every page, with the links of the pages the
// account may use.
type userView struct {
	Username  string
	Scope     string
	RunSheet  bool
	Dashboard bool
	Accounts  bool
	Audit     bool
	Services  bool
}

// flash is a message a post leaves for the page it redirects to.
type flash struct {
	Text  string
	Error bool
}

// base builds what every page's layout needs, and takes the page's flash message.
func (s *BackOffice) base(r *http.Request, u *user, title, nav string) base {
	b := base{Title: title, CSS: s.cssURL, Nav: nav}
	if u != nil {
		a := u.Account
		b.User = &userView{Username: a.Username, Scope: a.Describe(), RunSheet: a.MayAtAll(staff.PrintRunSheet), Dashboard: a.MayAtAll(staff.ViewDashboard),
			Accounts: a.MayAtAll(staff.ManageAccounts), Audit: a.MayAtAll(staff.ReadAudit), Services: a.MayAtAll(staff.ManageServices)}
		b.Flash = s.popFlash(r.Context())
	}
	return b
}

// field is one form field's value and message, for the templates.
type field struct {
	Name  string
	Value string
	Error string
}

// fields builds the fields of a form from what was typed and the messages about it.
func fields(values url.Values, errs request.FieldErrors, names ...string) map[string]field {
	out := make(map[string]field, len(names))
	for _, n := range names {
		out[n] = field{Name: n, Value: values.Get(n), Error: errs[n]}
	}
	return out
}

// option is one choice of a select or a group of radio buttons.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// messagePage is a page that only says something: not found, not allowed, failed.
type messagePage struct {
	base
	Text string
}

// requestURL is the staff page of a request.
func requestURL(ref request.Reference) string {
	return "/desk/requests/" + url.PathEscape(ref.String())
}

// pageSamples returns a sample of the data of each page template. New renders every page
// once with it, so that a template mistake stops the start.
func pageSamples() map[string]pageData {
	u := &userView{}
	return map[string]pageData{
		"message":   &messagePage{base: base{User: u}},
		"login":     &loginPage{Fields: fields(nil, nil, loginFields...)},
		"password":  &passwordPage{base: base{User: u}, Fields: fields(nil, nil, passwordFields...)},
		"queue":     &queuePage{base: base{User: u}, Fields: fields(nil, nil, filterFields...), Counts: []countView{{}}, Rows: []rowView{{}}, Bulk: &bulkForm{}},
		"request":   &requestPage{base: base{User: u}, History: []eventView{{}}, Notifications: []notificationView{{}}, Form: &changeForm{Fields: fields(nil, nil, changeFields...)}},
		"run-sheet": &runSheetPage{base: base{User: u}, Groups: []groupView{{Rows: []rowView{{}}}}},
		"accounts":  &accountsPage{base: base{User: u}, Accounts: []accountView{{}}, Fields: fields(nil, nil, accountFields...)},
		"audit":     &auditPage{base: base{User: u}, Fields: fields(nil, nil, auditFields...), Entries: []auditView{{}}},
		"services":  &servicesPage{base: base{User: u}, Services: []serviceView{{}}},
		"dashboard": &dashboardPage{base: base{User: u}, Fields: fields(nil, nil, periodFields...), Periods: []option{{}},
			Crumbs: []crumbView{{}}, Headline: []figureView{{}}, TrendRows: []trendView{{}}, AgeRows: []ageView{{}},
			Columns: []columnView{{}}, Children: []figuresRowView{{}}, Services: []figuresRowView{{}}, DeskLinks: []linkView{{}}, Downloads: []linkView{{}}},
	}
}
