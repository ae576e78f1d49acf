package request

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Submission is what a customer gives, as typed.
type Submission struct {
	Name     string
	Address  string
	Pincode  string
	Email    string
	Mobile   string
	Service  string
	Details  string
	Language string
	OTP      string // the one-time code sent to Mobile, when codes are required
}

// Field names used as keys of FieldErrors; they match the API's JSON fields and the form's
// input names.
const (
	FieldName     = "name"
	FieldAddress  = "address"
	FieldPincode  = "pincode"
	FieldEmail    = "email"
	FieldMobile   = "mobile"
	FieldService  = "service"
	FieldDetails  = "details"
	FieldLanguage = "language"
	FieldOTP      = "otp"
)

// Limits on what a customer may type.
const (
	NameMin    = 2
	NameMax    = 100
	AddressMin = 10
	AddressMax = 500
	DetailsMax = 500
	EmailMax   = 254
)

// FieldErrors maps a field to a message a customer understands.
type FieldErrors map[string]string

// ValidationError is returned when one or more fields are wrong.
type ValidationError struct{ Fields FieldErrors }

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for field, msg := range e.Fields {
		parts = append(parts, field+": "+msg)
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

// Normalize checks every field that needs no lookup and returns the cleaned values. Pincode
// and service are only checked for form here; whether they exist is the caller's to check
// against the directory and the catalogue, adding to the same FieldErrors.
func (s Submission) Normalize() (Submission, FieldErrors) {
	errs := FieldErrors{}
	out := Submission{}
	var msg string
	if out.Name, msg = NormalizeName(s.Name); msg != "" {
		errs[FieldName] = msg
	}
	if out.Address, msg = NormalizeAddress(s.Address); msg != "" {
		errs[FieldAddress] = msg
	}
	out.Pincode = strings.Join(strings.Fields(s.Pincode), "")
	if out.Pincode == "" {
		errs[FieldPincode] = "Please enter the 6-digit pincode of the address."
	}
	if out.Email, msg = NormalizeEmail(s.Email); msg != "" {
		errs[FieldEmail] = msg
	}
	if out.Mobile, msg = NormalizeMobile(s.Mobile); msg != "" {
		errs[FieldMobile] = msg
	}
	out.Service = strings.TrimSpace(s.Service)
	if out.Service == "" {
		errs[FieldService] = "Please choose the service you need."
	}
	out.Details = strings.TrimSpace(strings.ReplaceAll(s.Details, "\r\n", "\n"))
	if n := utf8.RuneCountInString(out.Details); n > DetailsMax {
		errs[FieldDetails] = fmt.Sprintf("Details can be at most %d characters; you typed %d.", DetailsMax, n)
	} else if hasControl(out.Details, true) || !utf8.ValidString(out.Details) {
		errs[FieldDetails] = "Details contain characters that cannot be stored."
	}
	switch lang := strings.ToLower(strings.TrimSpace(s.Language)); lang {
	case "", string(English):
		out.Language = string(English)
	case string(Hindi):
		out.Language = string(Hindi)
	default:
		errs[FieldLanguage] = `Language must be "en" (English) or "hi" (Hindi).`
	}
	return out, errs
}

// NormalizeName folds white space and checks a person's name: 2-100 characters, letters of
// any script (with their vowel signs and other combining marks), spaces, '.', '\” and '-'.
func NormalizeName(s string) (string, string) {
	name := strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return name, "Please enter your name."
	case n < NameMin:
		return name, fmt.Sprintf("A name needs at least %d letters.", NameMin)
	case n > NameMax:
		return name, fmt.Sprintf("A name can be at most %d characters; you typed %d.", NameMax, n)
	}
	letters := 0
	for _, r := range name {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.In(r, unicode.Mn, unicode.Mc), r == ' ', r == '.', r == '\'', r == '-', r == '\u200c', r == '\u200d':
			// Combining marks are the vowel signs of Indian scripts; ZWJ/ZWNJ shape conjuncts.
		default:
			return name, fmt.Sprintf("A name can have letters, spaces, dots, apostrophes and hyphens, but not %q.", r)
		}
	}
	if letters == 0 {
		return name, "Please enter your name in letters."
	}
	return name, ""
}

// NormalizeAddress trims an address and checks its length (10-500 characters). Line breaks
// are kept; other control characters are refused.
func NormalizeAddress(s string) (string, string) {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	kept := lines[:0]
	for _, line := range lines {
		if line = strings.Join(strings.Fields(line), " "); line != "" {
			kept = append(kept, line)
		}
	}
	addr := strings.Join(kept, "\n")
	n := utf8.RuneCountInString(addr)
	switch {
	case n == 0:
		return addr, "Please enter the address where you want the service."
	case n < AddressMin:
		return addr, fmt.Sprintf("The address looks too short: give house, street and locality (at least %d characters).", AddressMin)
	case n > AddressMax:
		return addr, fmt.Sprintf("The address can be at most %d characters; you typed %d.", AddressMax, n)
	case hasControl(addr, true) || !utf8.ValidString(addr):
		return addr, "The address contains characters that cannot be stored."
	}
	return addr, ""
}

// NormalizeMobile turns an Indian mobile number as typed ("+91 98765 43210", "09876543210")
// into its 10 digits.
func NormalizeMobile(s string) (string, string) {
	var digits strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '\u00a0':
		case r == '+' && i == 0:
		default:
			return "", "A mobile number has digits only, like 98765 43210."
		}
	}
	d := digits.String()
	switch {
	case d == "":
		return "", "Please enter your mobile number."
	case len(d) == 12 && strings.HasPrefix(d, "91"):
		d = d[2:]
	case len(d) == 11 && d[0] == '0':
		d = d[1:]
	}
	if len(d) != 10 {
		return "", "An Indian mobile number has 10 digits, like 98765 43210."
	}
	if d[0] < '6' {
		return "", "An Indian mobile number starts with 6, 7, 8 or 9."
	}
	return d, ""
}

// NormalizeEmail checks an e-mail address and lower-cases its domain. The local part keeps
// its case: a few mail servers treat it as significant.
func NormalizeEmail(s string) (string, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "Please enter your e-mail address."
	}
	const example = "Please enter an e-mail address like name@example.com."
	if len(s) > EmailMax {
		return "", fmt.Sprintf("An e-mail address can be at most %d characters.", EmailMax)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", example
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") ||
		strings.Contains(domain, "..") || strings.ContainsAny(domain, "[]") || strings.ContainsAny(local, "\" ") {
		return "", example
	}
	return local + "@" + domain, ""
}

func hasControl(s string, allowNewline bool) bool {
	for _, r := range s {
		if r == '\n' && allowNewline {
			continue
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
