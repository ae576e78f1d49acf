package request

import (
	"crypto/rand"
	"errors"
	"strings"
)

// Reference numbers
//
// A reference is printed as DS-XXXXX-XXXXX: the prefix "DS" (Doorstep), nine random symbols
// and one check symbol, 14 characters in all with the dashes, which fits on one SMS line and
// is short enough to read out over the phone.
//
//   - Alphabet: the 31 symbols 23456789ABCDEFGHJKMNPQRSTUVWXYZ. 0/O and 1/I/L are left out so
//     that nothing can be misread or mistyped between them.
//   - Random, not sequential: the nine symbols come from crypto/rand (31^9, about 2.6e13
//     values), so a reference reveals nothing about volumes and, with ten million requests
//     stored, a guessed reference hits one with probability below 1 in 2.6 million. A
//     database unique constraint backs uniqueness; a collision is retried.
//   - At least one letter: an all-digit reference could be mistaken for a mobile number in the
//     tracking box that takes either; the rare all-digit draw (about 1 in 760,000) is redrawn.
//   - Check symbol: the weighted sum over all ten symbols, sum((i+1) * value(i)) mod 31, is 0.
//     Because 31 is prime and every weight 1..10 is non-zero and distinct mod 31, changing any
//     one symbol changes the sum (caught), and swapping two different neighbours i, i+1 changes
//     it by (a-b)(w(i)-w(i+1)) = (b-a), also non-zero (caught). The check symbol is itself a
//     position, so errors in it are caught too.
//   - Input is forgiving: any case, spaces and dashes anywhere, with or without the "DS".

const (
	referenceAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	referencePrefix   = "DS"
	referenceRandom   = 9
	referenceSymbols  = referenceRandom + 1 // with the check symbol
	referenceModulus  = len(referenceAlphabet)
)

// Reference is a request's reference number in its canonical form: "DS" and ten symbols,
// no dashes. String gives the printed form.
type Reference string

// Errors returned by ParseReference.
var (
	ErrReferenceFormat = errors.New("a reference number looks like DS-XXXXX-XXXXX")
	ErrReferenceCheck  = errors.New("this reference number has a typing mistake; please check each character")
)

var referenceValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(referenceAlphabet); i++ {
		v[referenceAlphabet[i]] = int8(i)
	}
	return v
}()

// NewReference draws a new random reference.
func NewReference() Reference {
	var buf [referenceRandom]byte
	for {
		var symbols [referenceSymbols]byte
		hasLetter := false
		for i := 0; i < referenceRandom; {
			if _, err := rand.Read(buf[:]); err != nil {
				panic("request: crypto/rand failed: " + err.Error()) // never happens on Linux
			}
			for _, b := range buf {
				// 248 = 8*31: rejecting larger bytes keeps every symbol equally likely.
				if b >= 248 || i == referenceRandom {
					continue
				}
				symbols[i] = referenceAlphabet[int(b)%referenceModulus]
				hasLetter = hasLetter || symbols[i] > '9'
				i++
			}
		}
		if !hasLetter {
			continue
		}
		symbols[referenceRandom] = referenceAlphabet[checkValue(symbols[:referenceRandom])]
		return Reference(referencePrefix + string(symbols[:]))
	}
}

// checkValue returns the check symbol's value that makes the weighted sum 0 mod 31.
func checkValue(body []byte) int {
	sum := 0
	for i, c := range body {
		sum += (i + 1) * int(referenceValue[c])
	}
	w := len(body) + 1
	// Solve sum + w*x = 0 (mod 31): x = -sum * w^-1; w^-1 = w^29 by Fermat.
	inv := 1
	for range referenceModulus - 2 {
		inv = inv * w % referenceModulus
	}
	return ((referenceModulus - sum%referenceModulus) % referenceModulus * inv) % referenceModulus
}

func checksumOK(symbols string) bool {
	sum := 0
	for i := 0; i < len(symbols); i++ {
		sum += (i + 1) * int(referenceValue[symbols[i]])
	}
	return sum%referenceModulus == 0
}

// ParseReference accepts a reference as a person types it (any case, with or without spaces,
// dashes and the "DS" prefix) and returns its canonical form.
func ParseReference(s string) (Reference, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\u00a0':
			continue
		case r >= 'a' && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case r < 0x80:
			b.WriteRune(r)
		default:
			return "", ErrReferenceFormat
		}
	}
	symbols := b.String()
	if len(symbols) == len(referencePrefix)+referenceSymbols && strings.HasPrefix(symbols, referencePrefix) {
		symbols = symbols[len(referencePrefix):]
	}
	if len(symbols) != referenceSymbols {
		return "", ErrReferenceFormat
	}
	for i := 0; i < len(symbols); i++ {
		if referenceValue[symbols[i]] < 0 {
			return "", ErrReferenceFormat
		}
	}
	if !checksumOK(symbols) {
		return "", ErrReferenceCheck
	}
	return Reference(referencePrefix + symbols), nil
}

// String is the printed form, DS-XXXXX-XXXXX.
func (r Reference) String() string {
	s := string(r)
	if len(s) != len(referencePrefix)+referenceSymbols {
		return s
	}
	return s[:2] + "-" + s[2:7] + "-" + s[7:]
}

// AppendPrinted appends the printed form, String(), to b.
func (r Reference) AppendPrinted(b []byte) []byte {
	s := string(r)
	if len(s) != len(referencePrefix)+referenceSymbols {
		return append(b, s...)
	}
	b = append(b, s[:2]...)
	b = append(b, '-')
	b = append(b, s[2:7]...)
	b = append(b, '-')
	return append(b, s[7:]...)
}
