package testenv

import (
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message a test SMTP server received.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Mailbox is what a test SMTP server received.
type Mailbox struct {
	mu    sync.Mutex
	mails []Mail
}

// All returns the messages received so far.
func (b *Mailbox) All() []Mail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Mail(nil), b.mails...)
}

type smtpBackend struct{ box *Mailbox }

func (b smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{box: b.box}, nil
}

type smtpSession struct {
	box  *Mailbox
	mail Mail
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error { s.mail.From = from; return nil }
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.mail.To = append(s.mail.To, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mail.Data = data
	s.box.mu.Lock()
	s.box.mails = append(s.box.mails, s.mail)
	s.box.mu.Unlock()
	return nil
}
func (s *smtpSession) Reset()        { s.mail = Mail{} }
func (s *smtpSession) Logout() error { return nil }

// SMTPServer starts a real SMTP server (emersion/go-smtp, plain text, no authentication) on
// 127.0.0.1 for one test and returns its address and what it receives.
func SMTPServer(t testing.TB) (string, *Mailbox) {
	t.Helper()
	return SMTPServerAt(t, "127.0.0.1:0")
}

// SMTPServerAt is SMTPServer on a given address, for a server that comes back where it was.
func SMTPServerAt(t testing.TB, addr string) (string, *Mailbox) {
	t.Helper()
	box := &Mailbox{}
	s := smtp.NewServer(smtpBackend{box})
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l) //nolint:errcheck // ends when the server is closed
	t.Cleanup(func() { s.Close() })
	return l.Addr().String(), box
}
