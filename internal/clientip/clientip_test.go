package clientip

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestBehind(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	var seen string
	h := Behind(trusted, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }))
	cases := []struct{ peer, forwarded, want string }{
		{"10.0.0.5:4000", "203.0.113.9", "203.0.113.9:0"},                         // through the balancer
		{"10.0.0.5:4000", "198.51.100.1, 203.0.113.9, 10.0.0.6", "203.0.113.9:0"}, // a forged first hop is ignored
		{"203.0.113.50:4000", "198.51.100.1", "203.0.113.50:4000"},                // not a balancer: header ignored
		{"10.0.0.5:4000", "", "10.0.0.5:4000"},
		{"10.0.0.5:4000", "garbage, 10.0.0.7", "10.0.0.5:4000"},
		{"[::ffff:10.0.0.5]:4000", "2001:db8::1", "[2001:db8::1]:0"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.forwarded != "" {
			r.Header.Set("X-Forwarded-For", c.forwarded)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s, want %s", c.peer, c.forwarded, seen, c.want)
		}
	}
}

func TestOf(t *testing.T) {
	for remote, want := range map[string]string{"203.0.113.9:4000": "203.0.113.9", "[2001:db8::1]:0": "2001:db8::1", "pipe": "pipe"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := Of(r); got != want {
			t.Errorf("Of(%q) = %q, want %q", remote, got, want)
		}
	}
}
