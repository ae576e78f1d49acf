package backoffice

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/doorstep-post/doorstep/internal/desk"
	"github.com/doorstep-post/doorstep/internal/request"
)

// exportColumns are the columns of an export, in order; the widths are for the spreadsheet.
var exportColumns = []struct {
	Title string
	Width float64
}{
	{"Reference", 16}, {"Created (IST)", 17}, {"Status", 18}, {"Service", 28}, {"Name", 24}, {"Address", 48},
	{"Pincode", 9}, {"Mobile", 12}, {"E-mail", 28}, {"Assigned to", 24}, {"Division", 24}, {"Last remarks", 40},
}

// exportTimeLayout sorts as text, in a spreadsheet too.
const exportTimeLayout = "2006-01-02 15:04"

// exportRows turns requests into the rows of an export.
func exportRows(reqs []request.Request, services map[string]string) [][]string {
	rows := make([][]string, len(reqs))
	for i, r := range reqs {
		rows[i] = []string{r.Reference.String(), r.CreatedAt.In(request.IST).Format(exportTimeLayout), r.Status.Label(),
			cmp.Or(services[r.ServiceCode], r.ServiceCode), r.Name, r.Address, r.Pincode, r.Mobile, r.Email,
			r.AssignedTo, r.Division, lastRemarks(r)}
	}
	return rows
}

// lastRemarks are the remarks of the latest change that had any.
func lastRemarks(r request.Request) string {
	for i := len(r.History) - 1; i >= 0; i-- {
		if r.History[i].Remarks != "" {
			return r.History[i].Remarks
		}
	}
	return ""
}

func (s *BackOffice) exportCSV(w http.ResponseWriter, r *http.Request, u *user) {
	s.export(w, r, u, "csv", "text/csv; charset=utf-8", writeCSV)
}

func (s *BackOffice) exportXLSX(w http.ResponseWriter, r *http.Request, u *user) {
	s.export(w, r, u, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", writeXLSX)
}

// export sends the requests matching the desk's filter as a file to download. The desk
// records the export in the audit log: personal data leaves the system.
func (s *BackOffice) export(w http.ResponseWriter, r *http.Request, u *user, format, contentType string,
	write func(*bytes.Buffer, [][]string) error) {
	// A HEAD (a link checker, a browser's prefetch) must not export personal data or leave
	// an audit entry for an export that did not happen.
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", contentType)
		return
	}
	ctx := r.Context()
	names, _, err := s.serviceNames(ctx)
	if err != nil {
		s.fail(w, r, u, "list services", err)
		return
	}
	f, errs := desk.ParseFilter(r.URL.Query())
	var reqs []request.Request
	if len(errs) == 0 {
		reqs, err = s.desk.Export(ctx, u.Actor, f, format)
		var invalid *request.ValidationError
		if errors.As(err, &invalid) {
			errs, err = invalid.Fields, nil
		}
	}
	if len(errs) > 0 {
		s.renderMessage(w, r, http.StatusBadRequest, u, "Error: Export", "The filter has mistakes: "+strings.Join(messages(errs), " "))
		return
	}
	if err != nil {
		s.fail(w, r, u, "export", err)
		return
	}
	// The whole file is made before anything is sent, so that a failure is a clean 500
	// rather than a cut file.
	var buf bytes.Buffer
	if err := write(&buf, exportRows(reqs, names)); err != nil {
		s.fail(w, r, u, "write "+format, err)
		return
	}
	name := fmt.Sprintf("doorstep-requests-%s.%s", time.Now().In(request.IST).Format("20060102-1504"), format)
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// writeCSV writes the requests' rows under the export's header.
func writeCSV(buf *bytes.Buffer, rows [][]string) error {
	header := make([]string, len(exportColumns))
	for i, c := range exportColumns {
		header[i] = c.Title
	}
	return writeTableCSV(buf, header, rows)
}

// writeTableCSV writes UTF-8 with a byte order mark, without which Excel shows Hindi names
// as mojibake, and defuses every cell that a spreadsheet would run as a formula.
func writeTableCSV(buf *bytes.Buffer, header []string, rows [][]string) error {
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(buf)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, row := range rows {
		safe := make([]string, len(row))
		for i, cell := range row {
			safe[i] = defuseFormula(cell)
		}
		if err := cw.Write(safe); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuseFormula keeps a spreadsheet from running what a customer typed: a cell starting
// with = + - @ (or a tab or return before one) would be read as a formula, so it gets a
// leading apostrophe, which spreadsheets show as text (OWASP's advice on CSV injection).
func defuseFormula(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// writeXLSX writes one sheet, "Requests", with a bold header row. Every cell is a string:
// mobile numbers and pincodes keep their digits, and nothing is read as a formula.
func writeXLSX(buf *bytes.Buffer, rows [][]string) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Requests"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	header := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			return err
		}
		header[i] = excelize.Cell{StyleID: bold, Value: c.Title}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	cells := make([]any, len(exportColumns))
	for i, row := range rows {
		for j, v := range row {
			cells[j] = v
		}
		axis, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(axis, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = x.WriteTo(buf)
	return err
}
