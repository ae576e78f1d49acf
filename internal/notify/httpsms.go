package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/request"
)

// HTTPSMS hands SMS to a gateway that takes a JSON POST:
//
//	{"id": "...", "to": "+919876543210", "text": "...", "template_id": "...", "language": "hi"}
//
// with the configured extra headers (an API key, say) and an Idempotency-Key header holding
// the id. Any 2xx answer means accepted.
type HTTPSMS struct {
	url     string
	shown   string // url for errors, without secrets
	headers map[string]string
	timeout time.Duration
	client  *http.Client
}

// smsReasonMax is how much of a refusing gateway's answer an error quotes.
const smsReasonMax = 200

// NewHTTPSMS makes the gateway. headers are added to every request (their values are never
// shown); timeout bounds each request (DefaultTimeout when not positive); client may be nil.
func NewHTTPSMS(rawURL string, headers map[string]string, timeout time.Duration, client *http.Client) (*HTTPSMS, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("notify: SMS gateway %q is not an http:// or https:// URL", config.DisplayURL(rawURL))
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if client == nil {
		client = &http.Client{}
	}
	return &HTTPSMS{url: rawURL, shown: config.DisplayURL(rawURL), headers: headers, timeout: timeout, client: client}, nil
}

// SendSMS posts one SMS to the gateway.
func (g *HTTPSMS) SendSMS(ctx context.Context, m SMS) error {
	if m.ID == "" {
		return fmt.Errorf("notify: %w: an SMS without an ID", ErrPermanent)
	}
	mobile, problem := request.NormalizeMobile(m.To)
	if problem != "" {
		return fmt.Errorf("notify: SMS %s: %w: the recipient is not an Indian mobile number", m.ID, ErrPermanent)
	}
	body, err := json.Marshal(struct {
		ID         string           `json:"id"`
		To         string           `json:"to"`
		Text       string           `json:"text"`
		TemplateID string           `json:"template_id"`
		Language   request.Language `json:"language"`
	}{m.ID, "+91" + mobile, m.Text, m.TemplateID, m.Language})
	if err != nil {
		return fmt.Errorf("notify: SMS %s: %w", m.ID, err)
	}

	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: SMS gateway %s: %w", g.shown, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Doorstep")
	req.Header.Set("Idempotency-Key", m.ID)
	for name, value := range g.headers {
		req.Header.Set(name, value)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = g.shown // the URL may carry a key in its query
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("notify: SMS %s: gateway %s gave no answer within %s: %w", m.ID, g.shown, g.timeout, context.DeadlineExceeded)
		}
		return fmt.Errorf("notify: SMS %s: %w", m.ID, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	err = fmt.Errorf("notify: SMS %s: gateway %s answered %s: %s", m.ID, g.shown, resp.Status,
		reason(answer, "+91"+mobile, m.To, mobile))
	if permanentHTTP(resp.StatusCode) {
		return fmt.Errorf("%w (%w)", err, ErrPermanent)
	}
	return err
}

// permanentHTTP reports whether an HTTP status refuses the message for good.
func permanentHTTP(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return status >= 400 && status <= 499
}

// reason is a gateway's answer fit for an error message and a log: on one line, without the
// recipient's number, at most smsReasonMax bytes.
func reason(answer []byte, secrets ...string) string {
	s := strings.ToValidUTF8(string(answer), "?")
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, request.MaskMobile(secret))
		}
	}
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if s == "" {
		return "(no explanation)"
	}
	if len(s) > smsReasonMax {
		end := smsReasonMax
		for end > 0 && !utf8.RuneStart(s[end]) {
			end--
		}
		s = s[:end]
	}
	return s
}
