package notify

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/request"
)

// SMTP hands e-mail to an SMTP server, one connection per message. See config.ParseSMTPURL
// for the URL: smtp:// requires STARTTLS (except on localhost or with ?starttls=optional),
// smtps:// is TLS from the first byte; credentials in the URL are sent with AUTH PLAIN (or
// ?auth=login|cram-md5), and only over TLS or to localhost.
type SMTP struct {
	server  config.SMTP
	from    *netmail.Address
	domain  string // of the From address: the right side of Message-IDs
	timeout time.Duration
	rootCAs *x509.CertPool // nil: the system's; tests trust their own
}

// NewSMTP makes the gateway. from is the From address of every message (e.g.
// "Doorstep <no-reply@example.gov.in>"); timeout bounds each message from connecting to the
// server's last answer (DefaultTimeout when not positive).
func NewSMTP(rawURL, from string, timeout time.Duration) (*SMTP, error) {
	server, err := config.ParseSMTPURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP URL: %w", err)
	}
	if from == "" {
		from = "Doorstep <no-reply@localhost>"
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("notify: %q is not a From address: %w", from, err)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	domain := addr.Address[strings.LastIndexByte(addr.Address, '@')+1:]
	if domain == "" {
		domain = "doorstep"
	}
	return &SMTP{server: server, from: addr, domain: domain, timeout: timeout}, nil
}

// MessageID is the Message-ID an e-mail with this ID gets, without the angle brackets: the
// same for every retry, so that a mail delivered twice can be recognised as one.
func (g *SMTP) MessageID(id string) string {
	return messageID(id, g.domain)
}

func messageID(id, domain string) string {
	safe := id != ""
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-_+=", r)) {
			safe = false
			break
		}
	}
	if !safe || strings.HasPrefix(id, ".") || strings.HasSuffix(id, ".") || strings.Contains(id, "..") {
		sum := sha256.Sum256([]byte(id))
		id = hex.EncodeToString(sum[:16])
	}
	return id + "@" + domain
}

// SendMail sends one e-mail: From, To, Subject, Date, Message-ID, and a text/plain and a
// text/html alternative, UTF-8 in quoted-printable.
func (g *SMTP) SendMail(ctx context.Context, m Email) error {
	if m.ID == "" {
		return fmt.Errorf("notify: %w: an e-mail without an ID", ErrPermanent)
	}
	to, err := netmail.ParseAddress(m.To)
	if err != nil {
		return fmt.Errorf("notify: e-mail %s: %w: the recipient is not an e-mail address", m.ID, ErrPermanent)
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(g.from)
	msg.ToMailAddress(to)
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(g.MessageID(m.ID))
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	tlsConfig := &tls.Config{ServerName: g.server.Host, MinVersion: tls.VersionTLS12, RootCAs: g.rootCAs}
	opts := []gomail.Option{
		gomail.WithPort(g.server.Port),
		gomail.WithTimeout(g.timeout),
		gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(g.dialer(ctx, tlsConfig)),
	}
	switch g.server.TLS {
	case config.ImplicitTLS:
		opts = append(opts, gomail.WithSSL()) // the dialer does the handshake
	case config.StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case config.StartTLSOptional:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if g.server.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthType(g.server.Auth)),
			gomail.WithUsername(g.server.Username), gomail.WithPassword(g.server.Password))
	}
	client, err := gomail.NewClient(g.server.Host, opts...)
	if err != nil {
		return fmt.Errorf("notify: e-mail %s: %w", m.ID, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return g.failure(ctx, m, err)
	}
	return nil
}

// dialer connects to the server, with TLS from the start for smtps://, and closes the
// connection when ctx ends: so the timeout bounds the whole conversation, not each step.
func (g *SMTP) dialer(ctx context.Context, tlsConfig *tls.Config) gomail.DialContextFunc {
	return func(dialCtx context.Context, network, address string) (net.Conn, error) {
		var conn net.Conn
		var err error
		if g.server.TLS == config.ImplicitTLS {
			conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(dialCtx, network, address)
		} else {
			conn, err = (&net.Dialer{}).DialContext(dialCtx, network, address)
		}
		if err != nil {
			return nil, err
		}
		context.AfterFunc(ctx, func() { _ = conn.Close() })
		return conn, nil
	}
}

// failure turns a go-mail error into ours: the recipient masked (servers and go-mail quote
// it), a timeout said as one, a 5xx reply marked permanent.
func (g *SMTP) failure(ctx context.Context, m Email, err error) error {
	text := err.Error()
	if m.To != "" {
		text = strings.ReplaceAll(text, m.To, request.MaskEmail(m.To))
	}
	if to, perr := netmail.ParseAddress(m.To); perr == nil && to.Address != m.To {
		text = strings.ReplaceAll(text, to.Address, request.MaskEmail(to.Address))
	}
	where := fmt.Sprintf("SMTP server %s:%d", g.server.Host, g.server.Port)
	var netErr net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout() {
		return fmt.Errorf("notify: e-mail %s: %s gave no answer within %s (%s): %w", m.ID, where, g.timeout, text, context.DeadlineExceeded)
	}
	var sendErr *gomail.SendError
	if errors.As(err, &sendErr) && !sendErr.IsTemp() && sendErr.ErrorCode() >= 500 {
		return fmt.Errorf("notify: e-mail %s: %s refused it: %s (%w)", m.ID, where, text, ErrPermanent)
	}
	return fmt.Errorf("notify: e-mail %s: %s: %s", m.ID, where, text)
}
