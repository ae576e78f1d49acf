package store

import (
	"context"
	"time"

	"github.com/doorstep-post/doorstep/internal/otp"
)

// The one-time-code flow, the same on every backend: how many codes a mobile may get, how
// many tries a code has, and when it expires are decided here, above the SQL; a backend
// gives the flow one transaction (CodeTx) and commits it.

// CodeTx is what the flow needs of one backend transaction.
type CodeTx interface {
	// CodesSince counts the codes made for a mobile after since.
	CodesSince(ctx context.Context, mobile string, since time.Time) (int, error)
	// InsertCode saves a code, and its SMS with the job that sends it.
	InsertCode(ctx context.Context, code NewOTP) error
	// NewestCode returns the mobile's newest code not used yet, expired or not, locked
	// against other transactions until this one ends; ok is false if there is none.
	NewestCode(ctx context.Context, mobile string) (c StoredCode, ok bool, err error)
	// MarkUsed uses a code up.
	MarkUsed(ctx context.Context, id int64, at time.Time) error
	// CountTry counts a wrong try of a code.
	CountTry(ctx context.Context, id int64) error
}

// StoredCode is a one-time code as kept.
type StoredCode struct {
	ID        int64
	Code      otp.Hashed
	Attempts  int
	ExpiresAt time.Time
}

// IssueCode saves a new code in tx unless otp.MaxPerHour codes were made for its mobile in
// the hour before it (otp.ErrRateLimited).
func IssueCode(ctx context.Context, tx CodeTx, code NewOTP) error {
	recent, err := tx.CodesSince(ctx, code.Mobile, code.CreatedAt.Add(-time.Hour))
	if err != nil {
		return err
	}
	if recent >= otp.MaxPerHour {
		return otp.ErrRateLimited
	}
	return tx.InsertCode(ctx, code)
}

// CheckCode tries code against the mobile's newest unused code in tx, as of now, and records
// the try. verdict is nil (the code matched and is used up), otp.ErrNoCode (none, or it
// expired), otp.ErrWrongCode or otp.ErrLocked; err is a failure of the database.
func CheckCode(ctx context.Context, tx CodeTx, mobile, code string, now time.Time) (verdict, err error) {
	c, ok, err := tx.NewestCode(ctx, mobile)
	if err != nil {
		return nil, err
	}
	if !ok || !now.Before(c.ExpiresAt) {
		return otp.ErrNoCode, nil
	}
	verdict = otp.Verdict(c.Code, code, c.Attempts)
	switch {
	case verdict == otp.ErrLocked && c.Attempts >= otp.MaxAttempts:
		return verdict, nil // no tries left before this one: nothing to record
	case verdict == nil:
		err = tx.MarkUsed(ctx, c.ID, now)
	default:
		err = tx.CountTry(ctx, c.ID)
	}
	return verdict, err
}
