package catalogue_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/catalogue"
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
