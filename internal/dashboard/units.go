package dashboard

import (
	"sort"
	"strings"

	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/staff"
)

// Level is a level of the postal hierarchy.
type Level int

// The levels, from the top.
const (
	National Level = iota
	CircleLevel
	RegionLevel
	DivisionLevel
)

var levelNames = [...]string{"india", "circle", "region", "division"}

// Label is the level's name for people.
func (l Level) Label() string {
	return [...]string{"All India", "Circle", "Region", "Division"}[l]
}

// String is the level's name in keys and in the API: india, circle, region or division.
func (l Level) String() string { return levelNames[l] }

// Unit is one unit of the hierarchy whose figures the dashboard shows.
type Unit struct {
	Level Level
	Name  string // empty for the nation
}

// India is the whole country: the national office's view.
var India = Unit{Level: National}

// Key names the unit in URLs, in the API and in the stored counters: "india",
// "circle:<name>", "region:<name>" or "division:<name>".
func (u Unit) Key() string {
	if u.Level == National {
		return levelNames[National]
	}
	return levelNames[u.Level] + ":" + u.Name
}

// Title is the unit's name for people.
func (u Unit) Title() string {
	if u.Level == National {
		return "All India"
	}
	return u.Name
}

// keysOf are the counter keys a request of the Division counts under: its Division, its
// Region (if it has one), its Circle and the nation.
func keysOf(division, region, circle string) []string {
	keys := make([]string, 0, 4)
	keys = append(keys, "division:"+division)
	if region != "" {
		keys = append(keys, "region:"+region)
	}
	return append(keys, "circle:"+circle, "india")
}

// Hierarchy is the tree of units, from the pincode directory: which units lie under which.
type Hierarchy struct {
	circles   []string
	regions   map[string][]string // by Circle
	direct    map[string][]string // a Circle's Divisions that report to it with no Region
	divisions map[string][]string // by Region
	circleOf  map[string]string   // a Region's Circle
	division  map[string]postal.Division
}

// NewHierarchy reads the tree of units from the directory.
func NewHierarchy(dir *postal.Directory) *Hierarchy {
	h := &Hierarchy{regions: map[string][]string{}, direct: map[string][]string{}, divisions: map[string][]string{},
		circleOf: map[string]string{}, division: map[string]postal.Division{}}
	circles := map[string]bool{}
	for _, d := range dir.Divisions() {
		h.division[d.Name] = d
		circles[d.Circle] = true
		if d.Region == "" {
			h.direct[d.Circle] = append(h.direct[d.Circle], d.Name)
			continue
		}
		if _, seen := h.circleOf[d.Region]; !seen {
			h.circleOf[d.Region] = d.Circle
			h.regions[d.Circle] = append(h.regions[d.Circle], d.Region)
		}
		h.divisions[d.Region] = append(h.divisions[d.Region], d.Name)
	}
	for c := range circles {
		h.circles = append(h.circles, c)
	}
	for _, names := range []map[string][]string{h.regions, h.direct, h.divisions} {
		for _, list := range names {
			sort.Strings(list)
		}
	}
	sort.Strings(h.circles)
	return h
}

// Parse finds the unit a key names; ok is false for a key of no unit.
func (h *Hierarchy) Parse(key string) (Unit, bool) {
	if key == "" || key == levelNames[National] {
		return India, true
	}
	level, name, found := strings.Cut(key, ":")
	if !found {
		return Unit{}, false
	}
	for l := CircleLevel; l <= DivisionLevel; l++ {
		if level != levelNames[l] {
			continue
		}
		u := Unit{Level: l, Name: name}
		_, known := h.parent(u)
		return u, known
	}
	return Unit{}, false
}

// parent is the unit directly above u; ok is false for a unit the directory lacks.
func (h *Hierarchy) parent(u Unit) (Unit, bool) {
	switch u.Level {
	case National:
		return Unit{}, true
	case CircleLevel:
		_, ok := h.regions[u.Name]
		_, direct := h.direct[u.Name]
		return India, ok || direct
	case RegionLevel:
		c, ok := h.circleOf[u.Name]
		return Unit{CircleLevel, c}, ok
	}
	d, ok := h.division[u.Name]
	if d.Region != "" {
		return Unit{RegionLevel, d.Region}, ok
	}
	return Unit{CircleLevel, d.Circle}, ok
}

// Path is the units above u, from the nation down: the breadcrumb.
func (h *Hierarchy) Path(u Unit) []Unit {
	var path []Unit
	for u.Level != National {
		u, _ = h.parent(u)
		path = append([]Unit{u}, path...)
	}
	return path
}

// Children are the units one level down from u: a Circle's Regions and then the Divisions
// that report straight to it; a Region's Divisions. A Division has none.
func (h *Hierarchy) Children(u Unit) []Unit {
	var units []Unit
	add := func(l Level, names []string) {
		for _, n := range names {
			units = append(units, Unit{l, n})
		}
	}
	switch u.Level {
	case National:
		add(CircleLevel, h.circles)
	case CircleLevel:
		add(RegionLevel, h.regions[u.Name])
		add(DivisionLevel, h.direct[u.Name])
	case RegionLevel:
		add(DivisionLevel, h.divisions[u.Name])
	}
	return units
}

// Staff is the unit as the permission rules name it (staff.Account.May).
func (h *Hierarchy) Staff(u Unit) staff.Unit {
	switch u.Level {
	case CircleLevel:
		return staff.Unit{Circle: u.Name}
	case RegionLevel:
		return staff.Unit{Circle: h.circleOf[u.Name], Region: u.Name}
	case DivisionLevel:
		d := h.division[u.Name]
		return staff.Unit{Circle: d.Circle, Region: d.Region, Division: d.Name}
	}
	return staff.Nation
}

// Home is the unit an account's dashboard opens on: its own.
func Home(a staff.Account) Unit {
	switch a.Role {
	case staff.RoleCircle:
		return Unit{CircleLevel, a.Unit}
	case staff.RoleRegion:
		return Unit{RegionLevel, a.Unit}
	case staff.RoleDivision:
		return Unit{DivisionLevel, a.Unit}
	}
	return India
}
