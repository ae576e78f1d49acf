package store

import (
	_ "embed"
	"errors"
	"io/fs"
	"strings"
	"time"
)

// catalogueSeed inserts the catalogue's first services: one source for both backends' first
// migration.
//
//go:embed catalogue.sql
var catalogueSeed string

// seedMarker is the line of a backend's first migration that stands for catalogueSeed.
const seedMarker = "-- doorstep: the catalogue's first services (internal/store/catalogue.sql) are inserted here."

// Migrations returns a backend's migration files (fsys, as goose reads them) with what the
// backends share put in: a file's seedMarker line becomes the catalogue seed. Each migration
// number means the same change on every backend.
func Migrations(fsys fs.FS) (fs.FS, error) {
	files, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	out := &overlayFS{FS: fsys, files: map[string]string{}}
	for _, name := range files {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if text := string(b); strings.Contains(text, seedMarker) {
			out.files[name] = strings.Replace(text, seedMarker, strings.TrimSpace(catalogueSeed), 1)
		}
	}
	if len(out.files) != 1 {
		return nil, errors.New("store: exactly one migration must hold the catalogue seed's marker")
	}
	return out, nil
}

// overlayFS is fsys with some files' content replaced.
type overlayFS struct {
	fs.FS
	files map[string]string
}

func (o *overlayFS) Open(name string) (fs.File, error) {
	text, ok := o.files[name]
	if !ok {
		return o.FS.Open(name)
	}
	return &memFile{Reader: strings.NewReader(text), name: name, size: int64(len(text))}, nil
}

// memFile is a file of an overlayFS.
type memFile struct {
	*strings.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Size() int64                { return f.size }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }
