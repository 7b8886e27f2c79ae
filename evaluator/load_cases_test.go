package evaluator_test

import (
	"bytes"
	"strings"
)

const (
	codeSnapshot  = "invalid_snapshot"
	codeDuplicate = "duplicate_id"
	codeUnknown   = "unknown_reference"
	codeParent    = "invalid_parent"
	codeCycle     = "cycle"
	codeValue     = "invalid_value"
)

// Paths the cases use often.
const (
	agA    = "agencies[0]"
	agB    = "agencies[1]"
	aStaff = agA + ".staff"
	aPages = agA + ".pages"
	aUnits = agA + ".units"
	aOrg   = aPages + "[0]"
)

func wholeDoc(s string) func([]byte) []byte { return func([]byte) []byte { return []byte(s) } }

// replaceIn rewrites the base document's text once, for what edits cannot write (a key
// repeated in one object).
func replaceIn(old, new string) func([]byte) []byte {
	return func(b []byte) []byte {
		if !bytes.Contains(b, []byte(old)) {
			panic("the base snapshot has no " + old)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
}

// loadBadCases are the snapshots SPEC §2 refuses: each is the base snapshot (load_test.go)
// with one rule broken, and the one problem the loader must report.
func loadBadCases() []loadBadCase {
	return []loadBadCase{
		// Not JSON, not a snapshot (§2: invalid_snapshot).
		{name: "empty input", raw: wholeDoc(""), code: codeSnapshot, path: ""},
		{name: "truncated", raw: func(b []byte) []byte { return b[:len(b)/2] }, code: codeSnapshot, path: ""},
		{name: "trailing garbage", raw: func(b []byte) []byte { return append(bytes.Clone(b), " x"...) }, code: codeSnapshot, path: ""},
		{name: "two documents", raw: func(b []byte) []byte { return append(bytes.Clone(b), b...) }, code: codeSnapshot, path: ""},
		{name: "trailing comma", raw: func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `"version": 0,`, `"version": 0,,`, 1))
		}, code: codeSnapshot, path: ""},
		{name: "a list, not an object", raw: wholeDoc(`[{"format": "connsec.snapshot/v1"}]`), code: codeSnapshot, path: ""},
		{name: "a string, not an object", raw: wholeDoc(`"connsec.snapshot/v1"`), code: codeSnapshot, path: ""},
		{name: "null document", raw: wholeDoc(`null`), code: codeSnapshot, path: ""},
		{name: "wrong format string", edits: []snapEdit{setAt("format", "connsec.snapshot/v2")}, code: codeSnapshot, path: "format"},
		{name: "format is a number", edits: []snapEdit{setAt("format", 1)}, code: codeSnapshot, path: "format"},
		{name: "format missing", edits: []snapEdit{delAt("format")}, code: codeSnapshot, path: "format"},

		// Wrong types.
		{name: "version is text", edits: []snapEdit{setAt("version", "0")}, code: codeSnapshot, path: "version"},
		{name: "version is negative", edits: []snapEdit{setAt("version", -1)}, code: codeSnapshot, path: "version"},
		{name: "version is a fraction", edits: []snapEdit{setAt("version", 1.5)}, code: codeSnapshot, path: "version"},
		{name: "as_of is a number", edits: []snapEdit{setAt("as_of", 20261122)}, code: codeSnapshot, path: "as_of"},
		{name: "administrators is text, not a list", edits: []snapEdit{setAt("administrators", "p-admin")}, code: codeSnapshot, path: "administrators"},
		{name: "agencies is an object", edits: []snapEdit{setAt("agencies", jsonv(`{}`))}, code: codeSnapshot, path: "agencies"},
		{name: "person name is a number", edits: []snapEdit{setAt("people[1].name", 42)}, code: codeSnapshot, path: "people[1].name"},
		{name: "person is a list", edits: []snapEdit{setAt("people[6]", jsonv(`["p-6"]`))}, code: codeSnapshot, path: "people[6]"},
		{name: "staff record is text", edits: []snapEdit{setAt(aStaff+"[4]", "p-6")}, code: codeSnapshot, path: aStaff + "[4]"},
		{name: "functions is text, not a list", edits: []snapEdit{setAt(aStaff+"[3].functions", "F_CASE")}, code: codeSnapshot, path: aStaff + "[3].functions"},
		{name: "staff start is a number", edits: []snapEdit{setAt(aStaff+"[3].start", 20250203)}, code: codeSnapshot, path: aStaff + "[3].start"},
		{name: "temporary is text", edits: []snapEdit{setAt(aUnits+"[0].temporary", "yes")}, code: codeSnapshot, path: aUnits + "[0].temporary"},
		{name: "security is an object", edits: []snapEdit{setAt(aOrg+".security", jsonv(`{}`))}, code: codeSnapshot, path: aOrg + ".security"},
		{name: "entry is text", edits: []snapEdit{setAt(aOrg+".security[0]", "everyone")}, code: codeSnapshot, path: aOrg + ".security[0]"},
		{name: "principal is a number", edits: []snapEdit{setAt(aOrg+".security[0].principal", 1)}, code: codeSnapshot, path: aOrg + ".security[0].principal"},
		{name: "roles is a list", edits: []snapEdit{setAt(aPages+"[3].roles", jsonv(`[]`))}, code: codeSnapshot, path: aPages + "[3].roles"},
		{name: "defaults is a list", edits: []snapEdit{setAt(aOrg+".defaults", jsonv(`[]`))}, code: codeSnapshot, path: aOrg + ".defaults"},
		{name: "task is a number", edits: []snapEdit{setAt("business_functions[0].tasks[0]", 7)}, code: codeSnapshot, path: "business_functions[0].tasks[0]"},
		{name: "reference id is a number", edits: []snapEdit{setAt(aUnits+"[1].approver", 1003)}, code: codeSnapshot, path: aUnits + "[1].approver"},

		// Missing required fields.
		{name: "as_of missing", edits: []snapEdit{delAt("as_of")}, code: codeSnapshot, path: "as_of"},
		{name: "person id missing", edits: []snapEdit{addTo("people", jsonv(`{"name": "Nobody"}`))}, code: codeSnapshot, path: "people[7].id"},
		{name: "page kind missing", edits: []snapEdit{delAt(aPages + "[7].kind")}, code: codeSnapshot, path: aPages + "[7].kind"},
		{name: "staff person missing", edits: []snapEdit{delAt(agB + ".staff[0].person")}, code: codeSnapshot, path: agB + ".staff[0].person"},
		{name: "coordinator role missing", edits: []snapEdit{delAt(agA + ".coordinators[1].role")}, code: codeSnapshot, path: agA + ".coordinators[1].role"},
		{name: "entry role missing", edits: []snapEdit{delAt(aOrg + ".security[1].role")}, code: codeSnapshot, path: aOrg + ".security[1].role"},
		{name: "attribute capability missing", edits: []snapEdit{delAt("business_functions[1].attributes[0].capability")}, code: codeSnapshot, path: "business_functions[1].attributes[0].capability"},
		{name: "out-assignment unit missing", edits: []snapEdit{delAt(aStaff + "[3].out_assignments[0].unit")}, code: codeSnapshot, path: aStaff + "[3].out_assignments[0].unit"},
		{name: "department page without unit", edits: []snapEdit{delAt(aPages + "[1].unit")}, code: codeValue, path: aPages + "[1].unit"},
		{name: "individual page without person", edits: []snapEdit{delAt(aPages + "[5].person")}, code: codeValue, path: aPages + "[5].person"},
		{name: "open aStaff record without unit", edits: []snapEdit{setAt(aStaff+"[3].unit", nil)}, code: codeValue, path: aStaff + "[3].unit"},

		// Dangling references, one of every kind (§2: unknown_reference).
		{name: "unknown administrator", edits: []snapEdit{setAt("administrators[0]", "p-nobody")}, code: codeUnknown, path: "administrators[0]"},
		{name: "unknown person in a aStaff record", edits: []snapEdit{setAt(agB+".staff[0].person", "p-nobody")}, code: codeUnknown, path: agB + ".staff[0].person"},
		{name: "unknown unit of a aStaff record", edits: []snapEdit{setAt(aStaff+"[3].unit", "u-nope")}, code: codeUnknown, path: aStaff + "[3].unit"},
		{name: "unknown reports_to", edits: []snapEdit{setAt(aStaff+"[3].reports_to[0]", "p-nobody")}, code: codeUnknown, path: aStaff + "[3].reports_to[0]"},
		{name: "unknown out-assignment unit", edits: []snapEdit{setAt(aStaff+"[3].out_assignments[0].unit", "u-nope")}, code: codeUnknown, path: aStaff + "[3].out_assignments[0].unit"},
		{name: "unknown function code", edits: []snapEdit{addTo(aStaff+"[3].functions", "F_NOPE")}, code: codeUnknown, path: aStaff + "[3].functions[1]"},
		{name: "unknown build of a function", edits: []snapEdit{setAt("business_functions[1].build", "B9")}, code: codeUnknown, path: "business_functions[1].build"},
		{name: "unknown suggested function", edits: []snapEdit{setAt("business_functions[0].suggest_for.functions[0]", "F_NOPE")}, code: codeUnknown, path: "business_functions[0].suggest_for.functions[0]"},
		{name: "unknown unit approver", edits: []snapEdit{setAt(aUnits+"[2].approver", "p-nobody")}, code: codeUnknown, path: aUnits + "[2].approver"},
		{name: "unknown unit editor", edits: []snapEdit{setAt(aUnits+"[1].editors[0]", "p-nobody")}, code: codeUnknown, path: aUnits + "[1].editors[0]"},
		{name: "unknown unit leader", edits: []snapEdit{addTo(aUnits+"[1].leaders", "p-nobody")}, code: codeUnknown, path: aUnits + "[1].leaders[1]"},
		{name: "unknown group member", edits: []snapEdit{setAt(agA+".groups[0].members[0]", "p-nobody")}, code: codeUnknown, path: agA + ".groups[0].members[0]"},
		{name: "unknown coordinator", edits: []snapEdit{setAt(agB+".coordinators[0].person", "p-nobody")}, code: codeUnknown, path: agB + ".coordinators[0].person"},
		{name: "unknown aOrg editor", edits: []snapEdit{setAt(agA+".org_editors[0]", "p-nobody")}, code: codeUnknown, path: agA + ".org_editors[0]"},
		{name: "unknown aOrg leader", edits: []snapEdit{setAt(agB+".org_leaders", jsonv(`["p-nobody"]`))}, code: codeUnknown, path: agB + ".org_leaders[0]"},
		{name: "unknown page parent", edits: []snapEdit{setAt(aPages+"[2].parent", "pg-nope")}, code: codeUnknown, path: aPages + "[2].parent"},
		{name: "unknown page creator", edits: []snapEdit{setAt(aPages+"[6].created_by", "p-nobody")}, code: codeUnknown, path: aPages + "[6].created_by"},
		{name: "unknown department unit", edits: []snapEdit{setAt(aPages+"[1].unit", "u-nope")}, code: codeUnknown, path: aPages + "[1].unit"},
		{name: "unknown individual person", edits: []snapEdit{setAt(aPages+"[5].person", "p-nobody")}, code: codeUnknown, path: aPages + "[5].person"},
		{name: "unknown project member", edits: []snapEdit{setAt(aPages+"[3].roles.member[0]", "p-nobody")}, code: codeUnknown, path: aPages + "[3].roles.member[0]"},
		{name: "unknown project consultant", edits: []snapEdit{addTo(aPages+"[3].roles.consultant", "p-nobody")}, code: codeUnknown, path: aPages + "[3].roles.consultant[1]"},
		{name: "unknown metric owner", edits: []snapEdit{setAt(aPages+"[2].owners[0]", "p-nobody")}, code: codeUnknown, path: aPages + "[2].owners[0]"},
		{name: "unknown task responsible", edits: []snapEdit{setAt(aPages+"[4].responsible[0]", "p-nobody")}, code: codeUnknown, path: aPages + "[4].responsible[0]"},
		{name: "user: with no id", edits: []snapEdit{setAt(aOrg+".security[1].principal", "user:")}, code: codeValue, path: aOrg + ".security[1].principal"},
		{name: "group: with no id", edits: []snapEdit{setAt(aOrg+".security[2].principal", "group:")}, code: codeValue, path: aOrg + ".security[2].principal"},
		{name: "unit: with no id", edits: []snapEdit{setAt(aOrg+".security[1].principal", "unit:")}, code: codeValue, path: aOrg + ".security[1].principal"},
		{name: "function: with no code", edits: []snapEdit{setAt(aOrg+".security[1].principal", "function:")}, code: codeValue, path: aOrg + ".security[1].principal"},
		{name: "entry names an unknown person", edits: []snapEdit{setAt(aOrg+".security[1].principal", "user:p-nobody")}, code: codeUnknown, path: aOrg + ".security[1].principal"},
		{name: "entry names an unknown group", edits: []snapEdit{setAt(aOrg+".security[2].principal", "group:g-nope")}, code: codeUnknown, path: aOrg + ".security[2].principal"},
		{name: "entry names a group of another agency", edits: []snapEdit{
			setAt(agB+".groups", jsonv(`[{"id": "g-b", "members": ["p-5"]}]`)),
			setAt(aOrg+".security[2].principal", "group:g-b"),
		}, code: codeUnknown, path: aOrg + ".security[2].principal"},
		{name: "entry names an unknown unit", edits: []snapEdit{setAt(aOrg+".security[3].principal", "unit:u-nope")}, code: codeUnknown, path: aOrg + ".security[3].principal"},
		{name: "entry names an unknown function", edits: []snapEdit{setAt(aOrg+".security[4].principal", "function:F_NOPE")}, code: codeUnknown, path: aOrg + ".security[4].principal"},
		{name: "default entry names an unknown person", edits: []snapEdit{setAt(aOrg+".defaults.org_dialog[0].principal", "user:p-nobody")}, code: codeUnknown, path: aOrg + ".defaults.org_dialog[0].principal"},
		{name: "site template names an unknown unit", edits: []snapEdit{addTo("site_defaults.department.security", jsonv(`{"principal": "unit:u-nope", "role": "reader"}`))}, code: codeUnknown, path: "site_defaults.department.security[2].principal"},

		// Cycles (§2: page parents, reports-to).
		{name: "page is its own parent", edits: []snapEdit{setAt(aPages+"[7].parent", "pg-a-item")}, code: codeCycle, path: aPages + "[7].parent"},
		{name: "two items are each other's parent", edits: []snapEdit{
			addTo(aPages, jsonv(`{"id": "pg-x", "kind": "item", "parent": "pg-y"}`)),
			addTo(aPages, jsonv(`{"id": "pg-y", "kind": "item", "parent": "pg-x"}`)),
		}, code: codeCycle, path: aPages + "[8].parent"},
		{name: "a page below a cycle is not blamed for it", edits: []snapEdit{
			addTo(aPages, jsonv(`{"id": "pg-z", "kind": "item", "parent": "pg-x"}`)),
			addTo(aPages, jsonv(`{"id": "pg-x", "kind": "item", "parent": "pg-y"}`)),
			addTo(aPages, jsonv(`{"id": "pg-y", "kind": "item", "parent": "pg-x"}`)),
		}, code: codeCycle, path: aPages + "[9].parent"},
		{name: "a worker below a reports-to loop is not blamed for it", edits: []snapEdit{setAt(aStaff+"[2].reports_to", jsonv(`["p-3"]`))}, code: codeCycle, path: aStaff + "[2].reports_to"},
		{name: "reports to oneself", edits: []snapEdit{setAt(aStaff+"[0].reports_to", jsonv(`["p-1"]`))}, code: codeCycle, path: aStaff + "[0].reports_to"},
		{name: "two people report to each other", edits: []snapEdit{setAt(aStaff+"[2].reports_to", jsonv(`["p-4"]`))}, code: codeCycle, path: aStaff + "[2].reports_to"},
		{name: "reports-to loop of three", edits: []snapEdit{
			setAt(aStaff+"[2].reports_to", jsonv(`["p-1"]`)),
			setAt(aStaff+"[0].reports_to", jsonv(`["p-4"]`)),
		}, code: codeCycle, path: aStaff + "[0].reports_to"},

		// Duplicate ids (§1).
		{name: "agency id taken by a person", edits: []snapEdit{addTo("agencies", jsonv(`{"id": "p-5", "pages": [{"id": "pg-c-org", "kind": "organization"}]}`))}, code: codeDuplicate, path: "agencies[2].id"},
		{name: "duplicate unit across agencies", edits: []snapEdit{addTo(agB+".units", jsonv(`{"id": "u-a1"}`))}, code: codeDuplicate, path: agB + ".units[1].id"},
		{name: "duplicate page", edits: []snapEdit{addTo(aPages, jsonv(`{"id": "pg-a-met", "kind": "item", "parent": "pg-a-org"}`))}, code: codeDuplicate, path: aPages + "[8].id"},
		{name: "duplicate function code", edits: []snapEdit{addTo("business_functions", jsonv(`{"code": "F_SEC"}`))}, code: codeDuplicate, path: "business_functions[2].code"},
		{name: "duplicate group across agencies", edits: []snapEdit{setAt(agB+".groups", jsonv(`[{"id": "g-a"}]`))}, code: codeDuplicate, path: agB + ".groups[0].id"},
		{name: "duplicate agency", edits: []snapEdit{addTo("agencies", jsonv(`{"id": "ag-b", "pages": [{"id": "pg-c-org", "kind": "organization"}]}`))}, code: codeDuplicate, path: "agencies[2].id"},
		{name: "duplicate build", edits: []snapEdit{addTo("builds", jsonv(`{"id": "B1", "date": "2026-02-01"}`))}, code: codeDuplicate, path: "builds[1].id"},
		{name: "unit id taken by a person", edits: []snapEdit{addTo(agB+".units", jsonv(`{"id": "p-4"}`))}, code: codeDuplicate, path: agB + ".units[1].id"},
		{name: "duplicate person", edits: []snapEdit{addTo("people", jsonv(`{"id": "p-4", "name": "Wes Again", "nt_account": "wagain"}`))}, code: codeDuplicate, path: "people[7].id"},
		{name: "NT login used twice", edits: []snapEdit{addTo("people", jsonv(`{"id": "p-7", "name": "Wes Twin", "nt_account": "wworker"}`))}, code: codeDuplicate, path: "people[7].nt_account"},
		{name: "NT login used twice, another case", edits: []snapEdit{setAt("people[5].nt_account", "WWorker")}, code: codeDuplicate, path: "people[5].nt_account"},
		{name: "page id taken by a group", edits: []snapEdit{addTo(aPages, jsonv(`{"id": "g-a", "kind": "item", "parent": "pg-a-org"}`))}, code: codeDuplicate, path: aPages + "[8].id"},

		// Parents and kinds (§2, §3).
		{name: "department under a department", edits: []snapEdit{addTo(aPages, jsonv(`{"id": "pg-d2", "kind": "department", "parent": "pg-a-dep", "unit": "u-a2"}`))}, code: codeParent, path: aPages + "[8].parent"},
		{name: "project task under the organization", edits: []snapEdit{setAt(aPages+"[4].parent", "pg-a-org")}, code: codeParent, path: aPages + "[4].parent"},
		{name: "performance report under the organization", edits: []snapEdit{addTo(aPages, jsonv(`{"id": "pg-perf", "kind": "performance_report", "parent": "pg-a-org"}`))}, code: codeParent, path: aPages + "[8].parent"},
		{name: "dialog task under the wrong dialog", edits: []snapEdit{addTo(aPages, jsonv(`{"id": "pg-t", "kind": "dept_dialog_task", "parent": "pg-a-dlg"}`))}, code: codeParent, path: aPages + "[8].parent"},
		{name: "page without a parent", edits: []snapEdit{setAt(aPages+"[2].parent", nil)}, code: codeParent, path: aPages + "[2].parent"},
		{name: "parent in another agency", edits: []snapEdit{setAt(aPages+"[2].parent", "pg-b-org")}, code: codeParent, path: aPages + "[2].parent"},
		{name: "organization page with a parent", edits: []snapEdit{addTo(agB+".pages", jsonv(`{"id": "pg-b-org2", "kind": "organization", "parent": "pg-b-org"}`))}, code: codeParent, path: agB + ".pages[1].parent"},
		{name: "two organization pages", edits: []snapEdit{addTo(aPages, jsonv(`{"id": "pg-a-org2", "kind": "organization", "parent": null}`))}, code: codeValue, path: aPages + "[8]"},
		{name: "no organization page", edits: []snapEdit{setAt(agB+".pages", jsonv(`[]`))}, code: codeValue, path: agB + ".pages"},
		{name: "unknown page kind", edits: []snapEdit{setAt(aPages+"[7].kind", "blog")}, code: codeValue, path: aPages + "[7].kind"},
		{name: "two department aPages for one unit", edits: []snapEdit{addTo(aPages, jsonv(`{"id": "pg-d2", "kind": "department", "parent": "pg-a-org", "unit": "u-a1"}`))}, code: codeValue, path: aPages + "[8].unit"},
		{name: "department unit of another agency", edits: []snapEdit{setAt(aPages+"[1].unit", "u-b1")}, code: codeValue, path: aPages + "[1].unit"},
		{name: "security on a dialog", edits: []snapEdit{setAt(aPages+"[6].security", jsonv(`[]`))}, code: codeValue, path: aPages + "[6].security"},
		{name: "security on a task", edits: []snapEdit{setAt(aPages+"[4].security", jsonv(`[{"principal": "everyone", "role": "reader"}]`))}, code: codeValue, path: aPages + "[4].security"},
		{name: "security on a performance report", edits: []snapEdit{addTo(aPages, jsonv(`{"id": "pg-perf", "kind": "performance_report", "parent": "pg-a-ind", "security": []}`))}, code: codeValue, path: aPages + "[8].security"},
		{name: "defaults on an item", edits: []snapEdit{setAt(aPages+"[7].defaults", jsonv(`{"item": []}`))}, code: codeValue, path: aPages + "[7].defaults"},
		{name: "default section for a kind the page has not", edits: []snapEdit{setAt(aOrg+".defaults.dept_metric", jsonv(`[]`))}, code: codeValue, path: aOrg + ".defaults.dept_metric"},
		{name: "default section for a non-kind", edits: []snapEdit{setAt(aPages+"[3].defaults", jsonv(`{"tasks": []}`))}, code: codeValue, path: aPages + "[3].defaults.tasks"},
		{name: "site defaults for a project", edits: []snapEdit{setAt("site_defaults.project", jsonv(`{"security": []}`))}, code: codeValue, path: "site_defaults.project"},

		// Staff records and aUnits.
		{name: "staff unit of another agency", edits: []snapEdit{setAt(aStaff+"[3].unit", "u-b1")}, code: codeValue, path: aStaff + "[3].unit"},
		{name: "out-assignment to another agency", edits: []snapEdit{setAt(aStaff+"[3].out_assignments[0].unit", "u-b1")}, code: codeValue, path: aStaff + "[3].out_assignments[0].unit"},
		{name: "overlapping records in one agency", edits: []snapEdit{addTo(aStaff, jsonv(`{"person": "p-4", "unit": "u-a2", "start": "2026-01-01"}`))}, code: codeValue, path: aStaff + "[5]"},
		{name: "coordinator designated twice", edits: []snapEdit{addTo(agA+".coordinators", jsonv(`{"person": "p-1", "role": "backup"}`))}, code: codeValue, path: agA + ".coordinators[2]"},

		// Dates (§1).
		{name: "a day that does not exist", edits: []snapEdit{setAt(aStaff+"[3].start", "2026-02-30")}, code: codeValue, path: aStaff + "[3].start"},
		{name: "not a leap year", edits: []snapEdit{setAt(aStaff+"[3].start", "2025-02-29")}, code: codeValue, path: aStaff + "[3].start"},
		{name: "a short date", edits: []snapEdit{setAt("as_of", "26-1-1")}, code: codeValue, path: "as_of"},
		{name: "month 13", edits: []snapEdit{setAt("builds[0].date", "2026-13-01")}, code: codeValue, path: "builds[0].date"},
		{name: "date with a time", edits: []snapEdit{setAt(aStaff+"[3].out_assignments[0].end", "2027-02-01T00:00:00Z")}, code: codeValue, path: aStaff + "[3].out_assignments[0].end"},
		{name: "record ends before it starts", edits: []snapEdit{setAt(aStaff+"[3].end", "2024-12-31")}, code: codeValue, path: aStaff + "[3].end"},
		{name: "record ends the day it starts", edits: []snapEdit{setAt(aStaff+"[3].end", "2025-02-03")}, code: codeValue, path: aStaff + "[3].end"},
		{name: "out-assignment ends before it starts", edits: []snapEdit{setAt(aStaff+"[3].out_assignments[0].end", "2026-10-01")}, code: codeValue, path: aStaff + "[3].out_assignments[0].end"},

		// Ids (§1: letters, digits, '.', '_', '-', at most 128).
		{name: "id of 129 characters", edits: []snapEdit{addTo("people", map[string]any{"id": strings.Repeat("p", 129)})}, code: codeValue, path: "people[7].id"},
		{name: "empty id", edits: []snapEdit{setAt(aUnits+"[2].id", "")}, code: codeValue, path: aUnits + "[2].id"},
		{name: "id with a space", edits: []snapEdit{setAt(aPages+"[7].id", "pg a item")}, code: codeValue, path: aPages + "[7].id"},
		{name: "id with a slash", edits: []snapEdit{addTo(agA+".groups", jsonv(`{"id": "g/b"}`))}, code: codeValue, path: agA + ".groups[1].id"},
		{name: "id with a non-ASCII letter", edits: []snapEdit{addTo("people", jsonv(`{"id": "p-é"}`))}, code: codeValue, path: "people[7].id"},

		// Values out of their lists.
		{name: "bad entry role", edits: []snapEdit{setAt(aOrg+".security[0].role", "admin")}, code: codeValue, path: aOrg + ".security[0].role"},
		{name: "bad coordinator role", edits: []snapEdit{setAt(agA+".coordinators[1].role", "deputy")}, code: codeValue, path: agA + ".coordinators[1].role"},
		{name: "bad project role", edits: []snapEdit{setAt(aPages+"[3].roles.owner", jsonv(`["p-3"]`))}, code: codeValue, path: aPages + "[3].roles.owner"},
		{name: "bad person_id status", edits: []snapEdit{setAt("people[4].person_id", "retired")}, code: codeValue, path: "people[4].person_id"},
		{name: "create right for a non-kind", edits: []snapEdit{setAt(aOrg+".security[4].create[1]", "blog")}, code: codeValue, path: aOrg + ".security[4].create[1]"},
		{name: "bad attribute scope", edits: []snapEdit{setAt("business_functions[0].attributes[0].scope", "region")}, code: codeValue, path: "business_functions[0].attributes[0].scope"},
		{name: "unknown principal form", edits: []snapEdit{setAt(aOrg+".security[0].principal", "boss")}, code: codeValue, path: aOrg + ".security[0].principal"},
		// A key repeated in an object of names the document chooses is read once: the first.
		{name: "a bad project role given twice", raw: replaceIn(`"roles": {"sponsor"`, `"roles": {"owner": ["p-3"], "owner": [], "sponsor"`), code: codeValue, path: aPages + "[3].roles.owner"},
		{name: "a default section for a kind the page has not, given twice", raw: replaceIn(`"defaults": {"org_dialog"`, `"defaults": {"dept_metric": [], "dept_metric": 1, "org_dialog"`), code: codeValue, path: aOrg + ".defaults.dept_metric"},
		{name: "site defaults for a project, given twice", raw: replaceIn(`"site_defaults": {`, `"site_defaults": {"project": {}, "project": 2, `), code: codeValue, path: "site_defaults.project"},
		{name: "unknown principal prefix", edits: []snapEdit{setAt(aOrg+".security[1].principal", "person:p-1")}, code: codeValue, path: aOrg + ".security[1].principal"},

		// A value that cannot be read is one problem, not one more for each check that follows
		// it (§2 of the rules): the references that may name an element whose id is unreadable,
		// the checks that lean on an unreadable date or kind.
		{name: "malformed person id, everything naming the person", edits: []snapEdit{setAt("people[4].id", "p 4")}, code: codeValue, path: "people[4].id"},
		{name: "person id is a number", edits: []snapEdit{setAt("people[3].id", 3)}, code: codeSnapshot, path: "people[3].id"},
		{name: "unit is text, the records and pages in it", edits: []snapEdit{setAt(aUnits+"[1]", "u-a1")}, code: codeSnapshot, path: aUnits + "[1]"},
		{name: "page id missing, the page under it", edits: []snapEdit{delAt(aPages + "[6].id")}, code: codeSnapshot, path: aPages + "[6].id"},
		{name: "group is text, the entry naming it", edits: []snapEdit{setAt(agA+".groups[0]", "g-a")}, code: codeSnapshot, path: agA + ".groups[0]"},
		{name: "business functions is text, the records holding them", edits: []snapEdit{setAt("business_functions", "F_CASE")}, code: codeSnapshot, path: "business_functions"},
		{name: "builds is an object, the functions of a build", edits: []snapEdit{setAt("builds", jsonv(`{}`))}, code: codeSnapshot, path: "builds"},
		{name: "agency is a number", edits: []snapEdit{setAt("agencies[1]", 2)}, code: codeSnapshot, path: "agencies[1]"},
		{name: "organization page kind is a number", edits: []snapEdit{setAt(aOrg+".kind", 1)}, code: codeSnapshot, path: aOrg + ".kind"},
		{name: "unreadable end of an ended record without a unit", edits: []snapEdit{setAt(aStaff+"[4].end", "2025-06-31")}, code: codeValue, path: aStaff + "[4].end"},
		{name: "unreadable end of a record that would overlap", edits: []snapEdit{
			addTo(aStaff, jsonv(`{"person": "p-6", "unit": "u-a2", "start": "2019-01-01", "end": "2019-02-30"}`)),
		}, code: codeValue, path: aStaff + "[5].end"},
		{name: "department unit is a number", edits: []snapEdit{setAt(aPages+"[1].unit", 7)}, code: codeSnapshot, path: aPages + "[1].unit"},
		{name: "page parent is a number", edits: []snapEdit{setAt(aPages+"[2].parent", 7)}, code: codeSnapshot, path: aPages + "[2].parent"},
		{name: "organization page without an id", edits: []snapEdit{delAt(aOrg + ".id")}, code: codeSnapshot, path: aOrg + ".id"},
		{name: "unit id is a number, and another agency's unit has that id", edits: []snapEdit{
			setAt(aUnits+"[1].id", 5),
			setAt(agB+".units[0].id", "u-a1"),
		}, code: codeSnapshot, path: aUnits + "[1].id"},
	}
}

// problemAt is a problem a case expects: its code at its path.
type problemAt struct{ code, path string }

// loadEveryPhaseCase is a snapshot with problems of reading it (types, required fields) and of
// the checks between its elements (references, duplicates, cycles) at once: one refusal lists
// all of them, those of reading first, each once (§2 of the rules).
type loadEveryPhaseCase struct {
	name  string
	edits []snapEdit
	want  []problemAt // in the loader's order
}

func loadEveryPhaseCases() []loadEveryPhaseCase {
	return []loadEveryPhaseCase{
		{"a numeric page title and another page's unknown parent", []snapEdit{
			setAt(aPages+"[3].title", 7),
			setAt(aPages+"[2].parent", "pg-nope"),
		}, []problemAt{{codeSnapshot, aPages + "[3].title"}, {codeUnknown, aPages + "[2].parent"}}},
		{"a bad status and a staff record naming an unknown unit", []snapEdit{
			setAt("people[4].person_id", "retired"),
			setAt(agB+".staff[0].unit", "u-nope"),
		}, []problemAt{{codeValue, "people[4].person_id"}, {codeUnknown, agB + ".staff[0].unit"}}},
		{"a reports-to loop and a missing required field", []snapEdit{
			setAt(aStaff+"[2].reports_to", jsonv(`["p-4"]`)),
			delAt(agA + ".coordinators[1].role"),
		}, []problemAt{{codeSnapshot, agA + ".coordinators[1].role"}, {codeCycle, aStaff + "[2].reports_to"}}},
		{"a wrong type, a duplicate person and a page cycle", []snapEdit{
			setAt(aUnits+"[0].temporary", "yes"),
			addTo("people", jsonv(`{"id": "p-1", "name": "Pat Again"}`)),
			addTo(aPages, jsonv(`{"id": "pg-x", "kind": "item", "parent": "pg-x"}`)),
		}, []problemAt{{codeSnapshot, aUnits + "[0].temporary"}, {codeDuplicate, "people[7].id"}, {codeCycle, aPages + "[8].parent"}}},
		{"a bad date and a dangling entry and a wrong parent", []snapEdit{
			setAt(agB+".staff[0].start", "2022-13-01"),
			setAt(agB+".pages[0].security[0].principal", "function:F_NOPE"),
			setAt(aPages+"[4].parent", "pg-a-org"),
		}, []problemAt{{codeValue, agB + ".staff[0].start"}, {codeParent, aPages + "[4].parent"}, {codeUnknown, agB + ".pages[0].security[0].principal"}}},
		// What cannot be read stands in at its index: the paths after it stay right.
		{"a staff record that is text, and a later record's unknown unit", []snapEdit{
			setAt(aStaff+"[0]", "p-1"),
			setAt(aStaff+"[3].unit", "u-nope"),
		}, []problemAt{{codeSnapshot, aStaff + "[0]"}, {codeUnknown, aStaff + "[3].unit"}}},
		{"a malformed reports_to id, and an unknown one after it", []snapEdit{
			setAt(aStaff+"[3].reports_to", jsonv(`["p 3", "p-nobody"]`)),
		}, []problemAt{{codeValue, aStaff + "[3].reports_to[0]"}, {codeUnknown, aStaff + "[3].reports_to[1]"}}},
		{"an entry that is a number, and a later entry's unknown group", []snapEdit{
			setAt(aOrg+".security[0]", 5),
			setAt(aOrg+".security[2].principal", "group:g-nope"),
		}, []problemAt{{codeSnapshot, aOrg + ".security[0]"}, {codeUnknown, aOrg + ".security[2].principal"}}},
		{"a person that is a list, and a page's unknown parent after it", []snapEdit{
			setAt("people[2]", jsonv(`["p-2"]`)),
			setAt(aPages+"[7].parent", "pg-nope"),
		}, []problemAt{{codeSnapshot, "people[2]"}, {codeUnknown, aPages + "[7].parent"}}},
		// A page whose kind cannot be read is still checked for what does not hang on its kind.
		{"a page kind missing, and its unknown parent and creator", []snapEdit{
			delAt(aPages + "[7].kind"),
			setAt(aPages+"[7].parent", "pg-nope"),
			setAt(aPages+"[7].created_by", "p-nobody"),
		}, []problemAt{{codeSnapshot, aPages + "[7].kind"}, {codeUnknown, aPages + "[7].parent"}, {codeUnknown, aPages + "[7].created_by"}}},
		// An element whose id cannot be read is still checked on its own values.
		{"a unit without an id, and its unknown approver", []snapEdit{
			delAt(aUnits + "[2].id"),
			setAt(aUnits+"[2].approver", "p-nobody"),
		}, []problemAt{{codeSnapshot, aUnits + "[2].id"}, {codeUnknown, aUnits + "[2].approver"}}},
		{"a group with a malformed id, and its unknown member", []snapEdit{
			setAt(agA+".groups[0].id", "g a"),
			setAt(agA+".groups[0].members[0]", "p-nobody"),
		}, []problemAt{{codeValue, agA + ".groups[0].id"}, {codeUnknown, agA + ".groups[0].members[0]"}}},
		{"a page without an id, its security and its unknown creator", []snapEdit{
			delAt(aPages + "[6].id"),
			setAt(aPages+"[6].security", jsonv(`[]`)),
			setAt(aPages+"[6].created_by", "p-nobody"),
		}, []problemAt{{codeSnapshot, aPages + "[6].id"}, {codeValue, aPages + "[6].security"}, {codeUnknown, aPages + "[6].created_by"}}},
		{"a page kind that is a number, on a page that is its own parent", []snapEdit{
			setAt(aPages+"[7].kind", 5),
			setAt(aPages+"[7].parent", "pg-a-item"),
		}, []problemAt{{codeSnapshot, aPages + "[7].kind"}, {codeCycle, aPages + "[7].parent"}}},
		// An unreadable person id keeps quiet the references to people that name no one (one of
		// them may name that person), not those to units.
		{"an unreadable person id, an unknown manager and an unknown unit", []snapEdit{
			setAt("people[6].id", 6),
			setAt(aStaff+"[0].reports_to", jsonv(`["p-nobody"]`)),
			setAt(aStaff+"[1].unit", "u-nope"),
		}, []problemAt{{codeSnapshot, "people[6].id"}, {codeUnknown, aStaff + "[1].unit"}}},
	}
}
