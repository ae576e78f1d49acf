// Package postal is the India Post hierarchy (Circle > Region > Division) and the pincode
// directory that decides which Division serves an address. The directory is compiled into
// the binary from the Department of Posts' open data (see data/README.md).
package postal

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

//go:embed data/pincodes.csv.gz
var pincodesCSVGz []byte

// noRegion is the source's marker for a Division that reports straight to its Circle.
const noRegion = "DivReportingCircle"

// Area is what the directory knows about one pincode: the unit that serves it and where it is.
type Area struct {
	Pincode  string
	Division string
	Region   string // empty when the Division reports straight to its Circle
	Circle   string
	District string // empty where the source has none
	State    string // empty where the source has none
}

// Division is one postal Division and the units above it.
type Division struct {
	Name   string
	Region string // empty when the Division reports straight to its Circle
	Circle string
}

// Errors returned by Lookup. Their messages are written for the customer.
var (
	ErrPincodeFormat  = errors.New("a pincode is 6 digits and does not start with 0")
	ErrUnknownPincode = errors.New("pincode not in the directory")
)

// UnknownPincodeError says which pincode the directory lacks.
type UnknownPincodeError struct{ Pincode string }

func (e *UnknownPincodeError) Error() string {
	return fmt.Sprintf("We do not have pincode %s in the India Post directory", e.Pincode)
}

func (e *UnknownPincodeError) Is(target error) bool { return target == ErrUnknownPincode }

// Directory answers pincode lookups. It is read-only after loading and safe for concurrent use.
type Directory struct {
	byPincode map[string]Area
	divisions map[string]Division
}

// Load reads the directory embedded in the binary.
func Load() (*Directory, error) {
	zr, err := gzip.NewReader(bytes.NewReader(pincodesCSVGz))
	if err != nil {
		return nil, fmt.Errorf("postal: open embedded directory: %w", err)
	}
	return Parse(zr)
}

// Parse reads a directory in the pincodes.csv format
// (pincode,division,region,circle,district,state with a header line).
func Parse(r io.Reader) (*Directory, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 6
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("postal: read header: %w", err)
	}
	want := []string{"pincode", "division", "region", "circle", "district", "state"}
	for i, name := range want {
		if header[i] != name {
			return nil, fmt.Errorf("postal: column %d is %q, want %q", i+1, header[i], name)
		}
	}
	d := &Directory{byPincode: make(map[string]Area, 20000), divisions: make(map[string]Division, 500)}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("postal: %w", err)
		}
		a := Area{
			Pincode:  rec[0],
			Division: clean(rec[1]),
			Region:   clean(rec[2]),
			Circle:   clean(rec[3]),
			District: clean(rec[4]),
			State:    clean(rec[5]),
		}
		if a.Region == noRegion {
			a.Region = ""
		}
		if err := checkFormat(a.Pincode); err != nil || a.Division == "" || a.Circle == "" {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("postal: line %d: bad row %q", line, strings.Join(rec, ","))
		}
		if _, dup := d.byPincode[a.Pincode]; dup {
			return nil, fmt.Errorf("postal: pincode %s listed twice", a.Pincode)
		}
		d.byPincode[a.Pincode] = a
		// A few pincodes name another Circle's Division; the first row seen defines it.
		if _, seen := d.divisions[a.Division]; !seen {
			d.divisions[a.Division] = Division{Name: a.Division, Region: a.Region, Circle: a.Circle}
		}
	}
	if len(d.byPincode) == 0 {
		return nil, errors.New("postal: directory is empty")
	}
	return d, nil
}

// clean folds runs of white space (the source has names such as "Lucknow  HQ Region") and
// treats the source's "NA" as missing.
func clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "NA" {
		return ""
	}
	return s
}

// NormalizePincode strips spaces a person may type inside a pincode ("110 001").
func NormalizePincode(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func checkFormat(pincode string) error {
	if len(pincode) != 6 || pincode[0] == '0' {
		return ErrPincodeFormat
	}
	for i := 0; i < len(pincode); i++ {
		if pincode[i] < '0' || pincode[i] > '9' {
			return ErrPincodeFormat
		}
	}
	return nil
}

// Lookup returns the Area serving pincode. The error is ErrPincodeFormat for something that
// cannot be a pincode and an *UnknownPincodeError (matching ErrUnknownPincode) for a
// well-formed pincode the directory does not have.
func (d *Directory) Lookup(pincode string) (Area, error) {
	pincode = NormalizePincode(pincode)
	if err := checkFormat(pincode); err != nil {
		return Area{}, err
	}
	a, ok := d.byPincode[pincode]
	if !ok {
		return Area{}, &UnknownPincodeError{Pincode: pincode}
	}
	return a, nil
}

// Len is the number of pincodes in the directory.
func (d *Directory) Len() int { return len(d.byPincode) }

// Division returns the named Division.
func (d *Directory) Division(name string) (Division, bool) {
	div, ok := d.divisions[name]
	return div, ok
}

// Divisions lists every Division, sorted by name.
func (d *Directory) Divisions() []Division {
	out := make([]Division, 0, len(d.divisions))
	for _, div := range d.divisions {
		out = append(out, div)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Pincodes lists every pincode in the directory, sorted.
func (d *Directory) Pincodes() []string {
	out := make([]string, 0, len(d.byPincode))
	for p := range d.byPincode {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Regions lists every Region's name, sorted.
func (d *Directory) Regions() []string {
	return d.units(func(div Division) string { return div.Region })
}

// Circles lists every Circle's name, sorted.
func (d *Directory) Circles() []string {
	return d.units(func(div Division) string { return div.Circle })
}

func (d *Directory) units(name func(Division) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, div := range d.divisions {
		if n := name(div); n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
