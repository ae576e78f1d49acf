package store

import (
	"bytes"
	"unicode/utf8"

	"github.com/doorstep-post/doorstep/internal/request"
)

// decodeHistoryFast reads a stored history without encoding/json's reflection: every
// lookup decodes one, and encoding/json was about 5% of the server's CPU under tracking
// load. It reads what the backends hand back: EncodeHistory's own output (SQLite keeps it as
// written, json_insert appending in the same form) and PostgreSQL's jsonb text (keys in
// another order, a space after each colon and comma, strings re-escaped). That is an array
// of objects whose members are all strings under the keys of historyEntry. ok is false for
// anything else (a null, a number, another key, a key in other case, malformed JSON,
// invalid UTF-8, a surrogate escape, a time time.Time does not read), and DecodeHistory then
// asks encoding/json, which answers as it always did.
func decodeHistoryFast(data []byte) (history []request.Event, ok bool) {
	p := historyParser{data: data}
	p.space()
	if !p.byte('[') {
		return nil, false
	}
	// Each entry has one "status"; a '{' in a remark only makes the guess larger.
	history = make([]request.Event, 0, bytes.Count(data, []byte{'{'}))
	p.space()
	if p.byte(']') {
		return history, p.end()
	}
	for {
		e, ok := p.entry()
		if !ok {
			return nil, false
		}
		history = append(history, request.Event{Status: e.Status, At: e.At.UTC(), Remarks: e.Remarks, Actor: e.Actor, AssignedTo: e.Assigned})
		p.space()
		if p.byte(']') {
			return history, p.end()
		}
		if !p.byte(',') {
			return nil, false
		}
		p.space()
	}
}

type historyParser struct {
	data []byte
	i    int
}

// space skips JSON whitespace.
func (p *historyParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c if it comes next.
func (p *historyParser) byte(c byte) bool {
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (p *historyParser) end() bool {
	p.space()
	return p.i == len(p.data)
}

// entry reads one object of string members.
func (p *historyParser) entry() (e historyEntry, ok bool) {
	if !p.byte('{') {
		return e, false
	}
	p.space()
	if p.byte('}') {
		return e, true
	}
	for {
		key, ok := p.rawString()
		if !ok {
			return e, false
		}
		p.space()
		if !p.byte(':') {
			return e, false
		}
		p.space()
		start := p.i
		raw, ok := p.rawString()
		if !ok {
			return e, false
		}
		switch string(key) {
		case "status":
			e.Status = status(raw)
		case "at":
			// What encoding/json does with a time: hand it the quoted string.
			if e.At.UnmarshalJSON(p.data[start:p.i]) != nil {
				return e, false
			}
		case "remarks":
			e.Remarks = unquote(raw)
		case "actor":
			e.Actor = unquote(raw)
		case "assigned_to":
			e.Assigned = unquote(raw)
		default:
			return e, false
		}
		p.space()
		if p.byte('}') {
			return e, true
		}
		if !p.byte(',') {
			return e, false
		}
		p.space()
	}
}

// rawString reads a JSON string and returns what is between its quotes, escapes and all.
// ok is false for a control character, a malformed or surrogate escape, or invalid UTF-8.
func (p *historyParser) rawString() (raw []byte, ok bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	ascii := true
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			raw = p.data[start:p.i]
			p.i++
			return raw, ascii || utf8.Valid(raw)
		case c < ' ':
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
			p.i++
		case c == '\\':
			if p.i+1 >= len(p.data) {
				return nil, false
			}
			switch p.data[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				r, ok := hex4(p.data[p.i+2:])
				if !ok || utf8.RuneLen(r) < 0 { // utf8.RuneLen is -1 for a surrogate
					return nil, false
				}
				p.i += 6
			default:
				return nil, false
			}
		default:
			p.i++
		}
	}
	return nil, false
}

// hex4 reads the four hexadecimal digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// unquote turns what rawString accepted into the string it stands for.
func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, _ := hex4(raw[i+1:])
			b = utf8.AppendRune(b, r)
			i += 4
		default: // '"', '\\', '/'
			b = append(b, raw[i])
		}
	}
	return string(b)
}

// status is the stored status, without allocating for the known ones.
func status(raw []byte) request.Status {
	for _, s := range []request.Status{request.StatusSubmitted, request.StatusInProgress, request.StatusCompleted,
		request.StatusNotServiceable, request.StatusCancelled} {
		if string(raw) == string(s) {
			return s
		}
	}
	return request.Status(unquote(raw))
}
