// Package clientip tells where a request comes from: the client's address behind trusted
// load balancers, for the audit log.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Behind rewrites r.RemoteAddr to the client's address when the request came through
// one of the trusted load balancers, so that the audit log records where staff acted from,
// not the balancer. X-Forwarded-For is read from the right, skipping trusted hops: the
// leftmost entries are whatever the client chose to send and prove nothing.
func Behind(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil || !isTrusted(peer.Addr()) {
			next.ServeHTTP(w, r)
			return
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a malformed hop: trust nothing beyond it
			}
			if !isTrusted(a) {
				r2 := *r
				r2.RemoteAddr = net.JoinHostPort(a.Unmap().String(), "0")
				next.ServeHTTP(w, &r2)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Of is the client's IP address, without the port (after Behind, the client's behind a
// trusted balancer).
func Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
