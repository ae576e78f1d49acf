// Package catalogue owns the catalogue of services customers can ask for: reading it,
// keeping it in memory, switching a service on or off and setting its target time. The portal, the API, intake, the
// desk, the admin pages and the messages all read it through one Catalogue, so a switch is
// seen at once by everything on the instance that made it.
package catalogue

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

// TTL is how long the catalogue is kept in memory. Reading it from the database on every
// submission and lookup was a third of a lookup's cost. A switch made on this instance is
// seen here at once; one made on another instance reaches this one within TTL.
const TTL = 30 * time.Second

// ErrUnknownService: no service has that code.
var ErrUnknownService = errors.New("no such service")

// Store is where the catalogue is kept.
type Store interface {
	// Services lists the whole catalogue, active or not, in display order.
	Services(ctx context.Context) ([]request.Service, error)
	// SetServiceActive switches a service on or off.
	SetServiceActive(ctx context.Context, code string, active bool) error
	// SetServiceTarget sets a service's target time in hours.
	SetServiceTarget(ctx context.Context, code string, hours int) error
}

// Catalogue is the service catalogue of one instance. It is safe for concurrent use.
type Catalogue struct {
	store    Store
	now      func() time.Time
	snapshot atomic.Pointer[snapshot]
}

// snapshot is the catalogue as read at one moment; never modified once stored.
type snapshot struct {
	all      []request.Service
	active   []request.Service
	byCode   map[string]request.Service
	loadedAt time.Time
}

// New returns the catalogue kept in st, on the wall clock.
func New(st Store) *Catalogue { return &Catalogue{store: st, now: time.Now} }

// WithClock returns a catalogue over the same store that reads the time from now, with a
// cache of its own; tests use it to play a second instance and to move past TTL.
func (c *Catalogue) WithClock(now func() time.Time) *Catalogue {
	return &Catalogue{store: c.store, now: now}
}

func (c *Catalogue) load(ctx context.Context) (*snapshot, error) {
	now := c.now()
	if s := c.snapshot.Load(); s != nil && now.Sub(s.loadedAt) < TTL && !now.Before(s.loadedAt) {
		return s, nil
	}
	all, err := c.store.Services(ctx)
	if err != nil {
		return nil, err
	}
	s := &snapshot{all: all, byCode: make(map[string]request.Service, len(all)), loadedAt: now}
	for _, svc := range all {
		s.byCode[svc.Code] = svc
		if svc.Active {
			s.active = append(s.active, svc)
		}
	}
	c.snapshot.Store(s)
	return s, nil
}

// All lists every service, inactive ones too, in display order: a request keeps the
// service it was made for after that service is switched off. The slice is shared: callers
// must not modify it.
func (c *Catalogue) All(ctx context.Context) ([]request.Service, error) {
	s, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	return s.all, nil
}

// Active lists the services a customer can ask for now, in display order. The slice is
// shared: callers must not modify it.
func (c *Catalogue) Active(ctx context.Context) ([]request.Service, error) {
	s, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	return s.active, nil
}

// Service returns one service, active or not; ok is false for an unknown code.
func (c *Catalogue) Service(ctx context.Context, code string) (svc request.Service, ok bool, err error) {
	s, err := c.load(ctx)
	if err != nil {
		return request.Service{}, false, err
	}
	svc, ok = s.byCode[code]
	return svc, ok, nil
}

// Name is a service's name, or its code if the catalogue has no such service.
func (c *Catalogue) Name(ctx context.Context, code string) (string, error) {
	svc, ok, err := c.Service(ctx, code)
	if err != nil || !ok {
		return code, err
	}
	return svc.Name, nil
}

// Names maps every service's code to its name.
func (c *Catalogue) Names(ctx context.Context) (map[string]string, error) {
	s, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(s.all))
	for _, svc := range s.all {
		names[svc.Code] = svc.Name
	}
	return names, nil
}

// Offered explains why a customer cannot ask for the service with this code, or returns ""
// if they can.
func (c *Catalogue) Offered(ctx context.Context, code string) (string, error) {
	svc, ok, err := c.Service(ctx, code)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return fmt.Sprintf("There is no service %q. Please choose one from the list.", code), nil
	case !svc.Active:
		return fmt.Sprintf("%q is not available at the moment. Please choose another service.", svc.Name), nil
	}
	return "", nil
}

// SetActive switches a service on or off. This instance sees it at once; others within
// TTL. ErrUnknownService for a code the catalogue does not have.
func (c *Catalogue) SetActive(ctx context.Context, code string, active bool) error {
	return c.change(ctx, code, func() error { return c.store.SetServiceActive(ctx, code, active) })
}

// SetTarget sets a service's target time in hours (request.CheckTargetHours; a
// *request.ValidationError for one out of range). This instance sees it at once; others
// within TTL. ErrUnknownService for a code the catalogue does not have.
func (c *Catalogue) SetTarget(ctx context.Context, code string, hours int) error {
	if err := request.CheckTargetHours(hours); err != nil {
		return err
	}
	return c.change(ctx, code, func() error { return c.store.SetServiceTarget(ctx, code, hours) })
}

// change makes a change to the service with this code in the store, and forgets the cached
// catalogue so that the next read on this instance sees it.
func (c *Catalogue) change(ctx context.Context, code string, write func() error) error {
	if _, ok, err := c.Service(ctx, code); err != nil {
		return err
	} else if !ok {
		// The cache may be older than a service added since: ask the database.
		c.snapshot.Store(nil)
		if _, ok, err := c.Service(ctx, code); err != nil {
			return err
		} else if !ok {
			return ErrUnknownService
		}
	}
	err := write()
	c.snapshot.Store(nil) // whatever happened, the next read asks the database
	return err
}
