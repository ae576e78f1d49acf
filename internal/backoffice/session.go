package backoffice

import (
	"context"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/doorstep-post/doorstep/internal/requestlog"
)

// Session lifetimes: a session ends after two idle hours, and in any case twelve hours after
// login (a long shift), when the password is asked again.
const (
	SessionIdleTimeout = 2 * time.Hour
	SessionLifetime    = 12 * time.Hour
)

// Session keys.
const (
	keyAccount = "account_id"
	// keyAuthenticated is when the password was last given (Unix milliseconds, as the desk
	// keeps times): the desk ends sessions older than a password change.
	keyAuthenticated = "authenticated_ms"
	keyFlash         = "flash"
	keyFlashError    = "flash_error"
)

// Sessions is where staff sessions are kept: the database, so that they survive a restart
// and are shared by every instance. Expired ones are deleted by the hourly clean-up.
type Sessions interface {
	// FindSession returns a session's data if it exists and has not expired at now.
	FindSession(ctx context.Context, token string, now time.Time) ([]byte, bool, error)
	// CommitSession saves a session, replacing one with the same token.
	CommitSession(ctx context.Context, token string, data []byte, expiry time.Time) error
	// DeleteSession removes a session; no error if there is none.
	DeleteSession(ctx context.Context, token string) error
}

// sessionStore keeps scs sessions in Sessions. It implements scs.CtxStore.
type sessionStore struct {
	st Sessions
}

var _ scs.CtxStore = sessionStore{}

func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.st.FindSession(ctx, token, time.Now())
}

func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.st.CommitSession(ctx, token, b, expiry)
}

func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.st.DeleteSession(ctx, token)
}

// Find, Commit and Delete complete scs.Store; scs calls the Ctx methods.
func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}

func (s sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

// newSessionManager configures the staff session cookie.
func newSessionManager(st Sessions, opts Options, onError func(http.ResponseWriter, *http.Request, error)) *scs.SessionManager {
	sm := scs.New()
	sm.Store = sessionStore{st: st}
	sm.IdleTimeout = SessionIdleTimeout
	sm.Lifetime = SessionLifetime
	// Only a hash of the token is kept, so that a copy of the database logs no one in.
	sm.HashTokenInStore = true
	sm.Cookie.Name = "doorstep_staff"
	if opts.SecureCookies {
		// The __Host- prefix makes browsers refuse the cookie unless it is Secure, for
		// this host only and for every path: a neighbouring subdomain cannot plant one.
		sm.Cookie.Name = "__Host-doorstep_staff"
		sm.Cookie.Secure = true
	}
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	// The cookie ends with the browser; the session's own expiry still applies.
	sm.Cookie.Persist = false
	sm.ErrorFunc = onError
	return sm
}

// sessionError answers a failure to load or save a session (the database is down).
func sessionError(w http.ResponseWriter, r *http.Request, err error) {
	requestlog.Fail(r.Context(), "session", err)
	http.Error(w, "Something went wrong on our side. Please try again in a few minutes.", http.StatusInternalServerError)
}

// startSession makes the session of a login or a password change: a new token, so that a
// token planted before cannot be used (session fixation), and the time of authentication.
func (s *BackOffice) startSession(ctx context.Context, accountID int64, at time.Time) error {
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, keyAccount, accountID)
	s.sessions.Put(ctx, keyAuthenticated, at.UnixMilli())
	return nil
}

// sessionAccount reads who the session belongs to; ok is false without a login.
func (s *BackOffice) sessionAccount(ctx context.Context) (id int64, at time.Time, ok bool) {
	id = s.sessions.GetInt64(ctx, keyAccount)
	ms := s.sessions.GetInt64(ctx, keyAuthenticated)
	return id, time.UnixMilli(ms).UTC(), id != 0 && ms != 0
}

// setFlash leaves a message for the next page the session shows (post, redirect, get).
func (s *BackOffice) setFlash(ctx context.Context, text string, isError bool) {
	s.sessions.Put(ctx, keyFlash, text)
	s.sessions.Put(ctx, keyFlashError, isError)
}

// popFlash takes the message left for this page, if any.
func (s *BackOffice) popFlash(ctx context.Context) flash {
	text := s.sessions.PopString(ctx, keyFlash)
	isError := s.sessions.PopBool(ctx, keyFlashError)
	return flash{Text: text, Error: isError}
}
