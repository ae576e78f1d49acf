package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/doorstep-post/doorstep/internal/request"
)

// A real SMTP server (emersion/go-smtp) that keeps what it receives.

type receivedMail struct {
	user, pass string // from AUTH PLAIN
	tls        bool
	from       string
	to         []string
	data       []byte
}

type mailbox struct {
	mu     sync.Mutex
	mails  []receivedMail
	reject string // a recipient refused with 550
}

func (b *mailbox) all() []receivedMail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]receivedMail(nil), b.mails...)
}

type backend struct{ box *mailbox }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{box: b.box, conn: c}, nil
}

type session struct {
	box  *mailbox
	conn *smtp.Conn
	mail receivedMail
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "doorstep" || password != "p@ss:word" {
			return errors.New("invalid credentials")
		}
		s.mail.user, s.mail.pass = username, password
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.mail.from = from; return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == s.box.reject {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user: " + to}
	}
	s.mail.to = append(s.mail.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mail.data = data
	_, s.mail.tls = s.conn.TLSConnectionState()
	s.box.mu.Lock()
	s.box.mails = append(s.box.mails, s.mail)
	s.box.mu.Unlock()
	return nil
}

func (s *session) Reset() {
	s.mail = receivedMail{user: s.mail.user, pass: s.mail.pass, tls: s.mail.tls}
}
func (s *session) Logout() error { return nil }

// startSMTP starts a server on 127.0.0.1. With cert, it offers STARTTLS, or with implicit
// speaks TLS from the first byte.
func startSMTP(t *testing.T, cert *tls.Certificate, implicit bool) (port int, box *mailbox) {
	t.Helper()
	box = &mailbox{}
	s := smtp.NewServer(backend{box})
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	var l net.Listener
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port = l.Addr().(*net.TCPAddr).Port
	if cert != nil {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
		if implicit {
			l = tls.NewListener(l, s.TLSConfig)
		}
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return port, box
}

// testCertificate is a self-signed certificate for 127.0.0.1, and a pool that trusts it.
func testCertificate(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Doorstep test SMTP"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(parsed)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func testEmail(t *testing.T, kind Kind, lang request.Language) Email {
	t.Helper()
	m, err := loadTemplates(t).Email(kind, lang, sampleData())
	if err != nil {
		t.Fatal(err)
	}
	m.ID, m.To = "DS7KQ4M9XP3C."+string(kind)+".email", "asha.devi@example.com"
	return m
}

// parsedMail is a received message, decoded.
type parsedMail struct {
	header    netmail.Header
	subject   string
	text      string
	html      string
	partTypes []string
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("unreadable mail: %v\n%s", err, data)
	}
	p := parsedMail{header: msg.Header}
	p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Errorf("subject %q: %v", msg.Header.Get("Subject"), err)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := parts.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		partType, partParams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		p.partTypes = append(p.partTypes, partType)
		if !strings.EqualFold(partParams["charset"], "UTF-8") || part.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Errorf("%s part: Content-Type %q, Content-Transfer-Encoding %q; want UTF-8, quoted-printable",
				partType, part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"))
		}
		raw, _ := io.ReadAll(part)
		if bytes.ContainsFunc(raw, func(r rune) bool { return r > 0x7f }) {
			t.Errorf("%s part is not 7-bit clean on the wire", partType)
		}
		body, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Errorf("%s part: %v", partType, err)
		}
		switch partType {
		case "text/plain":
			p.text = strings.ReplaceAll(string(body), "\r\n", "\n")
		case "text/html":
			p.html = strings.ReplaceAll(string(body), "\r\n", "\n")
		}
	}
	return p
}

func TestSMTPDeliversWithAuth(t *testing.T) {
	port, box := startSMTP(t, nil, false)
	g, err := NewSMTP(fmt.Sprintf("smtp://doorstep:p%%40ss%%3Aword@127.0.0.1:%d?tls=none", port),
		"India Post Doorstep <doorstep@example.gov.in>", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sent := []Email{testEmail(t, KindSubmitted, request.Hindi), testEmail(t, KindCompleted, request.English)}
	for _, m := range sent {
		if err := g.SendMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	got := box.all()
	if len(got) > 0 && got[0].tls {
		t.Error("tls=none, yet the mail came over TLS")
	}
	if len(got) != len(sent) {
		t.Fatalf("server received %d mails, want %d", len(got), len(sent))
	}
	for i, m := range sent {
		r := got[i]
		if r.user != "doorstep" || r.pass != "p@ss:word" {
			t.Errorf("AUTH PLAIN brought %q / %q, want the URL's credentials", r.user, r.pass)
		}
		if r.from != "doorstep@example.gov.in" || len(r.to) != 1 || r.to[0] != "asha.devi@example.com" {
			t.Errorf("envelope: from %q to %q", r.from, r.to)
		}
		p := parseMail(t, r.data)
		from, err := p.header.AddressList("From")
		if err != nil || len(from) != 1 || from[0].Address != "doorstep@example.gov.in" || from[0].Name != "India Post Doorstep" {
			t.Errorf("From = %q (%v)", p.header.Get("From"), err)
		}
		to, err := p.header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "asha.devi@example.com" {
			t.Errorf("To = %q (%v)", p.header.Get("To"), err)
		}
		if want := "<" + m.ID + "@example.gov.in>"; p.header.Get("Message-ID") != want {
			t.Errorf("Message-ID = %q, want %q", p.header.Get("Message-ID"), want)
		}
		if _, err := p.header.Date(); err != nil {
			t.Errorf("Date: %v", err)
		}
		if p.subject != m.Subject {
			t.Errorf("Subject decodes to %q, want %q", p.subject, m.Subject)
		}
		if m.Language == request.Hindi && !strings.HasPrefix(p.header.Get("Subject"), "=?UTF-8?") {
			t.Errorf("Hindi subject is not MIME-encoded: %q", p.header.Get("Subject"))
		}
		if strings.Join(p.partTypes, ",") != "text/plain,text/html" {
			t.Errorf("parts = %v, want text/plain and text/html", p.partTypes)
		}
		if p.text != strings.ReplaceAll(m.Text, "\r\n", "\n") || p.html != m.HTML {
			t.Errorf("bodies differ from what was sent:\n%s\n---\n%s", p.text, p.html)
		}
		if m.Language == request.Hindi && !strings.Contains(p.text, "आपका अनुरोध दर्ज हो गया है।") {
			t.Errorf("Hindi text did not survive:\n%s", p.text)
		}
	}

	// A retry of the same message carries the same Message-ID.
	if err := g.SendMail(context.Background(), sent[0]); err != nil {
		t.Fatal(err)
	}
	again := box.all()
	first, retry := parseMail(t, again[0].data), parseMail(t, again[2].data)
	if first.header.Get("Message-ID") != retry.header.Get("Message-ID") {
		t.Errorf("a retry has Message-ID %q, the first try %q", retry.header.Get("Message-ID"), first.header.Get("Message-ID"))
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	port, box := startSMTP(t, nil, false)
	g, err := NewSMTP(fmt.Sprintf("smtp://doorstep:wrong@127.0.0.1:%d?tls=none", port), "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = g.SendMail(context.Background(), testEmail(t, KindSubmitted, request.English))
	if err == nil || len(box.all()) != 0 {
		t.Fatalf("sent with a wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	cert, pool := testCertificate(t)
	port, box := startSMTP(t, cert, false)
	g, err := NewSMTP(fmt.Sprintf("smtp://doorstep:p%%40ss%%3Aword@127.0.0.1:%d?starttls=required", port), "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	g.rootCAs = pool
	if err := g.SendMail(context.Background(), testEmail(t, KindSubmitted, request.English)); err != nil {
		t.Fatal(err)
	}
	got := box.all()
	if len(got) != 1 || !got[0].tls || got[0].user != "doorstep" {
		t.Fatalf("received %+v", got)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	cert, pool := testCertificate(t)
	port, box := startSMTP(t, cert, true)
	g, err := NewSMTP(fmt.Sprintf("smtps://doorstep:p%%40ss%%3Aword@127.0.0.1:%d", port), "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	g.rootCAs = pool
	if err := g.SendMail(context.Background(), testEmail(t, KindSubmitted, request.Hindi)); err != nil {
		t.Fatal(err)
	}
	got := box.all()
	if len(got) != 1 || !got[0].tls || got[0].pass != "p@ss:word" {
		t.Fatalf("received %+v", got)
	}

	// The same server is not trusted without its certificate in the pool.
	g.rootCAs = nil
	if err := g.SendMail(context.Background(), testEmail(t, KindSubmitted, request.Hindi)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
}

func TestSMTPRequiredStartTLSMissing(t *testing.T) {
	port, box := startSMTP(t, nil, false) // offers no STARTTLS
	g, err := NewSMTP(fmt.Sprintf("smtp://doorstep:p%%40ss%%3Aword@127.0.0.1:%d?starttls=required", port), "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = g.SendMail(context.Background(), testEmail(t, KindSubmitted, request.English))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || len(box.all()) != 0 {
		t.Errorf("error = %v (%d mails received); want a refusal to go on without STARTTLS", err, len(box.all()))
	}
}

func TestSMTPRecipientRefused(t *testing.T) {
	port, box := startSMTP(t, nil, false)
	box.reject = "asha.devi@example.com"
	g, err := NewSMTP(fmt.Sprintf("smtp://127.0.0.1:%d", port), "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = g.SendMail(context.Background(), testEmail(t, KindSubmitted, request.English))
	if !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "550") {
		t.Errorf("error = %v, want a permanent 550", err)
	}
	if err != nil && strings.Contains(err.Error(), "asha.devi@") {
		t.Errorf("error shows the address: %v", err)
	}
}

func TestSMTPServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	g, err := NewSMTP(fmt.Sprintf("smtp://doorstep:secret@127.0.0.1:%d", port), "", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = g.SendMail(context.Background(), testEmail(t, KindSubmitted, request.English))
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("error %v after %v; want one within the 2s timeout", err, time.Since(start))
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("error shows the password: %v", err)
	}
}

// A server that accepts the connection and never says a word: the timeout ends it.
func TestSMTPServerSilent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	g, err := NewSMTP(fmt.Sprintf("smtp://%s", l.Addr()), "", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = g.SendMail(context.Background(), testEmail(t, KindSubmitted, request.English))
	if took := time.Since(start); err == nil || took > 2*time.Second {
		t.Errorf("error %v after %v; want one after about 300ms", err, took)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want a timeout", err)
	}
}

func TestMessageID(t *testing.T) {
	if got := messageID("DS7KQ4M9XP3C.submitted.email", "example.gov.in"); got != "DS7KQ4M9XP3C.submitted.email@example.gov.in" {
		t.Errorf("messageID = %q", got)
	}
	a, b := messageID("job 12/<x>", "d"), messageID("job 12/<y>", "d")
	if a == b || strings.ContainsAny(a, " /<>") || a != messageID("job 12/<x>", "d") {
		t.Errorf("unsafe IDs: %q, %q", a, b)
	}
}
