package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Sender turns a saved notification into a message and hands it to its gateway. The job
// queue calls Deliver once per attempt; the message id is the same on every attempt.
type Sender struct {
	// Services names the services messages are about.
	Services  Services
	Templates *Templates
	SMS       SMSGateway
	Mail      MailGateway
	// PublicURL is where customers reach the portal, for tracking links.
	PublicURL string
}

// Services is the service catalogue (catalogue.Catalogue): a message names the service of
// its request, switched off since or not.
type Services interface {
	Service(ctx context.Context, code string) (request.Service, bool, error)
}

// Deliver implements the job queue's Deliverer.
func (s *Sender) Deliver(ctx context.Context, n store.Notification, about *request.Request) error {
	data, err := s.data(ctx, n, about)
	if err != nil {
		return err
	}
	switch n.Channel {
	case "sms":
		m, err := s.Templates.SMS(Kind(n.Kind), n.Language, data)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		m.ID, m.To = n.MessageID(), n.Recipient
		return s.SMS.SendSMS(ctx, m)
	case "email":
		m, err := s.Templates.Email(Kind(n.Kind), n.Language, data)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		m.ID, m.To = n.MessageID(), n.Recipient
		return s.Mail.SendMail(ctx, m)
	}
	return fmt.Errorf("%w: unknown channel %q", ErrPermanent, n.Channel)
}

// data gathers what the message says from the request as it is now.
func (s *Sender) data(ctx context.Context, n store.Notification, req *request.Request) (Data, error) {
	if Kind(n.Kind) == KindOTP {
		if n.Secret == "" {
			return Data{}, fmt.Errorf("%w: notification %d has no code", ErrPermanent, n.ID)
		}
		return Data{Code: n.Secret, At: n.CreatedAt}, nil
	}
	if req == nil {
		return Data{}, fmt.Errorf("%w: notification %d has no request", ErrPermanent, n.ID)
	}
	svc, _, err := s.Services.Service(ctx, req.ServiceCode)
	if err != nil {
		return Data{}, err
	}
	d := Data{Reference: req.Reference, Service: svc, Division: req.Division, Status: req.Status, At: n.CreatedAt,
		TrackURL: strings.TrimRight(s.PublicURL, "/") + "/track"}
	// A status message says what happened then, though the request may have moved on since.
	if n.RequestStatus != "" {
		d.Status = n.RequestStatus
	}
	// The remarks of the change this message is about: the last history entry of its status.
	for _, e := range req.History {
		if e.Status == d.Status {
			d.Remarks, d.At = e.Remarks, e.At
		}
	}
	if Kind(n.Kind) == KindSubmitted {
		d.At = req.CreatedAt
	}
	return d, nil
}

// Permanent reports whether err is a failure that retrying the same message cannot fix.
func Permanent(err error) bool { return errors.Is(err, ErrPermanent) }
