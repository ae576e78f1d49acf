package portal

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
)

const (
	navRequest    = "request"
	navTrack      = "track"
	formTokenName = "form_token"
)

// base is what the layout needs on every page.
type base struct {
	Lang  request.Language
	Title string // translated
	CSS   string // the stylesheet's URL, with its content hash
	Nav   string // navRequest, navTrack or empty: which navigation link is the current page
}

func (b *base) page() *base { return b }

// pageData is every page's data: a struct embedding base.
type pageData interface{ page() *base }

// formPage is the request form, fresh or with what was typed and what is wrong with it.
type formPage struct {
	base
	Services []serviceOption
	Values   formValues
	Errors   request.FieldErrors // translated messages by field
	Summary  []summaryItem       // the same messages, in the order of the form
	General  string              // a message about the whole form, translated
	// CodeSentTo is the masked mobile a one-time code went to; the code's field shows when
	// it is set.
	CodeSentTo string
	// Outbox is where codes go when no SMS gateway is set up, to tell the person so.
	Outbox string
}

// Field is one field's value and message, for the template.
func (f *formPage) Field(name string) fieldView {
	return fieldView{Name: name, Value: f.Values.get(name), Error: f.Errors[name]}
}

// CodeField is the one-time code's field.
func (f *formPage) CodeField() codeField {
	return codeField{fieldView: f.Field(request.FieldOTP), CodeSentTo: f.CodeSentTo, Outbox: f.Outbox}
}

// codeField is the field of a one-time code: its message, and where the code went.
type codeField struct {
	fieldView
	CodeSentTo string // masked
	Outbox     string
}

type fieldView struct {
	Name  string
	Value string
	Error string
}

// DescribedBy lists the ids of the texts describing the field, for aria-describedby: its
// hint if the template shows one, and its error message if there is one.
func (f fieldView) DescribedBy(hint bool) string {
	var ids []string
	if hint {
		ids = append(ids, f.Name+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.Name+"-error")
	}
	return strings.Join(ids, " ")
}

type serviceOption struct {
	Code        string
	Name        string
	NameHi      string
	Description string
	Checked     bool
}

type summaryItem struct {
	Anchor  string // the id of the control to jump to
	Message string
}

// formValues is what the customer typed, kept as typed so that a form with mistakes comes
// back with everything in it.
type formValues struct {
	Service  string
	Name     string
	Address  string
	Pincode  string
	Mobile   string
	Email    string
	Details  string
	Language string
	Token    string
	OTP      string
	CodeSent bool // a one-time code was sent for this form: show its field
}

// formFields are the form's fields in the order they appear; the error summary follows it.
var formFields = []string{
	request.FieldService, request.FieldName, request.FieldAddress, request.FieldPincode,
	request.FieldMobile, request.FieldEmail, request.FieldDetails, request.FieldLanguage, request.FieldOTP,
}

func formValuesFrom(form url.Values) formValues {
	return formValues{
		Service:  form.Get(request.FieldService),
		Name:     form.Get(request.FieldName),
		Address:  form.Get(request.FieldAddress),
		Pincode:  form.Get(request.FieldPincode),
		Mobile:   form.Get(request.FieldMobile),
		Email:    form.Get(request.FieldEmail),
		Details:  form.Get(request.FieldDetails),
		Language: form.Get(request.FieldLanguage),
		Token:    form.Get(formTokenName),
		OTP:      form.Get(request.FieldOTP),
		CodeSent: form.Get(codeSentName) == "1",
	}
}

// codeSentName is the hidden field saying a one-time code was sent for the form.
const codeSentName = "code_sent"

func (v formValues) get(field string) string {
	switch field {
	case request.FieldService:
		return v.Service
	case request.FieldName:
		return v.Name
	case request.FieldAddress:
		return v.Address
	case request.FieldPincode:
		return v.Pincode
	case request.FieldMobile:
		return v.Mobile
	case request.FieldEmail:
		return v.Email
	case request.FieldDetails:
		return v.Details
	case request.FieldLanguage:
		return v.Language
	case request.FieldOTP:
		return v.OTP
	}
	return ""
}

func (v formValues) submission() request.Submission {
	return request.Submission{
		Name: v.Name, Address: v.Address, Pincode: v.Pincode, Email: v.Email, Mobile: v.Mobile,
		Service: v.Service, Details: v.Details, Language: v.Language, OTP: v.OTP,
	}
}

// newFormPage puts together the form: the active services, the values, and the field
// messages translated and summarised in the order of the form.
func newFormPage(b base, services []request.Service, values formValues, errs request.FieldErrors, general string) *formPage {
	page := &formPage{base: b, Values: values, General: general, Errors: request.FieldErrors{}}
	for _, svc := range services {
		page.Services = append(page.Services, serviceOption{Code: svc.Code, Name: svc.Name, NameHi: svc.NameHi,
			Description: svc.Description, Checked: svc.Code == values.Service})
	}
	seen := make(map[string]bool, len(errs))
	for _, field := range formFields {
		msg, bad := errs[field]
		if !bad {
			continue
		}
		seen[field] = true
		msg = translate(b.Lang, msg)
		page.Errors[field] = msg
		page.Summary = append(page.Summary, summaryItem{Anchor: page.anchor(field), Message: msg})
	}
	for _, field := range slices.Sorted(maps.Keys(errs)) { // a field the form does not show: at the top only
		if !seen[field] {
			page.Summary = append(page.Summary, summaryItem{Anchor: "request-form", Message: translate(b.Lang, errs[field])})
		}
	}
	return page
}

// anchor is the id of the control a summary link jumps to: the field's input, or for a list
// of choices its first choice.
func (f *formPage) anchor(field string) string {
	switch field {
	case request.FieldService:
		if len(f.Services) == 0 {
			return "service"
		}
		return "service-" + f.Services[0].Code
	case request.FieldLanguage:
		return "language-" + string(request.English)
	}
	return field
}

// requestPage is the confirmation and status page of one request.
type requestPage struct {
	base
	Request   requestView
	Duplicate bool   // the form made no new request: an open one for the same thing exists
	Cancelled bool   // the customer has just cancelled it
	Notice    string // why what was asked was not done, translated
	// Cancel is the form to cancel the request; nil when it cannot be cancelled here.
	Cancel *cancelForm
}

// cancelForm is the cancellation of a request: first a button that sends a code to the
// request's mobile, then (once CodeSentTo is set) the code's field.
type cancelForm struct {
	Action     string
	CodeSentTo string // masked
	Outbox     string
	Error      string // what is wrong with the code typed, translated
	General    string // a message about the cancellation, translated
}

// CodeField is the one-time code's field.
func (c *cancelForm) CodeField() codeField {
	return codeField{fieldView: fieldView{Name: request.FieldOTP, Error: c.Error}, CodeSentTo: c.CodeSentTo, Outbox: c.Outbox}
}

// trackPage is the tracking form and what it found.
type trackPage struct {
	base
	Query   string        // as typed
	Error   string        // what is wrong with the query, shown at the input
	Notice  string        // nothing found
	Mobile  string        // masked, when the query was a mobile number
	Results []requestView // newest first
}

// messagePage is a page that only says something: not found, not allowed, failed.
type messagePage struct {
	base
	Heading string
	Text    string
}

// requestView is what a public page may show of a request: no address, no e-mail, no
// details; the name as initials and the mobile's last four digits.
type requestView struct {
	Reference   string // printed form, DS-XXXXX-XXXXX
	URL         string
	Service     string
	ServiceHi   string
	Status      string // the code, for a CSS class
	StatusLabel string
	Open        bool // awaiting the Division
	Initials    string
	Mobile      string // masked
	Pincode     string
	Division    string
	Region      string
	Circle      string
	Submitted   time.Time
	History     []eventView // oldest first
}

type eventView struct {
	Label string
	At    time.Time
}

// newRequestView is what public pages show of r, whose service is svc (zero if the
// catalogue has none such: then its code is shown).
func newRequestView(lang request.Language, r request.Request, svc request.Service) requestView {
	if svc.Code == "" {
		svc = request.Service{Name: r.ServiceCode}
	}
	v := requestView{
		Reference:   r.Reference.String(),
		URL:         requestURL(r.Reference),
		Service:     svc.Name,
		ServiceHi:   svc.NameHi,
		Status:      string(r.Status),
		StatusLabel: translate(lang, r.Status.Label()),
		Initials:    request.Initials(r.Name),
		Mobile:      request.MaskMobile(r.Mobile),
		Pincode:     r.Pincode,
		Division:    r.Division,
		Region:      r.Region,
		Circle:      r.Circle,
		Submitted:   r.CreatedAt,
	}
	for _, s := range request.OpenStatuses {
		v.Open = v.Open || r.Status == s
	}
	for _, e := range r.History {
		v.History = append(v.History, eventView{Label: translate(lang, e.Status.Label()), At: e.At})
	}
	return v
}

func requestURL(ref request.Reference) string {
	return "/requests/" + url.PathEscape(string(ref))
}

func cancelURL(ref request.Reference) string { return requestURL(ref) + "/cancel" }
