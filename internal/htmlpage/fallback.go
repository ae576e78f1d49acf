package htmlpage

import (
	"net/http"
	"slices"
	"strings"
)

// AllowedMethods lists the methods the mux would serve r's path with, when it serves it
// with none other than r's own: what a 405's Allow header lists. Patterns in catchAll (the
// catch-all routes themselves, such as "/") do not count. HEAD is allowed wherever GET is.
func AllowedMethods(mux *http.ServeMux, r *http.Request, catchAll ...string) []string {
	var allow []string
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if method == r.Method || method == http.MethodGet && r.Method == http.MethodHead {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := mux.Handler(probe); pattern != "" && !slices.Contains(catchAll, pattern) {
			allow = append(allow, method)
			if method == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	return allow
}

// Fallback answers what no other route of mux matched: notAllowed (after setting Allow) if
// the path exists for another method, else notFound. Register it at the catch-all patterns
// it is given.
func Fallback(mux *http.ServeMux, notFound, notAllowed http.HandlerFunc, catchAll ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if allow := AllowedMethods(mux, r, catchAll...); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			notAllowed(w, r)
			return
		}
		notFound(w, r)
	}
}
