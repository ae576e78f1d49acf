package backoffice_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/dashboard"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// dashboardWorld is a world on a fixed clock (10:00 IST tomorrow, after the accounts were
// made) with requests in Agra Region: three in Agra Division, one completed 5½ hours after it
// was made, and one in Mathura Division, made 3 days before the clock.
func dashboardWorld(t *testing.T, st store.Store) (*world, dashboard.Day) {
	t.Helper()
	w := newWorld(t, st)
	day := dashboard.DayOf(time.Now()) + 4
	w.SetTime(day.Start().Add(10*time.Hour - 72*time.Hour))
	w.submit(t, "281001", "9822200004")
	w.SetTime(day.Start().Add(10 * time.Hour))
	done := w.submit(t, "282001", "9822200001")
	w.submit(t, "282001", "9822200002")
	w.submit(t, "282001", "9822200003")
	w.SetTime(w.Now().Add(5*time.Hour + 30*time.Minute))
	for _, ch := range []request.Change{{To: request.StatusInProgress, AssignedTo: "Raja Mandi SO"}, {To: request.StatusCompleted, Remarks: "Done"}} {
		if _, err := w.desk.Change(context.Background(), w.users["agra"], done.Reference.String(), ch, desk.AnyVersion); err != nil {
			t.Fatal(err)
		}
	}
	return w, day
}

// rowsOf finds the rows of a figures table: the name of each and its cells' text.
var rowPattern = regexp.MustCompile(`(?s)<tr>\s*<th scope="row" data-label="Name">(.*?)</th>(.*?)</tr>`)
var tagPattern = regexp.MustCompile(`<[^>]+>`)

func rowsOf(body string) [][]string {
	var rows [][]string
	for _, m := range rowPattern.FindAllStringSubmatch(body, -1) {
		row := []string{html.UnescapeString(tagPattern.ReplaceAllString(m[1], ""))}
		for _, td := range strings.Split(m[2], "</td>") {
			if i := strings.Index(td, ">"); i >= 0 && strings.Contains(td, "<td") {
				row = append(row, html.UnescapeString(strings.TrimSpace(tagPattern.ReplaceAllString(td[i+1:], ""))))
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// linksTo says whether the page has a link to target.
func linksTo(p page, target string) bool {
	return strings.Contains(html.UnescapeString(p.body), `href="`+target+`"`)
}

func TestDashboardPage(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w, day := dashboardWorld(t, st)
		b := w.browser(t)
		p := b.login("agra.region")
		if p.url.Path != "/dashboard" {
			t.Fatalf("a Region account lands on %s, want its dashboard", p.url)
		}
		for _, want := range []string{
			"Agra Region <span class=\"h1-sub\">Region dashboard</span>",
			"<span>All India</span>", "<span>Uttar Pradesh Circle</span>", // above the Region: not links
			"<h2 id=\"units\">Divisions</h2>",
			"Times to complete are to the hour",
			"<svg", "Received and completed per day", "Open requests by age",
		} {
			if !p.has(want) {
				t.Errorf("the Region's dashboard lacks %q", want)
			}
		}
		// Today: three received, one completed, three open (Mathura's made 3 days ago is
		// overdue), the Divisions below by name.
		figures := map[string]string{"Received": "3", "Completed": "1", "Open now": "3", "Overdue now": "1", "Completion rate": "100.0%",
			"Median time to complete": "5–6 hours"}
		for label, value := range figures {
			re := regexp.MustCompile(`<dt>` + regexp.QuoteMeta(label) + `</dt><dd>(?:<a href="[^"]*">)?` + regexp.QuoteMeta(value) + `[<]`)
			if !re.MatchString(p.body) {
				t.Errorf("figure %s is not %s", label, value)
			}
		}
		rows := rowsOf(p.body)
		// Units first, by name (Agra Region has eight Divisions), then the services.
		if len(rows) < 8 || rows[0][0] != "Agra Division" || rows[7][0] != "Mathura Division" {
			t.Fatalf("rows %q", rows)
		}
		if got := strings.Join(rows[0][1:], "|"); got != "3|1|2|0|100.0%|5–6 hours" {
			t.Errorf("Agra Division's row: %s", got)
		}
		if got := strings.Join(rows[7][1:], "|"); got != "0|0|1|1|–|–" {
			t.Errorf("Mathura Division's row: %s", got)
		}
		// A Division's row leads one level down, and to its requests on the desk.
		agra := url.QueryEscape("division:Agra Division")
		if !linksTo(p, `/dashboard?period=today&unit=`+agra) {
			t.Errorf("no link down to Agra Division's dashboard")
		}
		if !linksTo(p, `/desk?division=Mathura+Division&overdue=1`) {
			t.Errorf("Mathura's overdue figure does not lead to the desk's overdue list")
		}

		// Sorted by what is overdue, most first, then the other way.
		p = b.get("/dashboard?unit=" + url.QueryEscape("region:Agra Region") + "&sort=overdue&order=desc")
		if rows := rowsOf(p.body); rows[0][0] != "Mathura Division" || !p.has(`aria-sort="descending"`) {
			t.Errorf("sorted by overdue, descending: first row %q", rows[0][0])
		}
		p = b.get("/dashboard?unit=" + url.QueryEscape("region:Agra Region") + "&sort=overdue")
		if rows := rowsOf(p.body); rows[0][0] != "Agra Division" || rows[7][0] != "Mathura Division" || !p.has(`aria-sort="ascending"`) {
			t.Errorf("sorted by overdue, ascending (ties by name): rows %q", rows[:8])
		}

		// Last 7 days: the trend has 7 days, and Mathura's request counts as received.
		p = b.get("/dashboard?unit=" + url.QueryEscape("region:Agra Region") + "&period=7d")
		if rows := rowsOf(p.body); rows[7][1] != "1" {
			t.Errorf("Mathura over 7 days: %q", rows[7])
		}
		if n := strings.Count(p.body, `<th scope="row" data-label="Day">`); n != 7 {
			t.Errorf("the trend's table has %d days, want 7", n)
		}
		if n := strings.Count(p.body, "<svg "); n != 2 {
			t.Errorf("%d charts, want the trend and the ages", n)
		}

		// Down to a Division: the desk's links, and a breadcrumb back up to the Region.
		p = b.get("/dashboard?unit=" + agra)
		if !linksTo(p, `/dashboard?period=today&unit=`+url.QueryEscape("region:Agra Region")) ||
			!linksTo(p, `/desk?division=Agra+Division&overdue=1`) || strings.Contains(p.body, `<h2 id="units">`) {
			t.Errorf("Agra Division's dashboard: no breadcrumb up or no desk links, or rows below a Division")
		}
		// A custom range, and one with mistakes.
		p = b.get("/dashboard?unit=" + agra + "&from=" + (day - 3).String() + "&to=" + day.String())
		if p.status != http.StatusOK || !p.has("to "+day.Start().Format("2 Jan 2006")) {
			t.Errorf("custom range: %d", p.status)
		}
		p = b.get("/dashboard?unit=" + agra + "&period=custom&from=" + day.String() + "&to=" + (day - 1).String())
		if p.status != http.StatusBadRequest || !p.has("The end date is before the start date.") || !p.has(`aria-invalid="true"`) {
			t.Errorf("a range ending before it starts: %d", p.status)
		}

		// Outside the Region: refused; no such unit: not found.
		for path, want := range map[string]int{
			"/dashboard?unit=india": http.StatusForbidden,
			"/dashboard?unit=" + url.QueryEscape("division:New Delhi GPO Division"): http.StatusForbidden,
			"/dashboard?unit=" + url.QueryEscape("region:Atlantis Region"):          http.StatusNotFound,
			"/dashboard/export.csv?unit=india&table=units":                          http.StatusForbidden,
			"/dashboard/export.csv?table=nothing":                                   http.StatusBadRequest,
		} {
			if p := b.get(path); p.status != want {
				t.Errorf("%s: %d, want %d", path, p.status, want)
			}
		}

		// A Division account: its own Division's dashboard, nothing above.
		d := w.loggedIn(t, "mathura")
		p = d.get("/dashboard")
		if !p.has("Mathura Division <span") || !linksTo(p, `/desk?division=Mathura+Division&overdue=1`) {
			t.Errorf("a Division account's dashboard is not its Division's")
		}
		if p := d.get("/dashboard?unit=" + agra); p.status != http.StatusForbidden {
			t.Errorf("another Division's dashboard: %d", p.status)
		}
	})
}

func TestDashboardDownloads(t *testing.T) {
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w, _ := dashboardWorld(t, st)
		b := w.loggedIn(t, "up.circle")
		// The Circle's rows of Regions lead to their requests on the desk, as a Division's do.
		if p := b.get("/dashboard"); !linksTo(p, `/desk?overdue=1&region=Agra+Region`) {
			t.Errorf("the Circle's dashboard: Agra Region's overdue figure does not lead to the desk")
		}
		if p := b.get("/desk?overdue=1&region=Agra+Region"); p.status != http.StatusOK || !p.has("281001") || p.has("282001") {
			t.Errorf("the desk's overdue list of Agra Region: %d, or not just Mathura's request", p.status)
		}
		unit := url.QueryEscape("region:Agra Region")
		p := b.get("/dashboard/export.csv?table=units&period=today&unit=" + unit)
		if p.status != http.StatusOK || !strings.Contains(p.header.Get("Content-Disposition"), "doorstep-dashboard-agra-region-units-") {
			t.Fatalf("CSV: %d %q", p.status, p.header.Get("Content-Disposition"))
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != 9 || records[0][0] != "Unit" || records[1][0] != "Agra Division" || records[1][2] != "3" ||
			records[8][0] != "Mathura Division" || records[8][7] != "1" {
			t.Errorf("units CSV: %q", records)
		}
		entries := w.audit(t, audit.Query{Action: "export"})
		if len(entries) != 1 || entries[0].Actor != "up.circle" || entries[0].Target != "region:Agra Region" ||
			!strings.Contains(entries[0].Details, "dashboard csv, table units") {
			t.Errorf("audit after the CSV: %+v", entries)
		}

		p = b.get("/dashboard/export.xlsx?period=today&unit=" + unit)
		if p.status != http.StatusOK {
			t.Fatalf("XLSX: %d", p.status)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(p.body)))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if sheets := x.GetSheetList(); len(sheets) != 5 || sheets[0] != "Figures" || sheets[1] != "Units one level down" {
			t.Errorf("sheets %q", sheets)
		}
		if v, _ := x.GetCellValue("Figures", "F2"); v != "3" {
			t.Errorf("received in the workbook: %q", v)
		}
		if typ, _ := x.GetCellType("Figures", "F2"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("received is stored as %v, not a number", typ)
		}
		if n := len(w.audit(t, audit.Query{Action: "export"})); n != 2 {
			t.Errorf("%d exports in the audit log, want 2", n)
		}
	})
}
