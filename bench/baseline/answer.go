package main

import (
	"time"
	"unicode/utf8"
)

// appendRow appends r as a JSON object followed by a newline: the keys, their order and the
// escaping of the answer encoding/json used to write, by hand, without reflection. With
// history it adds the one history entry the load tool's check expects, made from the same
// row (a lookup); without, it is a submission's answer.
func appendRow(b []byte, r row, history bool) []byte {
	b = append(b, `{"reference":`...)
	b = appendString(b, r.Reference)
	b = append(b, `,"service":`...)
	b = appendString(b, r.Service)
	b = append(b, `,"status":`...)
	b = appendString(b, r.Status)
	b = append(b, `,"pincode":`...)
	b = appendString(b, r.Pincode)
	b = append(b, `,"division":`...)
	b = appendString(b, r.Division)
	b = append(b, `,"circle":`...)
	b = appendString(b, r.Circle)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, r.CreatedAt)
	if history {
		b = append(b, `,"history":[{"status":`...)
		b = appendString(b, r.Status)
		b = append(b, `,"at":`...)
		b = appendTime(b, r.CreatedAt)
		b = append(b, "}]"...)
	}
	return append(b, "}\n"...)
}

// appendTime appends t as a JSON string in RFC 3339 with nanoseconds, as time.Time's
// MarshalJSON does (digits and punctuation only: nothing to escape).
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// safe says which ASCII bytes go into a JSON string as they are: not the quote, the
// backslash or a control character, which JSON requires escaped, nor <, > and &, which
// encoding/json escapes too (so that the answer stays the same, byte for byte).
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

const hex = "0123456789abcdef"

// appendString appends s as a JSON string, quoted and escaped as encoding/json does: the quote
// and the backslash after a backslash; \b, \f, \n, \r and \t for those control characters and
// \u00XX for the other ones; \u003c, \u003e and \u0026 for <, > and &; \u2028 and \u2029 for
// the line and paragraph separators (which JavaScript once did not allow in a string). Other
// UTF-8 is passed through; each byte that is not part of valid UTF-8 becomes \ufffd, the
// replacement character.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0 // s[start:i] is still to be copied as it is
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default: // other control characters, <, > and &
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
