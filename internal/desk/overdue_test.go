package desk_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// TestOverdueListsMatchTheDashboard: with services of different targets, requests made
// around IST hour boundaries and some of them moved on, the desk filtered to the overdue
// requests of a unit (or of a service) lists exactly as many as the dashboard counts overdue
// there, at several moments, on both backends; each listed request is overdue by the
// request rule, and the counts by status add up to the same number.
func TestOverdueListsMatchTheDashboard(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		admin := w.Actors["admin"]
		for code, hours := range map[string]int{"aeps_cash": 6, "pli_premium": 24, "article_booking": 1} {
			if err := w.Desk.SetServiceTarget(ctx, admin, code, hours); err != nil {
				t.Fatal(err)
			}
		}
		services := []string{"aeps_cash", "pli_premium", "emoney_order", "article_booking"}
		pincodes := []string{"282001", "281001", "110001"} // Agra, Mathura, New Delhi GPO Divisions
		own := map[string]string{"282001": "agra", "281001": "mathura"}
		hour := dashboard.HourOf(start).Start()
		at := start
		var open []request.Request // still open, to judge the rule at their edges
		for i := range 60 {
			// Mostly minutes apart; some right at the start of an IST hour or a millisecond
			// before it, where the rule turns.
			switch i % 6 {
			case 0:
				at = hour.Add(time.Duration(i) * time.Hour)
			case 1:
				at = hour.Add(time.Duration(i)*time.Hour - time.Millisecond)
			default:
				at = at.Add(37*time.Minute + time.Duration(i)*time.Second)
			}
			w.SetTime(at)
			pincode := pincodes[i%len(pincodes)]
			res, err := w.Intake.Submit(ctx, request.Submission{Name: "Kamla Devi", Address: "14 Sadar Bazaar, near the clock tower",
				Pincode: pincode, Email: "kamla@example.com", Mobile: fmt.Sprintf("98111%05d", i), Service: services[i%len(services)],
				Language: "hi"}, "")
			if err != nil {
				t.Fatal(err)
			}
			actor, ok := w.Actors[own[pincode]]
			if !ok || i%5 > 2 {
				open = append(open, res.Request)
			}
			if !ok {
				continue
			}
			ref := string(res.Request.Reference)
			steps := map[int][]request.Status{0: {request.StatusInProgress}, 1: {request.StatusInProgress, request.StatusCompleted},
				2: {request.StatusCancelled}}[i%5]
			for _, to := range steps {
				if _, err := w.Desk.Change(ctx, actor, ref, request.Change{To: to}, desk.AnyVersion); err != nil {
					t.Fatal(err)
				}
			}
		}
		all, err := w.Catalogue.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		target := map[string]time.Duration{}
		for _, svc := range all {
			target[svc.Code] = svc.Target()
		}
		// overdueListed lists the overdue requests as the desk does for actor, checks the page
		// against the counts and the request rule, and returns how many there are.
		overdueListed := func(username string, f desk.Filter) int64 {
			t.Helper()
			f.Overdue, f.Limit = true, desk.MaxPageSize
			page, err := w.Desk.List(ctx, w.Actors[username], f)
			if err != nil {
				t.Fatalf("%s listing %+v: %v", username, f, err)
			}
			counted := 0
			for st, n := range page.Counts {
				if st.IsFinal() && n > 0 {
					t.Errorf("%s, %+v: %d %s requests counted overdue", username, f, n, st)
				}
				counted += n
			}
			for _, r := range page.Requests {
				if !r.Overdue(target[r.ServiceCode], w.Now()) {
					t.Errorf("%s, %+v: %s (%s, %s, made %v) is listed but not overdue", username, f, r.Reference, r.ServiceCode, r.Status, r.CreatedAt)
				}
			}
			if counted != len(page.Requests) || page.Next != "" {
				t.Errorf("%s, %+v: %d listed, %d counted, next %q", username, f, len(page.Requests), counted, page.Next)
			}
			return int64(len(page.Requests))
		}
		last := at
		nows := []time.Time{last, last.Add(30 * time.Minute), hour.Add(70 * time.Hour), hour.Add(70*time.Hour - time.Millisecond),
			last.Add(25 * time.Hour), last.Add(49 * time.Hour)}
		// Where the rule turns for an open request: past its expected time but not yet past
		// the end of its hour plus the target (not overdue yet), and at that end.
		for _, r := range open[:8] {
			turns := dashboard.HourOf(r.CreatedAt).Start().Add(time.Hour + target[r.ServiceCode])
			nows = append(nows, request.ExpectedBy(r.CreatedAt, target[r.ServiceCode]).Add(time.Millisecond), turns.Add(-time.Millisecond), turns)
		}
		for _, now := range nows {
			w.SetTime(now)
			period, err := dashboard.ParsePeriod(dashboard.Period30Days, "", "", now)
			if err != nil {
				t.Fatal(err)
			}
			total := int64(0)
			for username, key := range map[string]string{"admin": "india", "up.circle": "circle:Uttar Pradesh Circle",
				"agra.region": "region:Agra Region", "agra": "division:Agra Division"} {
				fig, err := w.Dashboard.View(ctx, w.Actors[username].Account, key, period)
				if err != nil {
					t.Fatal(err)
				}
				if got := overdueListed(username, desk.Filter{}); got != fig.Total.Overdue {
					t.Errorf("at %v, %s's desk lists %d overdue, its dashboard counts %d", now, username, got, fig.Total.Overdue)
				}
				if username == "admin" {
					total = fig.Total.Overdue
				}
				for _, row := range fig.Children {
					f := desk.Filter{Division: row.Unit.Name}
					if row.Unit.Level == dashboard.RegionLevel {
						f = desk.Filter{Region: row.Unit.Name}
					}
					if row.Unit.Level == dashboard.CircleLevel {
						continue // the desk narrows to Divisions and Regions
					}
					if got := overdueListed(username, f); got != row.Overdue {
						t.Errorf("at %v, %s's desk lists %d overdue in %s, the dashboard counts %d", now, username, got, row.Unit.Name, row.Overdue)
					}
				}
				for _, row := range fig.ByService {
					if got := overdueListed(username, desk.Filter{Service: row.Service.Code}); got != row.Overdue {
						t.Errorf("at %v, %s's desk lists %d overdue of %s, the dashboard counts %d", now, username, got, row.Service.Code, row.Overdue)
					}
				}
			}
			t.Logf("at %v: %d overdue in India", now, total)
			if now.Equal(last.Add(49*time.Hour)) && total == 0 {
				t.Error("nothing overdue two days after the last request: the test proves nothing")
			}
		}
	})
}

// TestDivisionAndRegionFilters: a unit asked for must be in the account's part of the
// hierarchy; an unknown one gets the directory's closest names; the filters survive in
// the links' query string.
func TestDivisionAndRegionFilters(t *testing.T) {
	w := newWorld(t, testenv.SQLite(t))
	ctx := context.Background()
	agraReq := w.Submit(t, "282001", "9811111111")
	w.Submit(t, "281001", "9822222222")
	w.Submit(t, "110001", "9833333333")
	refused := map[string]struct {
		filter desk.Filter
		field  string
		msg    string
	}{
		"mathura":      {desk.Filter{Division: "Agra Division"}, desk.ParamDivision, "Agra Division is outside your part of the hierarchy (Division staff: Mathura Division)."},
		"agra.region":  {desk.Filter{Division: "New Delhi GPO Division"}, desk.ParamDivision, "outside your part of the hierarchy (Region: Agra Region)"},
		"up.circle":    {desk.Filter{Region: "Agra Regoin"}, desk.ParamRegion, `There is no Region named "Agra Regoin" in the postal directory. Did you mean: Agra Region`},
		"delhi.circle": {desk.Filter{Region: "Agra Region"}, desk.ParamRegion, "Agra Region is outside your part of the hierarchy"},
		"agra":         {desk.Filter{Region: "Agra Region"}, desk.ParamRegion, "outside your part"},
		"admin":        {desk.Filter{Division: "Nowhere Division"}, desk.ParamDivision, `There is no Division named "Nowhere Division"`},
	}
	for name, c := range refused {
		_, err := w.Desk.List(ctx, w.Actors[name], c.filter)
		var invalid *request.ValidationError
		if !errors.As(err, &invalid) || !strings.Contains(invalid.Fields[c.field], c.msg) {
			t.Errorf("%s asking for %+v: %v, want %q on %s", name, c.filter, err, c.msg, c.field)
		}
		if _, err := w.Desk.Export(ctx, w.Actors[name], c.filter, "csv"); !errors.As(err, &invalid) {
			t.Errorf("%s exporting %+v: %v, want the same refusal", name, c.filter, err)
		}
	}
	for name, f := range map[string]desk.Filter{"agra": {Division: "agra  division"}, "agra.region": {Division: "Agra Division"},
		"up.circle": {Region: "AGRA REGION", Division: "Agra Division"}, "admin": {Division: "Agra Division"}} {
		page, err := w.Desk.List(ctx, w.Actors[name], f)
		if err != nil || len(page.Requests) != 1 || page.Requests[0].ID != agraReq.ID || page.Counts[request.StatusSubmitted] != 1 {
			t.Errorf("%s asking for %+v: %+v, %v; want Agra's request alone", name, f, page, err)
		}
	}
	if page, _ := w.Desk.List(ctx, w.Actors["up.circle"], desk.Filter{Region: "Agra Region"}); len(page.Requests) != 2 {
		t.Errorf("the Circle asking for Agra Region: %d requests, want Agra's and Mathura's", len(page.Requests))
	}
	v, _ := url.ParseQuery("division=Agra+Division&region=Agra+Region&overdue=1&status=all")
	f, errs := desk.ParseFilter(v)
	if len(errs) > 0 || !f.Overdue || f.Division != "Agra Division" || f.Region != "Agra Region" {
		t.Fatalf("ParseFilter: %+v, %v", f, errs)
	}
	if got := f.Values().Encode(); got != "division=Agra+Division&overdue=1&region=Agra+Region&status=all" {
		t.Errorf("Values = %s", got)
	}
	v, _ = url.ParseQuery("overdue=yes")
	if _, errs := desk.ParseFilter(v); errs[desk.ParamOverdue] == "" {
		t.Errorf("overdue=yes: %v", errs)
	}
}
