package evaluator

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
)

// ReportRow is one staff record in an agency's staff security report (SPEC §8), the list a
// coordinator reviews: unit, name, NT login, whether the worker is the unit approver, business
// functions, security attributes, out-assignments, start and end. Status says whether the
// record is active, ended or not yet started on the report's day.
type ReportRow struct {
	Unit           string   `json:"unit"`
	UnitName       string   `json:"unit_name"`
	Person         string   `json:"person"`
	Name           string   `json:"name"`
	NTAccount      string   `json:"nt_account"`
	UnitApprover   bool     `json:"unit_approver"`
	Functions      []string `json:"functions"`
	Attributes     []string `json:"security_attributes"`
	OutAssignments []string `json:"out_assignments"`
	Start          string   `json:"start"`
	End            string   `json:"end"`
	Status         string   `json:"status"`
}

// Report is the staff security report of one agency on a day.
type Report struct {
	Agency     string      `json:"agency"`
	AgencyName string      `json:"agency_name"`
	AsOf       string      `json:"as_of"`
	Rows       []ReportRow `json:"rows"`
}

// Report answers the staff security report of an agency on asOf (empty: the snapshot's day):
// every staff record of the agency, ended ones included, in the snapshot's order.
func (m *Model) Report(agency, asOf string) (*Report, error) {
	a, ok := m.agencyIdx[agency]
	if !ok {
		return nil, requestErr(CodeUnknownReference, "no agency has the id %q", agency)
	}
	day, err := m.day(asOf)
	if err != nil {
		return nil, err
	}
	ag := &m.agencies[a]
	out := &Report{Agency: ag.src.ID, AgencyName: ag.src.Name, AsOf: day.String(), Rows: []ReportRow{}}
	for i := range ag.records {
		rec := &ag.records[i]
		who := m.people[rec.person].src
		row := ReportRow{Person: who.ID, Name: who.Name, NTAccount: who.NTAccount,
			Functions: []string{}, Attributes: []string{}, OutAssignments: []string{},
			Start: rec.start.String(), End: rec.end.String(), Status: recordStatus(rec, day)}
		if rec.unit >= 0 {
			u := &m.units[rec.unit]
			row.Unit, row.UnitName = u.src.ID, u.src.Name
			row.UnitApprover = u.approver == rec.person
		}
		for _, f := range rec.functions {
			row.Functions = append(row.Functions, m.functions[f].src.Code)
			for _, at := range m.functions[f].src.Attributes {
				if !slices.Contains(row.Attributes, at.Name) {
					row.Attributes = append(row.Attributes, at.Name)
				}
			}
		}
		for _, o := range rec.outs {
			row.OutAssignments = append(row.OutAssignments, outLine(m.units[o.unit].src.ID, o))
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func recordStatus(rec *recordC, day Date) string {
	switch {
	case day < rec.start:
		return "future"
	case day >= rec.end:
		return "ended"
	}
	return "active"
}

// reportHeader is the CSV header of the staff security report.
var reportHeader = []string{"unit", "unit_name", "person", "name", "nt_account", "unit_approver",
	"functions", "security_attributes", "out_assignments", "start", "end", "status"}

// CSV writes the report as CSV (RFC 4180) with a header row; lists are joined with "; ".
func (r *Report) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(reportHeader)
	for _, row := range r.Rows {
		approver := "no"
		if row.UnitApprover {
			approver = "yes"
		}
		_ = w.Write([]string{row.Unit, row.UnitName, row.Person, csvSafe(row.Name), row.NTAccount, approver,
			strings.Join(row.Functions, "; "), strings.Join(row.Attributes, "; "),
			strings.Join(row.OutAssignments, "; "), row.Start, row.End, row.Status})
	}
	w.Flush()
	return buf.Bytes()
}

// csvSafe keeps a spreadsheet from reading a name as a formula (CSV injection): a leading
// =, +, - or @ is prefixed with an apostrophe.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
