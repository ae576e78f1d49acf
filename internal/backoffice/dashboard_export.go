package backoffice

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/doorstep-post/doorstep/internal/dashboard"
)

// dashboardTable is one table of the dashboard as a download: a header and rows of text.
type dashboardTable struct {
	name, label string
	build       func(f dashboard.Figures) (header []string, rows [][]string)
}

// dashboardTables are the dashboard's tables, in the order of the page and the workbook.
var dashboardTables = []dashboardTable{
	{"summary", "Figures", summaryTable},
	{"units", "Units one level down", unitsTable},
	{"services", "By type of service", servicesTable},
	{"trend", "Per day", trendTable},
	{"ages", "Open by age", agesTable},
}

var rowHeader = []string{"Received", "Completed", "Not serviceable", "Cancelled", "Open now", "Overdue now",
	"Completion rate (%)", "Median time to complete", "90th percentile time to complete"}

// rowCells are a row's figures as plain numbers and words, as a spreadsheet reads them.
func rowCells(r dashboard.Row) []string {
	rateCell := ""
	if v, ok := r.CompletionRate(); ok {
		rateCell = strconv.FormatFloat(v*100, 'f', 1, 64)
	}
	spanCell := func(s dashboard.Span, ok bool) string {
		if !ok {
			return ""
		}
		return s.Label()
	}
	return []string{itoa(r.Received), itoa(r.Completed), itoa(r.NotServiceable), itoa(r.Cancelled), itoa(r.Open), itoa(r.Overdue),
		rateCell, spanCell(r.Median()), spanCell(r.P90())}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func summaryTable(f dashboard.Figures) ([]string, [][]string) {
	header := append([]string{"Unit", "Level", "From", "To", "Open figures as of (IST)"}, rowHeader...)
	row := append([]string{f.Unit.Title(), f.Unit.Level.Label(), f.Period.From.String(), f.Period.To.String(),
		f.AsOf.In(dashboard.IST).Format(exportTimeLayout)}, rowCells(f.Total)...)
	return header, [][]string{row}
}

func unitsTable(f dashboard.Figures) ([]string, [][]string) {
	header := append([]string{"Unit", "Level"}, rowHeader...)
	rows := make([][]string, len(f.Children))
	for i, c := range f.Children {
		rows[i] = append([]string{c.Unit.Title(), c.Unit.Level.Label()}, rowCells(c)...)
	}
	return header, rows
}

func servicesTable(f dashboard.Figures) ([]string, [][]string) {
	header := append([]string{"Service", "Code"}, rowHeader...)
	rows := make([][]string, len(f.ByService))
	for i, s := range f.ByService {
		rows[i] = append([]string{s.Service.Name, s.Service.Code}, rowCells(s)...)
	}
	return header, rows
}

func trendTable(f dashboard.Figures) ([]string, [][]string) {
	rows := make([][]string, len(f.Trend))
	for i, d := range f.Trend {
		rows[i] = []string{d.Day.String(), itoa(d.Received), itoa(d.Completed)}
	}
	return []string{"Date", "Received", "Completed"}, rows
}

func agesTable(f dashboard.Figures) ([]string, [][]string) {
	rows := make([][]string, len(dashboard.AgeLabels))
	for i, label := range dashboard.AgeLabels {
		rows[i] = []string{label, itoa(f.OpenByAge[i])}
	}
	return []string{"Age", "Open now"}, rows
}

// dashboardCSV sends one table of the dashboard as CSV; dashboardXLSX every table as one
// workbook. Both are recorded in the audit log like the desk's exports: the figures of a
// part of the postal network leave the system.
func (s *BackOffice) dashboardCSV(w http.ResponseWriter, r *http.Request, u *user) {
	name := r.URL.Query().Get(paramTable)
	var table *dashboardTable
	for i := range dashboardTables {
		if dashboardTables[i].name == name {
			table = &dashboardTables[i]
		}
	}
	if table == nil {
		names := make([]string, len(dashboardTables))
		for i, t := range dashboardTables {
			names[i] = t.name
		}
		s.renderMessage(w, r, http.StatusBadRequest, u, "Error: Download",
			fmt.Sprintf("Say which table to download: table is one of %s.", strings.Join(names, ", ")))
		return
	}
	s.dashboardDownload(w, r, u, "csv", table.name, "text/csv; charset=utf-8", func(buf *bytes.Buffer, f dashboard.Figures) error {
		header, rows := table.build(f)
		return writeTableCSV(buf, header, rows)
	})
}

func (s *BackOffice) dashboardXLSX(w http.ResponseWriter, r *http.Request, u *user) {
	s.dashboardDownload(w, r, u, "xlsx", "all", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", writeDashboardXLSX)
}

func (s *BackOffice) dashboardDownload(w http.ResponseWriter, r *http.Request, u *user, format, table, contentType string,
	write func(*bytes.Buffer, dashboard.Figures) error) {
	if r.Method == http.MethodHead { // a prefetch: no figures, no audit entry
		w.Header().Set("Content-Type", contentType)
		return
	}
	q, errs := s.parseDashboardQuery(r)
	if len(errs) > 0 {
		s.renderMessage(w, r, http.StatusBadRequest, u, "Error: Download", "The period has mistakes: "+strings.Join(messages(errs), " "))
		return
	}
	f, ok := s.figures(w, r, u, q)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := write(&buf, f); err != nil {
		s.fail(w, r, u, "write dashboard "+format, err)
		return
	}
	details := fmt.Sprintf("dashboard %s, table %s, %s to %s", format, table, f.Period.From, f.Period.To)
	if err := s.desk.Audit(r.Context(), u.Actor, "export", f.Unit.Key(), details); err != nil {
		s.fail(w, r, u, "audit dashboard export", err)
		return
	}
	filename := fmt.Sprintf("doorstep-dashboard-%s-%s-%s-%s.%s", fileSafe(f.Unit.Title()), table, f.Period.From, f.Period.To, format)
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// fileSafe is a unit's name as part of a file name: lower case, words joined by hyphens.
func fileSafe(name string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(word)
	}
	return b.String()
}

// writeDashboardXLSX writes a sheet per table, numbers as numbers so that they add up.
func writeDashboardXLSX(buf *bytes.Buffer, f dashboard.Figures) error {
	x := excelize.NewFile()
	defer x.Close()
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, t := range dashboardTables {
		sheet := t.label
		if i == 0 {
			if err := x.SetSheetName("Sheet1", sheet); err != nil {
				return err
			}
		} else if _, err := x.NewSheet(sheet); err != nil {
			return err
		}
		header, rows := t.build(f)
		for c, title := range header {
			axis, _ := excelize.CoordinatesToCellName(c+1, 1)
			if err := x.SetCellValue(sheet, axis, title); err != nil {
				return err
			}
			if err := x.SetCellStyle(sheet, axis, axis, bold); err != nil {
				return err
			}
		}
		for r, row := range rows {
			for c, v := range row {
				axis, _ := excelize.CoordinatesToCellName(c+1, r+2)
				var value any = v
				if n, err := strconv.ParseFloat(v, 64); err == nil { // the tables hold no codes of digits
					value = n
				}
				if err := x.SetCellValue(sheet, axis, value); err != nil {
					return err
				}
			}
		}
		if err := x.SetColWidth(sheet, "A", "A", 30); err != nil {
			return err
		}
	}
	_, err = x.WriteTo(buf)
	return err
}
