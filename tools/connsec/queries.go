package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/connsec/connsec/evaluator"
)

// runCheck is `connsec check`: one decision with its reasons. Exit 0 allowed, 1 not allowed.
func runCheck(args []string, stdout, stderr io.Writer) int {
	c := newCommand("check", "--snapshot F --subject P --action A --resource R [--as-of D] [--json]", stdout, stderr)
	var r evaluator.Request
	if code, ok := c.parseRequest(args, &r); !ok {
		return code
	}
	m, ok := c.read()
	if !ok {
		return 2
	}
	r.AsOf = c.asOf
	d, err := m.Check(r)
	if err != nil {
		return c.requestFailed(err)
	}
	if c.json {
		c.printJSON(d)
	} else {
		verdict := "NOT ALLOWED"
		if d.Allowed {
			verdict = "ALLOWED"
		}
		fmt.Fprintf(stdout, "%s: %s %s on %s", verdict, r.Subject, r.Action, r.Resource)
		if d.Level != "" {
			fmt.Fprintf(stdout, " (level: %s)", d.Level)
		}
		fmt.Fprintln(stdout)
		for _, reason := range d.Reasons {
			fmt.Fprintf(stdout, "  - %s\n", reason.Message)
		}
	}
	if !d.Allowed {
		return 1
	}
	return 0
}

// parseRequest reads the flags of one request (--subject, --action, --resource) with the
// shared ones; the day is set once the snapshot is read.
func (c *command) parseRequest(args []string, r *evaluator.Request) (int, bool) {
	c.fs.StringVar(&r.Subject, "subject", "", "the person asking (p-…)")
	c.fs.StringVar(&r.Action, "action", "", "read, edit, manage_security, create:<kind> or a capability")
	c.fs.StringVar(&r.Resource, "resource", "", "page:<id>, or agency:/unit:/person:<id> for a capability")
	return c.parse(args, "subject", "action", "resource")
}

// runWho is `connsec who`: everyone allowed an action on a page or capability target.
func runWho(args []string, stdout, stderr io.Writer) int {
	c := newCommand("who", "--snapshot F --action A --resource R [--as-of D] [--json]", stdout, stderr)
	var action, resource string
	c.fs.StringVar(&action, "action", "", "read, edit, manage_security, create:<kind> or a capability")
	c.fs.StringVar(&resource, "resource", "", "page:<id>, or agency:/unit:/person:<id> for a capability")
	if code, ok := c.parse(args, "action", "resource"); !ok {
		return code
	}
	m, ok := c.read()
	if !ok {
		return 2
	}
	rows, err := m.Who(action, resource, c.asOf)
	if err != nil {
		return c.requestFailed(err)
	}
	if c.json {
		c.printJSON(rows)
		return 0
	}
	fmt.Fprintf(stdout, "%d %s allowed to %s %s\n", len(rows), plural(len(rows), "person is", "people are"), action, resource)
	for _, a := range rows {
		printAccess(stdout, a, a.Person+" "+a.Name)
	}
	return 0
}

// runWhat is `connsec what`: every page a person may act on.
func runWhat(args []string, stdout, stderr io.Writer) int {
	c := newCommand("what", "--snapshot F --person P [--action A] [--as-of D] [--json]", stdout, stderr)
	var person, action string
	c.fs.StringVar(&person, "person", "", "the person (p-…)")
	c.fs.StringVar(&action, "action", "read", "read, edit, manage_security or create:<kind>")
	if code, ok := c.parse(args, "person"); !ok {
		return code
	}
	m, ok := c.read()
	if !ok {
		return 2
	}
	rows, err := m.What(person, action, c.asOf)
	if err != nil {
		return c.requestFailed(err)
	}
	if c.json {
		c.printJSON(rows)
		return 0
	}
	fmt.Fprintf(stdout, "%s may %s %d %s\n", person, action, len(rows), plural(len(rows), "page", "pages"))
	for _, a := range rows {
		printAccess(stdout, a, a.Page+" "+a.Title)
	}
	return 0
}

func printAccess(w io.Writer, a evaluator.Access, head string) {
	if a.Level != "" {
		head += " [" + string(a.Level) + "]"
	}
	fmt.Fprintf(w, "  %s\n      %s\n", head, a.Reason)
}

// runProfile is `connsec profile`: a person's business function profile.
func runProfile(args []string, stdout, stderr io.Writer) int {
	c := newCommand("profile", "--snapshot F --person P [--as-of D] [--json]", stdout, stderr)
	var person string
	c.fs.StringVar(&person, "person", "", "the person (p-…)")
	if code, ok := c.parse(args, "person"); !ok {
		return code
	}
	m, ok := c.read()
	if !ok {
		return 2
	}
	p, err := m.Profile(person, c.asOf)
	if err != nil {
		return c.requestFailed(err)
	}
	if c.json {
		c.printJSON(p)
		return 0
	}
	fmt.Fprintf(stdout, "Business function profile of %s (%s) on %s\n", p.Name, p.Person, p.AsOf)
	if len(p.Records) == 0 {
		fmt.Fprintln(stdout, "  no active staff record: no business functions")
	}
	for _, r := range p.Records {
		fmt.Fprintf(stdout, "\n%s — unit %s (%s)", r.AgencyName, r.UnitName, r.Unit)
		if r.End != "" {
			fmt.Fprintf(stdout, ", until %s", r.End)
		}
		fmt.Fprintln(stdout)
		for _, o := range r.OutAssignments {
			fmt.Fprintf(stdout, "  out-assigned: %s\n", o)
		}
		fmt.Fprintln(stdout, "  Business functions:")
		for _, f := range r.Functions {
			fmt.Fprintf(stdout, "    %s — %s", f.Code, f.Name)
			if len(f.Tasks) > 0 {
				fmt.Fprintf(stdout, " (tasks: %s)", strings.Join(f.Tasks, ", "))
			}
			fmt.Fprintln(stdout)
		}
		printRights(stdout, "Viewing rights", r.Viewing)
		printRights(stdout, "Maintaining rights", r.Maintaining)
	}
	return 0
}

func printRights(w io.Writer, title string, rights []evaluator.Right) {
	fmt.Fprintf(w, "  %s:\n", title)
	if len(rights) == 0 {
		fmt.Fprintln(w, "    none")
	}
	for _, r := range rights {
		fmt.Fprintf(w, "    %s  [%s]\n", r.Line, strings.Join(r.Functions, ", "))
	}
}

// runReport is `connsec report`: an agency's staff security report, as text, CSV or JSON.
func runReport(args []string, stdout, stderr io.Writer) int {
	c := newCommand("report", "--snapshot F --agency A [--csv | --json] [--as-of D]", stdout, stderr)
	var agency string
	var asCSV bool
	c.fs.StringVar(&agency, "agency", "", "the agency (ag-…)")
	c.fs.BoolVar(&asCSV, "csv", false, "print CSV with a header row")
	if code, ok := c.parse(args, "agency"); !ok {
		return code
	}
	m, ok := c.read()
	if !ok {
		return 2
	}
	r, err := m.Report(agency, c.asOf)
	if err != nil {
		return c.requestFailed(err)
	}
	switch {
	case c.json:
		c.printJSON(r)
	case asCSV:
		_, _ = stdout.Write(r.CSV())
	default:
		fmt.Fprintf(stdout, "Staff security report — %s (%s), %s: %d staff records\n", r.AgencyName, r.Agency, r.AsOf, len(r.Rows))
		for _, row := range r.Rows {
			approver := ""
			if row.UnitApprover {
				approver = ", unit approver"
			}
			fmt.Fprintf(stdout, "  %-8s %-22s %-10s %s (%s)%s [%s]\n", row.Unit, row.Name, row.NTAccount, row.Person, row.Status, approver, strings.Join(row.Functions, ", "))
			if len(row.OutAssignments) > 0 {
				fmt.Fprintf(stdout, "           out-assigned: %s\n", strings.Join(row.OutAssignments, "; "))
			}
		}
	}
	return 0
}

// runLint is `connsec lint`: every finding of SPEC §7. Exit 1 with --strict when any is found.
func runLint(args []string, stdout, stderr io.Writer) int {
	c := newCommand("lint", "--snapshot F [--strict] [--json]", stdout, stderr)
	var strict bool
	c.fs.BoolVar(&strict, "strict", false, "exit 1 when there is any finding")
	if code, ok := c.parse(args); !ok {
		return code
	}
	if c.asOf != "" {
		fmt.Fprintln(stderr, "connsec lint: lint judges the snapshot's own day; --as-of does not apply")
		return 2
	}
	m, ok := c.read()
	if !ok {
		return 2
	}
	findings := m.Lint()
	if c.json {
		c.printJSON(findings)
	} else {
		fmt.Fprintf(stdout, "%d lint %s on %s\n", len(findings), plural(len(findings), "finding", "findings"), m.AsOf())
		for _, f := range findings {
			target := f.Target
			if f.Section != "" {
				target += " (" + f.Section + ")"
			}
			fmt.Fprintf(stdout, "  %-32s %s\n      %s\n", f.Code, target, f.Message)
		}
	}
	if strict && len(findings) > 0 {
		return 1
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
