// Package htmlpage parses the server-rendered pages of the customer portal and the staff
// back office in the same way: each page is templates/NAME.html defining "main", parsed
// with the shared templates/layout.html and templates/partials.html.
package htmlpage

import (
	"fmt"
	"html/template"
	"io/fs"
	"iter"
)

// Parse returns each named page, parsed from fsys with the layout and partials and funcs.
// A page that defines no "main" is an error: the layout would render nothing.
func Parse(fsys fs.FS, funcs template.FuncMap, names iter.Seq[string]) (map[string]*template.Template, error) {
	common, err := template.New("layout").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	pages := make(map[string]*template.Template)
	for name := range names {
		clone, err := common.Clone()
		if err != nil {
			return nil, err
		}
		page, err := clone.ParseFS(fsys, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		if page.Lookup("main") == nil {
			return nil, fmt.Errorf("templates/%s.html defines no \"main\"", name)
		}
		pages[name] = page
	}
	return pages, nil
}
