package request

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Initials shortens a name to what a public page may show: "Asha Devi" -> "A. D.".
func Initials(name string) string {
	var buf [32]byte
	return string(AppendInitials(buf[:0], name))
}

// AppendInitials appends Initials(name) to b: for each word (a run of characters that are
// not spaces), its first letter in upper case and a full stop, separated by single spaces; a
// word without letters gives nothing.
func AppendInitials(b []byte, name string) []byte {
	first := true // no initial appended yet
	inWord := false
	done := false // the current word's initial is appended
	for i := 0; i < len(name); {
		r, size := rune(name[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(name[i:])
		}
		i += size
		if unicode.IsSpace(r) {
			inWord = false
			continue
		}
		if !inWord {
			inWord, done = true, false
		}
		if done || !unicode.IsLetter(r) {
			continue
		}
		if !first {
			b = append(b, ' ')
		}
		b = utf8.AppendRune(b, unicode.ToUpper(r))
		b = append(b, '.')
		first, done = false, true
	}
	return b
}

// MaskMobile keeps the last four digits of a mobile number: "******3210".
func MaskMobile(mobile string) string {
	if len(mobile) <= 4 {
		return strings.Repeat("*", len(mobile))
	}
	return strings.Repeat("*", len(mobile)-4) + mobile[len(mobile)-4:]
}

// AppendMaskedMobile appends MaskMobile(mobile) to b.
func AppendMaskedMobile(b []byte, mobile string) []byte {
	stars := max(len(mobile)-4, 0)
	if len(mobile) <= 4 {
		stars = len(mobile)
	}
	for range stars {
		b = append(b, '*')
	}
	return append(b, mobile[stars:]...)
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
