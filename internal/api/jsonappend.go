package api

import (
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/doorstep-post/doorstep/internal/request"
)

// The public tracking answers (GET /api/v1/requests/{reference} and ?mobile=, the most
// frequent calls) are appended by hand into a pooled buffer rather than written with
// encoding/json's reflection, which took 6-8% of the server's CPU under tracking load
// (3.5 µs and 10 allocations per answer against 0.8 µs and none: BenchmarkPublicAnswer).
// They are byte for byte what encoding/json writes for publicRequestJSON and
// requestListJSON (the tests check it), so those types stay the description of the answer,
// and encoding/json still writes the rare answer the appender cannot (see appendable).

// buffers holds the byte slices answers are appended into.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Header values the tracking answers set, shared rather than allocated per answer as
// Header().Set does. Each has its length as capacity, so that an Add appends to a copy.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

// writeAppended writes body, appended into a buffer from buffers, as a JSON answer in one
// Write, and gives the buffer back.
func writeAppended(w http.ResponseWriter, status int, bp *[]byte, body []byte) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client hung up: nothing to do
	// An answer with a huge field does not keep its buffer.
	if cap(body) <= 64<<10 {
		*bp = body[:0]
		buffers.Put(bp)
	}
}

// appendPublicRequest appends the JSON object of publicRequestJSON for req, of the service
// svc, as encoding/json writes it.
func appendPublicRequest(b []byte, req request.Request, svc request.Service) []byte {
	var tmp [64]byte
	b = append(b, `{"reference":"`...)
	b = appendEscaped(b, req.Reference.AppendPrinted(tmp[:0]))
	b = append(b, `","service":`...)
	b = appendString(b, req.ServiceCode)
	b = append(b, `,"service_name":`...)
	b = appendString(b, svc.Name)
	b = append(b, `,"status":`...)
	b = appendString(b, string(req.Status))
	b = append(b, `,"status_label":`...)
	b = appendString(b, req.Status.Label())
	b = append(b, `,"name_initials":"`...)
	b = appendEscaped(b, request.AppendInitials(tmp[:0], req.Name))
	b = append(b, `","mobile_masked":"`...)
	b = appendEscaped(b, request.AppendMaskedMobile(tmp[:0], req.Mobile))
	b = append(b, `","pincode":`...)
	b = appendString(b, req.Pincode)
	b = append(b, `,"division":`...)
	b = appendString(b, req.Division)
	b = append(b, `,"region":`...)
	if req.Region == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, req.Region)
	}
	b = append(b, `,"circle":`...)
	b = appendString(b, req.Circle)
	b = append(b, `,"created_at":`...)
	b = appendTime(b, req.CreatedAt)
	b = append(b, `,"updated_at":`...)
	b = appendTime(b, req.UpdatedAt)
	b = append(b, `,"expected_by":`...)
	b = appendTime(b, request.ExpectedBy(req.CreatedAt, svc.Target()))
	b = append(b, `,"history":[`...)
	for i, e := range req.History {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"status":`...)
		b = appendString(b, string(e.Status))
		b = append(b, `,"label":`...)
		b = appendString(b, e.Status.Label())
		b = append(b, `,"at":`...)
		b = appendTime(b, e.At)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendable says whether appendPublicRequest can write req, of the service svc:
// encoding/json refuses a time whose year has not four digits, and so must the answer (the
// caller then uses encoding/json, which answers as it always did).
func appendable(req request.Request, svc request.Service) bool {
	if !jsonTime(req.CreatedAt) || !jsonTime(req.UpdatedAt) || !jsonTime(request.ExpectedBy(req.CreatedAt, svc.Target())) {
		return false
	}
	for _, e := range req.History {
		if !jsonTime(e.At) {
			return false
		}
	}
	return true
}

func jsonTime(t time.Time) bool { y := t.Year(); return y >= 0 && y <= 9999 }

// appendTime appends t as a JSON string in RFC 3339 with nanoseconds, as time.Time's
// MarshalJSON does (digits and punctuation only: nothing to escape).
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// safe says which ASCII bytes go into a JSON string as they are: not the quote, the
// backslash or a control character, which JSON requires escaped, nor <, > and &, which
// encoding/json escapes too.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendString appends s as a quoted JSON string, escaped as encoding/json does.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped appends s escaped as the inside of a JSON string, as encoding/json does: the
// quote and the backslash after a backslash; \b, \f, \n, \r and \t for those control
// characters and \u00XX for the other ones; \u003c, \u003e and \u0026 for <, > and &; \u2028
// and \u2029 for the line and paragraph separators. Other UTF-8 is passed through; each byte
// that is not part of valid UTF-8 becomes \ufffd.
func appendEscaped[T string | []byte](b []byte, s T) []byte {
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
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control characters, <, > and &
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		var r rune
		var size int
		switch s := any(s).(type) {
		case string:
			r, size = utf8.DecodeRuneInString(s[i:])
		case []byte:
			r, size = utf8.DecodeRune(s[i:])
		}
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
