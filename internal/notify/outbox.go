package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

// Outbox is the gateway of a laptop with no SMS gateway or mail server: it appends each
// message, whole, as one JSON line to a file, and logs that it did (with the recipient
// masked). It implements both SMSGateway and MailGateway.
//
// The file holds full mobile numbers, e-mail addresses and texts, one-time codes included;
// it is created readable by its owner only.
type Outbox struct {
	path string
	log  *slog.Logger
	// recheck is how often the path is checked to still name the open file.
	recheck time.Duration

	mu      sync.Mutex // one line at a time
	file    *os.File   // open for appending; nil until the first message
	checked time.Time  // when path was last seen to name file
}

// OutboxEntry is one line of the outbox file.
type OutboxEntry struct {
	Time       time.Time        `json:"time"`
	Channel    string           `json:"channel"` // "sms" or "email"
	ID         string           `json:"id"`
	Kind       Kind             `json:"kind,omitempty"`
	Language   request.Language `json:"language,omitempty"`
	To         string           `json:"to"`
	Subject    string           `json:"subject,omitempty"`     // email
	Text       string           `json:"text"`                  // the SMS, or the e-mail's text part
	HTML       string           `json:"html,omitempty"`        // email
	TemplateID string           `json:"template_id,omitempty"` // sms
	Encoding   string           `json:"encoding,omitempty"`    // sms
	Segments   int              `json:"segments,omitempty"`    // sms
}

// NewOutbox makes an outbox writing to the file at path (created when first needed) and
// logging to log (nil: no log).
func NewOutbox(path string, log *slog.Logger) *Outbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Outbox{path: path, log: log, recheck: time.Second}
}

// SendSMS appends the SMS to the outbox.
func (o *Outbox) SendSMS(ctx context.Context, m SMS) error {
	err := o.append(OutboxEntry{Channel: "sms", ID: m.ID, Kind: m.Kind, Language: m.Language, To: m.To, Text: m.Text,
		TemplateID: m.TemplateID, Encoding: m.Encoding, Segments: m.Segments})
	if err != nil {
		return err
	}
	attrs := []any{"id", m.ID, "channel", "sms", "kind", m.Kind, "to", request.MaskMobile(m.To), "outbox", o.path}
	if m.Kind == KindOTP {
		// Deliberately, and only for one-time codes: the text (which holds the code and no
		// personal data) goes into the log, so that a developer without an SMS gateway can
		// sign in by reading the log. Every other message is logged without its text, which
		// may quote remarks naming a person.
		attrs = append(attrs, "text", m.Text)
	}
	o.log.InfoContext(ctx, "message sent to the local outbox", attrs...)
	return nil
}

// SendMail appends the e-mail to the outbox.
func (o *Outbox) SendMail(ctx context.Context, m Email) error {
	err := o.append(OutboxEntry{Channel: "email", ID: m.ID, Kind: m.Kind, Language: m.Language, To: m.To,
		Subject: m.Subject, Text: m.Text, HTML: m.HTML})
	if err != nil {
		return err
	}
	o.log.InfoContext(ctx, "message sent to the local outbox",
		"id", m.ID, "channel", "email", "kind", m.Kind, "to", request.MaskEmail(m.To), "outbox", o.path)
	return nil
}

func (o *Outbox) append(e OutboxEntry) error {
	if e.ID == "" {
		return fmt.Errorf("notify: %w: a message without an ID", ErrPermanent)
	}
	e.Time = time.Now().UTC()
	// Not escaping <, > and & keeps an e-mail's HTML readable in the file, and is faster.
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil { // one line, with its newline
		return fmt.Errorf("notify: outbox: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.open(e.Time); err != nil {
		return fmt.Errorf("notify: outbox: %w", err)
	}
	if _, err := o.file.Write(line.Bytes()); err != nil {
		o.file.Close()
		o.file = nil
		return fmt.Errorf("notify: outbox %s: %w", o.path, err)
	}
	return nil
}

// open keeps the file open between messages (opening and closing it for each was a third
// of the outbox's time), and opens the path again once it no longer names the open file: a
// developer removed or moved it. That is checked at most every o.recheck; o.mu is held.
func (o *Outbox) open(now time.Time) error {
	if o.file != nil {
		if now.Sub(o.checked) < o.recheck {
			return nil
		}
		if onDisk, err := os.Stat(o.path); err == nil {
			if open, err := o.file.Stat(); err == nil && os.SameFile(onDisk, open) {
				o.checked = now
				return nil
			}
		}
		o.file.Close()
		o.file = nil
	}
	f, err := os.OpenFile(o.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	o.file, o.checked = f, now
	return nil
}

// Close closes the file; a later message opens it again.
func (o *Outbox) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.file == nil {
		return nil
	}
	err := o.file.Close()
	o.file = nil
	return err
}
