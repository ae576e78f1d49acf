package api

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// TestDashboardAPI: the figures of a unit as JSON, checked against openapi.json, scoped to
// the account's part of the hierarchy, with the period's mistakes as field errors.
func TestDashboardAPI(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		s := newStaffAPI(t, st)
		// 10:00 IST tomorrow, after the accounts were made: every request of the test is made
		// and completed that day.
		day := dashboard.DayOf(time.Now()) + 1
		s.world.SetTime(day.Start().Add(10 * time.Hour))
		first, fourth := day.String(), (day + 3).String()
		ctx := context.Background()
		agra1 := s.world.Submit(t, agraPincode, "9811100001")
		s.world.Submit(t, agraPincode, "9811100002")
		s.world.Submit(t, mathuraPincode, "9811100003")
		s.advance(5*time.Hour + 30*time.Minute)
		for _, ch := range []request.Change{{To: request.StatusInProgress, AssignedTo: "Raja Mandi SO"}, {To: request.StatusCompleted, Remarks: "Done"}} {
			if _, err := s.world.Desk.Change(ctx, s.world.Actors["agra"], agra1.Reference.String(), ch, desk.AnyVersion); err != nil {
				t.Fatal(err)
			}
		}

		region := s.login("agra.region")
		unit := url.QueryEscape("region:Agra Region")
		r := s.as(region, http.MethodGet, "/api/v1/dashboard?unit="+unit, "")
		if r.status != http.StatusOK {
			t.Fatalf("region's own dashboard: %d %s", r.status, r.body)
		}
		var f figuresJSON
		r.decode(t, &f)
		if f.Unit.Key != "region:Agra Region" || f.Period.Name != "today" || f.Period.From != first || f.Period.To != first {
			t.Errorf("unit %+v, period %+v", f.Unit, f.Period)
		}
		if len(f.Path) != 2 || f.Path[0].Key != "india" || f.Path[1].Key != "circle:Uttar Pradesh Circle" {
			t.Errorf("path %+v", f.Path)
		}
		if f.Total.Received != 3 || f.Total.Completed != 1 || f.Total.Open != 2 || f.Total.Overdue != 0 {
			t.Errorf("total %+v", f.Total)
		}
		if f.Total.CompletionRate == nil || *f.Total.CompletionRate != 1 {
			t.Errorf("completion rate %v, want 1", f.Total.CompletionRate)
		}
		if m := f.Total.Median; m == nil || m.FromHours != 5 || m.ToHours == nil || *m.ToHours != 6 {
			t.Errorf("median %+v, want 5 to 6 hours", m)
		}
		byName := map[string]figuresRowJSON{}
		for _, c := range f.Children {
			byName[c.Unit.Name] = c
		}
		if byName["Agra Division"].Received != 2 || byName["Mathura Division"].Received != 1 || byName["Mathura Division"].Median != nil {
			t.Errorf("children %+v", f.Children)
		}
		if len(f.Trend) != 1 || f.Trend[0].Received != 3 || f.Trend[0].Completed != 1 {
			t.Errorf("trend %+v", f.Trend)
		}
		if len(f.OpenByAge) != len(dashboard.AgeLabels) || f.OpenByAge[0].Open != 2 {
			t.Errorf("open by age %+v", f.OpenByAge)
		}

		// Three days on, the two open ones are overdue (the default target is 48 hours).
		s.advance(72 * time.Hour)
		r = s.as(region, http.MethodGet, "/api/v1/dashboard?unit="+unit+"&from="+first+"&to="+fourth, "")
		r.decode(t, &f)
		if f.Period.Name != "custom" || len(f.Trend) != 4 || f.Total.Received != 3 || f.Total.Overdue != 2 || f.OpenByAge[1].Open != 0 || f.OpenByAge[2].Open != 2 {
			t.Errorf("three days on: period %+v, total %+v, ages %+v", f.Period, f.Total, f.OpenByAge)
		}

		// Without unit: the account's own.
		agra := s.login("agra")
		r = s.as(agra, http.MethodGet, "/api/v1/dashboard?period=7d", "")
		r.decode(t, &f)
		if f.Unit.Key != "division:Agra Division" || f.Total.Received != 2 || len(f.Children) != 0 || len(f.Trend) != 7 {
			t.Errorf("a Division's own: unit %+v, total %+v, %d children, %d days", f.Unit, f.Total, len(f.Children), len(f.Trend))
		}

		for _, c := range []struct {
			token, query string
			status       int
			code         string
			field        string
		}{
			{agra, "unit=" + unit, http.StatusForbidden, CodeForbidden, ""},
			{region, "unit=india", http.StatusForbidden, CodeForbidden, ""},
			{region, "unit=" + url.QueryEscape("division:Mathura Division"), http.StatusOK, "", ""},
			{region, "unit=" + url.QueryEscape("division:New Delhi GPO Division"), http.StatusForbidden, CodeForbidden, ""},
			{region, "unit=" + url.QueryEscape("division:Atlantis Division"), http.StatusNotFound, CodeNotFound, ""},
			{region, "unit=nowhere", http.StatusNotFound, CodeNotFound, ""},
			{region, "period=fortnight", http.StatusUnprocessableEntity, CodeValidation, "period"},
			{region, "from=" + first + "&to=" + (day - 1).String(), http.StatusUnprocessableEntity, CodeValidation, "to"},
			{region, "from=20-11-2026&to=" + first, http.StatusUnprocessableEntity, CodeValidation, "from"},
			{region, "from=" + first + "&to=" + (day + 4).String(), http.StatusUnprocessableEntity, CodeValidation, "to"}, // the future
			{"", "unit=" + unit, http.StatusUnauthorized, CodeUnauthorized, ""},
		} {
			r := s.as(c.token, http.MethodGet, "/api/v1/dashboard?"+c.query, "")
			if r.status != c.status {
				t.Errorf("%s: %d, want %d: %s", c.query, r.status, c.status, r.body)
				continue
			}
			if c.code == "" {
				continue
			}
			p := r.problem(t)
			if p.Code != c.code || c.field != "" && p.Errors[c.field] == "" {
				t.Errorf("%s: problem %+v, want code %s with a message for %q", c.query, p, c.code, c.field)
			}
		}
	})
}
