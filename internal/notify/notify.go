// Package notify is what customers are sent and how it leaves the building: the SMS and
// e-mail texts in English and Hindi (embedded templates), SMS segment counting, and the
// gateways that hand a message over: an HTTP SMS gateway, an SMTP server, and a local outbox
// file for a laptop with neither.
//
// There is no queue here. The caller (a job worker) renders a message and calls a gateway
// once per attempt; retries and backoff are the queue's business. A gateway error wrapping
// ErrPermanent says a retry of the same message cannot succeed.
//
// Messages carry an ID chosen by the caller that stays the same across retries of one
// message: the SMS gateway receives it (and an Idempotency-Key header), and an e-mail's
// Message-ID is derived from it, so a message sent twice can be recognised as one.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/request"
)

// Kind is the occasion of a message.
type Kind string

// The kinds of message. Every kind has an SMS; submitted, completed and not_serviceable also
// have an e-mail.
const (
	KindSubmitted      Kind = "submitted"
	KindStatusChanged  Kind = "status_changed"
	KindCompleted      Kind = "completed"
	KindNotServiceable Kind = "not_serviceable"
	KindCancelled      Kind = "cancelled"
	KindOTP            Kind = "otp"
)

// Kinds are all kinds of message.
var Kinds = []Kind{KindSubmitted, KindStatusChanged, KindCompleted, KindNotServiceable, KindCancelled, KindOTP}

// Languages are the languages every message exists in.
var Languages = []request.Language{request.English, request.Hindi}

// Data is what a message is about. Which fields a kind needs is checked when it is rendered.
type Data struct {
	Reference request.Reference // canonical or printed; shown as DS-XXXXX-XXXXX
	Service   request.Service   // shown by its Name, or NameHi in Hindi
	Division  string            // the serving Division
	Status    request.Status    // status_changed: the new status, shown by its label
	Remarks   string            // the Division's remarks; for not_serviceable, the reason
	At        time.Time         // when it happened; shown as a date in IST, like 27 Nov 2026
	TrackURL  string            // where the customer can track the request
	Code      string            // otp: the one-time code
}

// Encodings of an SMS.
const (
	GSM7 = "GSM-7" // the GSM 03.38 alphabet, 7 bits a character
	UCS2 = "UCS-2" // UTF-16, as for any text outside the GSM alphabet (Hindi)
)

// SMS is a rendered text message. The caller fills ID and To.
type SMS struct {
	ID         string           // stable across retries of this message
	To         string           // the customer's mobile number, 10 digits (+91 and spaces are accepted)
	Kind       Kind             //
	Language   request.Language //
	Text       string           //
	TemplateID string           // the DLT template id registered for this text; may be empty
	Encoding   string           // GSM7 or UCS2
	Segments   int              // how many SMS parts the text takes
}

// Email is a rendered e-mail. The caller fills ID and To.
type Email struct {
	ID       string // stable across retries of this message; the Message-ID derives from it
	To       string // the customer's e-mail address
	Kind     Kind
	Language request.Language
	Subject  string
	Text     string // the text/plain part
	HTML     string // the text/html part
}

// SMSGateway hands an SMS over for delivery.
type SMSGateway interface {
	SendSMS(ctx context.Context, m SMS) error
}

// MailGateway hands an e-mail over for delivery.
type MailGateway interface {
	SendMail(ctx context.Context, m Email) error
}

// Errors.
var (
	// ErrNoTemplate: there is no such message, e.g. an e-mail for a kind that has none.
	ErrNoTemplate = errors.New("notify: no such template")
	// ErrPermanent is wrapped by gateway errors that a retry of the same message cannot
	// fix: a malformed recipient, an SMS gateway's 4xx answer (but 408, 425 and 429), an
	// SMTP 5xx reply.
	ErrPermanent = errors.New("permanent failure")
)

// DefaultTimeout is how long a gateway waits for one message when given no timeout.
const DefaultTimeout = 10 * time.Second

// NewGateways picks the gateway of each channel from the configuration: the HTTP SMS gateway
// when DOORSTEP_SMS_URL is set, the SMTP server when DOORSTEP_SMTP_URL is set, and otherwise
// the local outbox file at outboxPath (for example outbox.jsonl next to the database).
func NewGateways(cfg config.Config, outboxPath string, log *slog.Logger) (SMSGateway, MailGateway, error) {
	var outbox *Outbox
	local := func() *Outbox {
		if outbox == nil {
			outbox = NewOutbox(outboxPath, log)
		}
		return outbox
	}
	var sms SMSGateway
	smsVia := "outbox " + outboxPath
	if cfg.SMSURL != "" {
		g, err := NewHTTPSMS(cfg.SMSURL, cfg.SMSHeaders, cfg.NotifyTimeout, nil)
		if err != nil {
			return nil, nil, err
		}
		sms, smsVia = g, "gateway "+config.DisplayURL(cfg.SMSURL)
	} else {
		sms = local()
	}
	var mail MailGateway
	mailVia := "outbox " + outboxPath
	if cfg.SMTP.URL != "" {
		g, err := NewSMTP(cfg.SMTP.URL, cfg.MailFrom, cfg.NotifyTimeout)
		if err != nil {
			return nil, nil, err
		}
		mail, mailVia = g, fmt.Sprintf("SMTP %s:%d (%s)", cfg.SMTP.Host, cfg.SMTP.Port, cfg.SMTP.TLS)
	} else {
		mail = local()
	}
	if log != nil {
		log.Info("notifications", "sms", smsVia, "mail", mailVia)
	}
	return sms, mail, nil
}
