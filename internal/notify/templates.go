package notify

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"github.com/doorstep-post/doorstep/internal/request"
)

// The templates, one file per kind and language:
//
//	templates/sms/LANG/KIND.txt      text/template; whitespace runs become one space
//	templates/email/LANG/KIND.txt    text/template; {{define "subject"}} and the text part
//	templates/email/LANG/KIND.html   html/template; {{define "content"}}, put in layout.html
//	templates/sms.json               the DLT template id of each SMS, by kind and language
//
// Every template sees a view (below), not Data: its fields are already in the message's
// language and format.
//
//go:embed templates
var files embed.FS

// SMSRemarksMax is how many characters of remarks an SMS carries; longer remarks are cut
// (e-mails carry them whole). It keeps every SMS within SMSMaxSegments parts.
const SMSRemarksMax = 60

// SMSMaxSegments is how many parts an SMS may take: the templates are written to fit with
// the longest data, and remarks are cut further if they would not.
const SMSMaxSegments = 2

// emailKinds are the kinds that have an e-mail.
var emailKinds = []Kind{KindSubmitted, KindCompleted, KindNotServiceable}

type key struct {
	kind Kind
	lang request.Language
}

type email struct {
	text *texttemplate.Template // the text part; "subject" is the subject
	html *htmltemplate.Template // "layout" is the HTML part
}

// Templates are every message, parsed.
type Templates struct {
	sms        map[key]*texttemplate.Template
	templateID map[key]string
	email      map[key]email
}

// view is what a template sees.
type view struct {
	Lang      string // "en" or "hi"
	Hindi     bool   // Lang is "hi" (a field is read faster than eq is called)
	Subject   string // the rendered subject, for the HTML title
	Reference string // DS-XXXXX-XXXXX
	Service   string // the service's name in the language
	Division  string
	Status    string // the status label in the language
	Remarks   string
	Date      string // At in IST, like 27 Nov 2026
	TrackURL  string
	Code      string
}

// LoadTemplates parses every template and renders each once with sample data, so that a
// broken template stops the start instead of the first message.
func LoadTemplates() (*Templates, error) {
	t := &Templates{sms: map[key]*texttemplate.Template{}, templateID: map[key]string{}, email: map[key]email{}}
	for _, lang := range Languages {
		for _, kind := range Kinds {
			name := fmt.Sprintf("templates/sms/%s/%s.txt", lang, kind)
			tpl, err := texttemplate.New(fmt.Sprintf("%s.txt", kind)).ParseFS(files, name)
			if err != nil {
				return nil, fmt.Errorf("notify: %w", err)
			}
			t.sms[key{kind, lang}] = tpl
		}
		for _, kind := range emailKinds {
			base := fmt.Sprintf("templates/email/%s/%s", lang, kind)
			text, err := texttemplate.New(fmt.Sprintf("%s.txt", kind)).ParseFS(files, base+".txt")
			if err != nil {
				return nil, fmt.Errorf("notify: %w", err)
			}
			if text.Lookup("subject") == nil {
				return nil, fmt.Errorf("notify: %s.txt defines no subject", base)
			}
			html, err := htmltemplate.ParseFS(files, "templates/email/layout.html", base+".html")
			if err != nil {
				return nil, fmt.Errorf("notify: %w", err)
			}
			if html.Lookup("content") == nil {
				return nil, fmt.Errorf("notify: %s.html defines no content", base)
			}
			t.email[key{kind, lang}] = email{text: text, html: html}
		}
	}
	if err := t.loadTemplateIDs(); err != nil {
		return nil, err
	}
	sample := Data{
		Reference: "DS7KQ4M9XP3C", Service: request.Service{Name: "e-Money Order", NameHi: "ई-मनी ऑर्डर"},
		Division: "New Delhi GPO Division", Status: request.StatusInProgress, Remarks: "Sample remarks",
		At: time.Date(2026, 11, 27, 10, 0, 0, 0, request.IST), TrackURL: "https://doorstep.example/track", Code: "123456",
	}
	for k := range t.sms {
		if _, err := t.SMS(k.kind, k.lang, sample); err != nil {
			return nil, err
		}
	}
	for k := range t.email {
		if _, err := t.Email(k.kind, k.lang, sample); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// loadTemplateIDs reads templates/sms.json: {"KIND": {"LANG": {"template_id": "..."}}}.
func (t *Templates) loadTemplateIDs() error {
	raw, err := files.ReadFile("templates/sms.json")
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	var ids map[Kind]map[request.Language]struct {
		TemplateID string `json:"template_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ids); err != nil {
		return fmt.Errorf("notify: templates/sms.json: %w", err)
	}
	for kind, langs := range ids {
		for lang, meta := range langs {
			if _, ok := t.sms[key{kind, lang}]; !ok {
				return fmt.Errorf("notify: templates/sms.json: there is no %s SMS in language %q", kind, lang)
			}
			if strings.Trim(meta.TemplateID, "0123456789") != "" {
				return fmt.Errorf("notify: templates/sms.json: %s/%s: a DLT template id has digits only", kind, lang)
			}
			t.templateID[key{kind, lang}] = meta.TemplateID
		}
	}
	return nil
}

// HasEmail reports whether a kind of message has an e-mail.
func (t *Templates) HasEmail(kind Kind) bool {
	_, ok := t.email[key{kind, request.English}]
	return ok
}

// SMS renders the SMS of a kind in a language. The caller fills in ID and To.
func (t *Templates) SMS(kind Kind, lang request.Language, d Data) (SMS, error) {
	tpl, ok := t.sms[key{kind, lang}]
	if !ok {
		return SMS{}, fmt.Errorf("%w: %s SMS in language %q", ErrNoTemplate, kind, lang)
	}
	v, err := newView(kind, lang, d)
	if err != nil {
		return SMS{}, err
	}
	remarks := []rune(strings.Join(strings.Fields(v.Remarks), " "))
	limit := SMSRemarksMax
	var text string
	for {
		v.Remarks = cut(remarks, limit)
		var b strings.Builder
		if err := tpl.Execute(&b, v); err != nil {
			return SMS{}, fmt.Errorf("notify: %s SMS in %s: %w", kind, lang, err)
		}
		text = b.String()
		if lang == request.English {
			text = gsmFold.Replace(text)
		}
		text = strings.Join(strings.Fields(text), " ")
		// Remarks in another script make an English SMS UCS-2, with less than half the
		// room: they are cut further rather than let the SMS grow past SMSMaxSegments.
		if _, n := Segments(text); n <= SMSMaxSegments || len(remarks) == 0 || limit <= 10 {
			break
		}
		limit = min(limit, len(remarks)) - 5
	}
	m := SMS{Kind: kind, Language: lang, Text: text, TemplateID: t.templateID[key{kind, lang}]}
	m.Encoding, m.Segments = Segments(text)
	return m, nil
}

// Email renders the e-mail of a kind in a language; ErrNoTemplate when the kind has none.
// The caller fills in ID and To.
func (t *Templates) Email(kind Kind, lang request.Language, d Data) (Email, error) {
	tpl, ok := t.email[key{kind, lang}]
	if !ok {
		return Email{}, fmt.Errorf("%w: %s e-mail in language %q", ErrNoTemplate, kind, lang)
	}
	v, err := newView(kind, lang, d)
	if err != nil {
		return Email{}, err
	}
	v.Remarks = strings.TrimSpace(v.Remarks)
	var subject, text, html strings.Builder
	if err := tpl.text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return Email{}, fmt.Errorf("notify: %s e-mail in %s: %w", kind, lang, err)
	}
	// A subject is one line, whatever the data holds.
	v.Subject = strings.Join(strings.Fields(subject.String()), " ")
	if err := tpl.text.Execute(&text, v); err != nil {
		return Email{}, fmt.Errorf("notify: %s e-mail in %s: %w", kind, lang, err)
	}
	if err := tpl.html.ExecuteTemplate(&html, "layout", v); err != nil {
		return Email{}, fmt.Errorf("notify: %s e-mail in %s: %w", kind, lang, err)
	}
	return Email{Kind: kind, Language: lang, Subject: v.Subject, Text: text.String(), HTML: html.String()}, nil
}

// newView checks that d has what the kind needs and puts it in the language's words.
func newView(kind Kind, lang request.Language, d Data) (view, error) {
	v := view{
		Lang:      string(lang),
		Hindi:     lang == request.Hindi,
		Reference: d.Reference.String(),
		Service:   d.Service.Name,
		Division:  strings.TrimSpace(d.Division),
		Remarks:   d.Remarks,
		TrackURL:  d.TrackURL,
		Code:      d.Code,
	}
	if lang == request.Hindi && d.Service.NameHi != "" {
		v.Service = d.Service.NameHi
	}
	if d.Status != "" {
		v.Status = statusLabel(d.Status, lang)
	}
	if !d.At.IsZero() {
		v.Date = d.At.In(request.IST).Format("2 Jan 2006")
	}
	var missing []string
	need := func(ok bool, field string) {
		if !ok {
			missing = append(missing, field)
		}
	}
	if kind != KindOTP {
		need(d.Reference != "", "Reference")
	}
	switch kind {
	case KindSubmitted:
		need(v.Service != "", "Service")
		need(v.Division != "", "Division")
		need(v.TrackURL != "", "TrackURL")
	case KindStatusChanged:
		need(v.Status != "", "Status")
	case KindCompleted:
		need(v.Date != "", "At")
	case KindOTP:
		need(v.Code != "", "Code")
	}
	if missing != nil {
		return v, fmt.Errorf("notify: a %s message needs %s", kind, strings.Join(missing, " and "))
	}
	return v, nil
}

// statusLabel is a status as a customer reads it in the language.
func statusLabel(s request.Status, lang request.Language) string {
	if lang == request.Hindi {
		switch s {
		case request.StatusSubmitted:
			return "दर्ज"
		case request.StatusInProgress:
			return "कार्य प्रगति पर"
		case request.StatusCompleted:
			return "पूरा हुआ"
		case request.StatusNotServiceable:
			return "सेवा संभव नहीं"
		case request.StatusCancelled:
			return "रद्द"
		}
	}
	return s.Label()
}

// cut shortens s to at most max characters, marking the cut with "...". It cuts after a
// word when one ends in the second half, and never between a letter and its marks (a
// Devanagari vowel sign or virama).
func cut(s []rune, max int) string {
	if len(s) <= max {
		return string(s)
	}
	end := max - 3
	for i := end; i > end/2; i-- {
		if unicode.IsSpace(s[i]) {
			end = i
			break
		}
	}
	for end > 0 && unicode.Is(unicode.M, s[end]) {
		end--
	}
	return strings.TrimRightFunc(string(s[:end]), func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(".,;:-", r) }) + "..."
}
