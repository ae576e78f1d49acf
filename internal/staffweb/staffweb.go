// Package staffweb is the staff back office in the browser: login, the Division desk, the
// request page with its status workflow, exports and the run sheet, and the admin pages.
package staffweb

import (
	"log/slog"
	"net/http"

	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Options configure the back office.
type Options struct {
	// SecureCookies marks the session cookie Secure: set when the public URL is https.
	SecureCookies bool
}

// Staff serves the back office.
type Staff struct {
	desk  *desk.Desk
	store store.BackOffice
	log   *slog.Logger
	opts  Options
}

// New returns the back office over d, keeping sessions in st.
func New(d *desk.Desk, st store.BackOffice, log *slog.Logger, opts Options) (*Staff, error) {
	return &Staff{desk: d, store: st, log: log, opts: opts}, nil
}

// Register adds the back office's routes to mux.
func (s *Staff) Register(mux *http.ServeMux) {}
