// Package otp holds the rules of the one-time codes that prove a customer owns the mobile
// number they give: a 6-digit code sent by SMS, valid for 10 minutes, at most 5 tries, at
// most 3 codes per mobile per hour. Codes are kept only as salted hashes.
package otp

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// The limits.
const (
	Digits      = 6
	TTL         = 10 * time.Minute
	MaxAttempts = 5
	MaxPerHour  = 3
)

// Errors, with messages for the customer.
var (
	ErrRateLimited = fmt.Errorf("we have sent %d codes to this mobile in the last hour; please wait before asking again", MaxPerHour)
	ErrNoCode      = errors.New("there is no valid code for this mobile; please ask for a new one")
	ErrWrongCode   = errors.New("that code is not right; please check the SMS and try again")
	ErrLocked      = fmt.Errorf("that code was tried %d times; please ask for a new one", MaxAttempts)
	ErrFormat      = fmt.Errorf("a code has %d digits", Digits)
)

// NewCode draws a code: 6 digits, every value equally likely.
func NewCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("otp: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// NormalizeCode accepts a code as typed ("482 913") and returns its digits.
func NormalizeCode(s string) (string, error) {
	code := strings.Join(strings.Fields(s), "")
	if len(code) != Digits {
		return "", ErrFormat
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", ErrFormat
		}
	}
	return code, nil
}

// Hashed is a code as stored: a random salt and the SHA-256 of salt and code. A 6-digit code
// can be found from its hash by trying all of them, so the hash only keeps codes out of
// plain sight; expiry and the attempt limit are what protect them.
type Hashed struct {
	Salt string
	Hash string
}

// Hash salts and hashes a code.
func Hash(code string) Hashed {
	var salt [16]byte
	_, _ = rand.Read(salt[:])
	h := Hashed{Salt: hex.EncodeToString(salt[:])}
	h.Hash = digest(h.Salt, code)
	return h
}

// Matches reports whether code is the one that was hashed, in constant time.
func (h Hashed) Matches(code string) bool {
	return subtle.ConstantTimeCompare([]byte(digest(h.Salt, code)), []byte(h.Hash)) == 1
}

func digest(salt, code string) string {
	sum := sha256.Sum256([]byte(salt + ":" + code))
	return hex.EncodeToString(sum[:])
}

// Verdict judges one try of code against the stored code, which had attemptsBefore tries:
// nil (it matches: use the code up), ErrWrongCode (count the try), or ErrLocked (no tries
// left, counting this one).
func Verdict(stored Hashed, code string, attemptsBefore int) error {
	switch {
	case attemptsBefore >= MaxAttempts:
		return ErrLocked
	case stored.Matches(code):
		return nil
	case attemptsBefore+1 >= MaxAttempts:
		return ErrLocked
	}
	return ErrWrongCode
}
