// Package requestlog gives every HTTP request an id and writes one log line when it ends.
// That line is the one place a failed request is logged: handlers record the error that
// failed a request (Fail) instead of logging it, and a panic is caught and recorded here.
// Only the path is logged, never the query string, which can hold a mobile number.
package requestlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"
)

// Key is the attribute that carries the request id, on the request's line and on every
// record logged with its context.
const Key = "request_id"

type ctxKey struct{}

// state is what the request's line will say beyond what the response shows.
type state struct {
	id    string
	err   error
	what  string // what failed, for the log: "list services"
	stack string // a panic's
}

// ID returns the id of the request being served, or "".
func ID(ctx context.Context) string {
	if s, _ := ctx.Value(ctxKey{}).(*state); s != nil {
		return s.id
	}
	return ""
}

// Fail records why the request being served failed, for its log line; what says what was
// being done. The handler still answers the client. The first failure recorded is kept.
func Fail(ctx context.Context, what string, err error) {
	if s, _ := ctx.Value(ctxKey{}).(*state); s != nil && s.err == nil {
		s.what, s.err = what, err
	}
}

// Ids are a random prefix for this process and a counter: unique across instances and
// restarts, and cheaper than drawing random bytes for every request.
var (
	idPrefix = func() string {
		var b [4]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}()
	idCounter atomic.Uint64
)

func newID() string {
	var buf [32]byte
	return string(strconv.AppendUint(append(buf[:0], idPrefix...), idCounter.Add(1), 36))
}

// statusWriter remembers the status code and size written, for the log line.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestContext is the request's context with its state, for ID and Fail: what
// context.WithValue would give, but part of tracked's one allocation.
type requestContext struct {
	context.Context
	s *state
}

func (c *requestContext) Value(key any) any {
	if key == (ctxKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

// tracked is everything the middleware keeps of one request, allocated at once.
type tracked struct {
	sw       statusWriter
	s        state
	ctx      requestContext
	idHeader [1]string // X-Request-Id's value
}

// Middleware gives each request an id (echoed as X-Request-Id), turns a panic into a 500,
// and logs one line when the request ends: at error level with the error when one was
// recorded or the status is 5xx, at debug level for the health checks, else at info.
// Nothing of the line is formatted when its level is not logged.
func Middleware(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		t := &tracked{sw: statusWriter{ResponseWriter: w}, s: state{id: newID()}}
		t.ctx = requestContext{Context: r.Context(), s: &t.s}
		t.idHeader[0] = t.s.id
		// As Header().Set does, without allocating a slice for the one value.
		w.Header()["X-Request-Id"] = t.idHeader[:]
		s, sw := &t.s, &t.sw
		func() {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				s.what, s.err, s.stack = "panic", fmt.Errorf("%v", v), string(debug.Stack())
				if sw.status == 0 {
					http.Error(sw, "Internal Server Error", http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(sw, r.WithContext(&t.ctx))
		}()
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelInfo
		switch {
		case sw.status >= 500 || s.err != nil:
			level = slog.LevelError
		case r.URL.Path == "/healthz" || r.URL.Path == "/readyz":
			level = slog.LevelDebug
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		attrs := []slog.Attr{slog.String(Key, s.id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Int("bytes", sw.bytes), slog.Duration("duration", time.Since(start))}
		if s.err != nil {
			attrs = append(attrs, slog.String("failed", s.what), slog.String("err", s.err.Error()))
		}
		if s.stack != "" {
			attrs = append(attrs, slog.String("stack", s.stack))
		}
		// r's own context does not carry s, so Handler adds no second id to this line.
		log.LogAttrs(r.Context(), level, "http request", attrs...)
	})
}

// Handler adds the id of the request being served to every record logged with its context,
// so that anything logged deep down (a warning, a retried write) can be matched with its
// request line.
func Handler(h slog.Handler) slog.Handler { return idHandler{h} }

type idHandler struct{ slog.Handler }

func (h idHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := ID(ctx); id != "" {
		r.AddAttrs(slog.String(Key, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h idHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return idHandler{h.Handler.WithAttrs(attrs)}
}

func (h idHandler) WithGroup(name string) slog.Handler { return idHandler{h.Handler.WithGroup(name)} }
