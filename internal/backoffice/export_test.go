package backoffice_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/doorstep-post/doorstep/internal/audit"
	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

var exportHeader = []string{"Reference", "Created (IST)", "Status", "Service", "Name", "Address", "Pincode", "Mobile",
	"E-mail", "Assigned to", "Division", "Last remarks"}

// TestExports: the CSV and the Excel file hold exactly the requests of the filter, and both
// are audited.
func TestExports(t *testing.T) {
	t.Parallel()
	testenv.ForEachBackend(t, func(t *testing.T, st store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		var reqs []request.Request
		for i := range 3 {
			reqs = append(reqs, w.submit(t, "282001", fmt.Sprintf("98111111%02d", i)))
		}
		w.submit(t, "281001", "9822222222") // Mathura's: never in Agra's export
		if _, err := w.desk.Change(ctx, w.users["agra"], string(reqs[1].Reference), request.Change{To: request.StatusInProgress,
			AssignedTo: "Ravi", Remarks: "=HYPERLINK(\"http://evil.example\")"}, desk.AnyVersion); err != nil {
			t.Fatal(err)
		}
		b := w.loggedIn(t, "agra")

		csvFile := b.get("/desk/export.csv?status=in_progress")
		if csvFile.status != http.StatusOK || !strings.HasPrefix(csvFile.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(csvFile.header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("csv: %d %v", csvFile.status, csvFile.header)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvFile.body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		r := reqs[1]
		want := [][]string{exportHeader, {r.Reference.String(), r.CreatedAt.In(request.IST).Format("2006-01-02 15:04"), "In progress",
			"e-Money Order", "Kamla Devi", "14 Sadar Bazaar, near the clock tower", "282001", "9811111101", "kamla@example.com",
			"Ravi", "Agra Division", "'=HYPERLINK(\"http://evil.example\")"}}
		if !slices.EqualFunc(rows, want, slices.Equal) {
			t.Errorf("csv rows\n%q\nwant\n%q", rows, want)
		}

		xlsxFile := b.get("/desk/export.xlsx?status=all&order=newest")
		if xlsxFile.status != http.StatusOK {
			t.Fatalf("xlsx: %d", xlsxFile.status)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(xlsxFile.body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet, err := f.GetRows("Requests")
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, row := range sheet[1:] {
			refs = append(refs, row[0])
		}
		wantRefs := []string{reqs[2].Reference.String(), reqs[1].Reference.String(), reqs[0].Reference.String()}
		if !slices.Equal(sheet[0], exportHeader) || !slices.Equal(refs, wantRefs) {
			t.Errorf("xlsx: header %q, references %v, want %v", sheet[0], refs, wantRefs)
		}
		if got := sheet[2]; got[7] != "9811111101" || got[11] != "=HYPERLINK(\"http://evil.example\")" {
			t.Errorf("xlsx row %q", got)
		}
		if formula, _ := f.GetCellFormula("Requests", "L3"); formula != "" {
			t.Errorf("the remarks became a formula: %q", formula)
		}

		// A HEAD of an export link exports nothing and leaves no audit entry.
		head, err := http.NewRequest(http.MethodHead, w.srv.URL+"/desk/export.csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		if p := b.do(head); p.status != http.StatusOK || p.body != "" {
			t.Errorf("HEAD export: %d %q", p.status, p.body)
		}
		audit := w.audit(t, audit.Query{Action: "export"})
		if len(audit) != 2 || !strings.HasPrefix(audit[0].Details, "xlsx, 3 rows") || !strings.HasPrefix(audit[1].Details, "csv, 1 rows") {
			t.Errorf("export audit %+v", audit)
		}
		if p := b.get("/desk/export.csv?status=done"); p.status != http.StatusBadRequest || !p.has("is not a status") {
			t.Errorf("export with a bad filter: %d", p.status)
		}
		// The dates of the filter are Indian dates.
		from, to := reqs[0].CreatedAt.In(request.IST), reqs[2].CreatedAt.In(request.IST)
		p := b.get("/desk/export.csv?from=" + from.Format(time.DateOnly) + "&to=" + to.Format(time.DateOnly))
		if rows, _ := csv.NewReader(strings.NewReader(p.body)).ReadAll(); len(rows) != 4 {
			t.Errorf("export from %s to %s: %d rows", from, to, len(rows))
		}
		p = b.get("/desk/export.csv?to=" + from.AddDate(0, 0, -1).Format(time.DateOnly))
		if rows, _ := csv.NewReader(strings.NewReader(p.body)).ReadAll(); len(rows) != 1 {
			t.Errorf("export of the day before: %d rows", len(rows))
		}
	})
}
