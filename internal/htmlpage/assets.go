package htmlpage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// Assets are the embedded static files of a surface, served under URLs that carry a hash of
// their content: a URL with the current hash is cached for good, any other is revalidated,
// so an old page never pins a new file under an old URL.
type Assets struct {
	prefix string // the URL path the files are served under, ending in "/"
	files  map[string]asset
}

type asset struct {
	data        []byte
	contentType string
	version     string
}

// NewAssets reads every file under dir of fsys, to be served under the URL path prefix.
func NewAssets(fsys fs.FS, dir, prefix string) (*Assets, error) {
	a := &Assets{prefix: strings.TrimSuffix(prefix, "/") + "/", files: map[string]asset{}}
	err := fs.WalkDir(fsys, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.files[strings.TrimPrefix(name, dir+"/")] = asset{data: data, contentType: ctype, version: hex.EncodeToString(sum[:6])}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	return a, nil
}

// URL is the address of a file, with its content's hash; it fails for a file there is not,
// so that a page cannot link to nothing.
func (a *Assets) URL(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("static file %s is missing", name)
	}
	return a.prefix + name + "?v=" + f.version, nil
}

// Serve answers the file named; it reports false, writing nothing, for a file there is not.
func (a *Assets) Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	f, ok := a.files[name]
	if !ok {
		return false
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("ETag", `"`+f.version+`"`)
	if r.URL.Query().Get("v") == f.version {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
	return true
}
