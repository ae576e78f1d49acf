package staff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/doorstep-post/doorstep/internal/postal"
)

// UnitError is a unit name the directory does not have, with the closest names it has.
type UnitError struct {
	Role        Role
	Unit        string
	Suggestions []string
}

func (e *UnitError) Error() string {
	kind := map[Role]string{RoleDivision: "Division", RoleRegion: "Region", RoleCircle: "Circle"}[e.Role]
	if e.Unit == "" {
		return fmt.Sprintf("Give the %s this account belongs to.", kind)
	}
	msg := fmt.Sprintf("There is no %s named %q in the postal directory.", kind, e.Unit)
	if len(e.Suggestions) > 0 {
		msg += " Did you mean: " + strings.Join(e.Suggestions, "; ") + "?"
	}
	return msg
}

// Units lists the units an account of the role can belong to.
func Units(dir *postal.Directory, role Role) []string {
	switch role {
	case RoleDivision:
		var names []string
		for _, d := range dir.Divisions() {
			names = append(names, d.Name)
		}
		return names
	case RoleRegion:
		return dir.Regions()
	case RoleCircle:
		return dir.Circles()
	}
	return nil
}

// ResolveUnit finds the unit an account of the role belongs to, forgiving case and spacing.
// Admins have no unit. An unknown name gets a *UnitError with up to five close names.
func ResolveUnit(dir *postal.Directory, role Role, unit string) (string, error) {
	unit = strings.Join(strings.Fields(unit), " ")
	if role == RoleAdmin {
		return "", nil
	}
	names := Units(dir, role)
	for _, n := range names {
		if strings.EqualFold(n, unit) {
			return n, nil
		}
	}
	return "", &UnitError{Role: role, Unit: unit, Suggestions: closest(names, unit, 5)}
}

// closest ranks names by how many edits turn them into s, after case folding; a name that
// contains s (or every word of it) ranks first, since people type part of a name.
func closest(names []string, s string, n int) []string {
	if s == "" {
		return nil
	}
	want := strings.ToLower(s)
	words := strings.Fields(want)
	type scored struct {
		name  string
		score int
	}
	var all []scored
	for _, name := range names {
		lower := strings.ToLower(name)
		score := editDistance(lower, want)
		if containsAll(lower, words) {
			score -= 1000
		}
		all = append(all, scored{name, score})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score < all[j].score })
	var out []string
	for _, c := range all {
		if len(out) == n || c.score > len(want)/2+1 && c.score >= 0 {
			break
		}
		out = append(out, c.name)
	}
	return out
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return len(words) > 0
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
