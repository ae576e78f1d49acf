// Package staff holds the rules for postal staff, free of HTTP and SQL: roles scoped to a
// unit of the hierarchy, what an account may do to what (May, in permissions.go),
// passwords, and lockout.
package staff

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Role is what an account is for.
type Role string

// The roles, along the postal hierarchy.
const (
	RoleDivision Role = "division" // attends to the requests of one Division
	RoleRegion   Role = "region"   // watches one Region
	RoleCircle   Role = "circle"   // watches one Circle
	RoleAdmin    Role = "admin"    // the national office: accounts and the service catalogue
)

// Roles in the order forms list them.
var Roles = []Role{RoleDivision, RoleRegion, RoleCircle, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleDivision, RoleRegion, RoleCircle, RoleAdmin:
		return true
	}
	return false
}

// Label names the role for people.
func (r Role) Label() string {
	switch r {
	case RoleDivision:
		return "Division staff"
	case RoleRegion:
		return "Region"
	case RoleCircle:
		return "Circle"
	case RoleAdmin:
		return "National office (admin)"
	}
	return string(r)
}

// Lockout: after MaxFailedLogins wrong passwords in a row an account is locked for LockFor.
const (
	MaxFailedLogins = 5
	LockFor         = 15 * time.Minute
)

// Account is a member of staff who can log in.
type Account struct {
	ID           int64
	Username     string
	Role         Role
	Unit         string // the Division, Region or Circle; empty for admin
	PasswordHash string
	Disabled     bool
	FailedLogins int       // wrong passwords since the last success or lock
	LockedUntil  time.Time // zero when not locked
	// PasswordChangedAt ends every session and token issued before it.
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Locked reports whether the account is locked at now.
func (a Account) Locked(now time.Time) bool { return now.Before(a.LockedUntil) }

// Field names of account forms and errors.
const (
	FieldUsername = "username"
	FieldPassword = "password"
	FieldRole     = "role"
	FieldUnit     = "unit"
)

// Limits on usernames and passwords.
const (
	UsernameMin = 3
	UsernameMax = 64
	PasswordMin = 10
	PasswordMax = 256
)

// NormalizeUsername is the form a username is stored and compared in.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckUsername explains what is wrong with a username, or returns "".
func CheckUsername(u string) string {
	if n := utf8.RuneCountInString(u); n < UsernameMin || n > UsernameMax {
		return fmt.Sprintf("A username is %d to %d characters.", UsernameMin, UsernameMax)
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "A username uses only letters a-z, digits, dots, dashes and underscores."
		}
	}
	return ""
}

// CheckPassword explains what is wrong with a new password, or returns "". Length is what
// makes a password strong; no rules about symbols (NIST SP 800-63B).
func CheckPassword(p, username string) string {
	n := utf8.RuneCountInString(p)
	switch {
	case n < PasswordMin:
		return fmt.Sprintf("A password is at least %d characters.", PasswordMin)
	case n > PasswordMax:
		return fmt.Sprintf("A password is at most %d characters.", PasswordMax)
	case strings.Contains(strings.ToLower(p), username) && username != "":
		return "A password must not contain the username."
	case strings.Trim(p, string([]rune(p)[:1])) == "":
		return "Choose a password that is not one character repeated."
	}
	return ""
}

// Argon2id settings: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). Each hash
// holds its memory while it runs; 64 MiB, tried first, made the server's peak memory jump by
// that much at every login.
var hashParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// hashing bounds the password hashes computed at once, and so their memory (4 x 19 MiB): a
// burst of logins queues for a few tens of milliseconds instead of exhausting the machine.
var hashing = make(chan struct{}, 4)

func withHashSlot[T any](f func() T) T {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return f()
}

// HashPassword returns an argon2id hash of the password.
func HashPassword(p string) (string, error) {
	type result struct {
		hash string
		err  error
	}
	r := withHashSlot(func() result {
		h, err := argon2id.CreateHash(p, hashParams)
		return result{h, err}
	})
	return r.hash, r.err
}

// PasswordMatches reports whether p is the password of hash. Hashes made with other
// settings still match: each carries its own.
func PasswordMatches(p, hash string) bool {
	return withHashSlot(func() bool {
		ok, err := argon2id.ComparePasswordAndHash(p, hash)
		return err == nil && ok
	})
}

// dummyHash is compared against when a username does not exist, so that a login takes as
// long for an unknown user as for a wrong password and does not reveal which usernames
// exist. Made when first needed, not at start.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a password of anyone")
	return h
})

// SpendPasswordTime does the work of one password check and throws the result away.
func SpendPasswordTime(p string) { PasswordMatches(p, dummyHash()) }

// Login errors. ErrBadLogin covers an unknown user, a wrong password and a locked account
// alike, so that the answer does not tell which usernames exist or which are locked (the
// audit log tells staff); its message says how locking works, for whoever it applies to.
// Their messages are written for the person logging in.
const (
	ErrBadLogin = LoginError("Wrong username or password. After 5 wrong passwords in a row an account is locked for 15 minutes; your administrator can unlock it sooner.")
	ErrDisabled = LoginError("This account is disabled. Ask your administrator.")
)

// LoginError is a refused login, with a message for the person logging in.
type LoginError string

func (e LoginError) Error() string { return string(e) }
