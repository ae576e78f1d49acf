package request

import (
	"strings"
	"unicode"
)

// Initials shortens a name to what a public page may show: "Asha Devi" -> "A. D.".
func Initials(name string) string {
	var out []string
	for _, word := range strings.Fields(name) {
		for _, r := range word {
			if unicode.IsLetter(r) {
				out = append(out, string(unicode.ToUpper(r))+".")
				break
			}
		}
	}
	return strings.Join(out, " ")
}

// MaskMobile keeps the last four digits of a mobile number: "******3210".
func MaskMobile(mobile string) string {
	if len(mobile) <= 4 {
		return strings.Repeat("*", len(mobile))
	}
	return strings.Repeat("*", len(mobile)-4) + mobile[len(mobile)-4:]
}

// MaskEmail keeps the first character of the mailbox and the domain: "a*****@example.com".
// It is for logs; public pages show no e-mail at all.
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 {
		return "***"
	}
	return email[:1] + strings.Repeat("*", max(at-1, 3)) + email[at:]
}
