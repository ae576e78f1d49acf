package catalogue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

func TestCatalogue(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		c := catalogue.New(st)
		all, err := c.All(ctx)
		if err != nil || len(all) != 7 || all[0].Code != "article_booking" {
			t.Fatalf("All: %d services, %v", len(all), err)
		}
		if err := c.SetActive(ctx, "aeps_cash", false); err != nil {
			t.Fatal(err)
		}
		active, _ := c.Active(ctx)
		all, _ = c.All(ctx)
		if len(active) != 6 || len(all) != 7 {
			t.Errorf("after switching one off: %d active of %d", len(active), len(all))
		}
		for code, want := range map[string]string{"emoney_order": "", "aeps_cash": "is not available", "made_up": "There is no service"} {
			msg, err := c.Offered(ctx, code)
			if err != nil || (want == "") != (msg == "") || !strings.Contains(msg, want) {
				t.Errorf("Offered(%s) = %q, %v; want %q", code, msg, err, want)
			}
		}
		// A request keeps its service after it is switched off: its name is still known.
		if name, err := c.Name(ctx, "aeps_cash"); err != nil || !strings.HasPrefix(name, "Cash withdrawal") {
			t.Errorf("Name of a switched-off service: %q, %v", name, err)
		}
		if name, _ := c.Name(ctx, "made_up"); name != "made_up" {
			t.Errorf("Name of an unknown service: %q, want its code", name)
		}
		names, _ := c.Names(ctx)
		if len(names) != 7 || names["emoney_order"] != "e-Money Order" {
			t.Errorf("Names = %v", names)
		}
		if err := c.SetActive(ctx, "made_up", true); !errors.Is(err, catalogue.ErrUnknownService) {
			t.Errorf("switching an unknown service: %v", err)
		}
	})
}

func TestSetTarget(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		here := catalogue.New(st).WithClock(clock)
		there := here.WithClock(clock) // another instance, with a cache of its own
		target := func(c *catalogue.Catalogue) int {
			t.Helper()
			svc, ok, err := c.Service(ctx, "aeps_cash")
			if err != nil || !ok {
				t.Fatalf("Service: %v, %v", ok, err)
			}
			return svc.TargetHours
		}
		if here, there := target(here), target(there); here != 48 || there != 48 {
			t.Fatalf("targets to begin with: %d and %d h, want the default 48", here, there)
		}
		if err := here.SetTarget(ctx, "aeps_cash", 6); err != nil {
			t.Fatal(err)
		}
		if got := target(here); got != 6 {
			t.Errorf("the instance that set the target reads %d h, want 6 at once", got)
		}
		if all, _ := here.All(ctx); all[3].Code != "aeps_cash" || all[3].Target() != 6*time.Hour {
			t.Errorf("All: %+v", all[3])
		}
		if got := target(there); got != 48 {
			t.Errorf("another instance read %d h before its cache was TTL old", got)
		}
		now = now.Add(catalogue.TTL)
		if got := target(there); got != 6 {
			t.Errorf("another instance reads %d h after TTL, want 6", got)
		}
		var invalid *request.ValidationError
		for _, hours := range []int{0, 721} {
			if err := here.SetTarget(ctx, "aeps_cash", hours); !errors.As(err, &invalid) || invalid.Fields[request.FieldTargetHours] == "" {
				t.Errorf("target %d h: %v, want a message on %s", hours, err, request.FieldTargetHours)
			}
		}
		if got := target(here); got != 6 {
			t.Errorf("after refused targets: %d h, want 6 still", got)
		}
		if err := here.SetTarget(ctx, "made_up", 24); !errors.Is(err, catalogue.ErrUnknownService) {
			t.Errorf("setting the target of an unknown service: %v", err)
		}
	})
}
