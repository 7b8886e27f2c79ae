package evaluator

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// AgencyView is the snapshot as a coordinator of one agency sees it (SPEC §10: "a coordinator
// sees what concerns their own agency"): the builds, business functions, site defaults and
// administrators as they are, that agency alone among the agencies, and of the people only
// those the agency or the site defaults name (its staff, coordinators, roles, group members,
// page owners, creators and security entries) and the administrators. Every field of what is
// kept, unknown ones included, is kept as written.
//
// The view is itself a valid snapshot of the same version: it loads, and every decision about
// the agency's pages and the people it names comes out as in the whole snapshot. What it cannot
// show is another agency's side: adding a person who is active elsewhere looks possible in the
// view and is refused (active_elsewhere) by the authoritative edit.
func (m *Model) AgencyView(agency string) ([]byte, error) {
	if m.readOnly() {
		return nil, &EditError{Code: CodeReadOnly, Index: -1, Message: "this snapshot was opened for reading only: it keeps no document to show"}
	}
	raw := m.Snapshot()
	doc := gjson.ParseBytes(raw)
	var kept gjson.Result
	doc.Get("agencies").ForEach(func(_, a gjson.Result) bool {
		if a.Get("id").String() == agency {
			kept = a
			return false
		}
		return true
	})
	if !kept.Exists() {
		return nil, &RequestError{Code: CodeUnknownReference, Message: fmt.Sprintf("there is no agency %s in this snapshot", agency)}
	}
	named := map[string]bool{}
	collectNames(kept, named)
	collectNames(doc.Get("site_defaults"), named)
	collectNames(doc.Get("administrators"), named)

	var people bytes.Buffer
	people.WriteByte('[')
	doc.Get("people").ForEach(func(_, p gjson.Result) bool {
		if named[p.Get("id").String()] {
			if people.Len() > 1 {
				people.WriteByte(',')
			}
			people.WriteString(p.Raw)
		}
		return true
	})
	people.WriteByte(']')

	out, err := sjson.SetRawBytes(append([]byte(nil), raw...), "agencies", []byte("["+kept.Raw+"]"))
	if err == nil {
		out, err = sjson.SetRawBytes(out, "people", people.Bytes())
	}
	if err != nil {
		return nil, fmt.Errorf("the view of %s could not be written: %w", agency, err)
	}
	return out, nil
}

// collectNames adds every text in v that may name a person: plain ids (staff, roles, owners)
// and the ids in "user:<id>" security principals. Names that are not people are harmless
// here: only people whose id is collected are kept.
func collectNames(v gjson.Result, into map[string]bool) {
	switch {
	case v.IsObject() || v.IsArray():
		v.ForEach(func(_, item gjson.Result) bool {
			collectNames(item, into)
			return true
		})
	case v.Type == gjson.String:
		s := v.String()
		into[strings.TrimPrefix(s, "user:")] = true
	}
}
