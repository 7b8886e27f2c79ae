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
// The view is itself a valid snapshot of the same version: it loads, and it shows nothing of
// another agency. So it cannot show what rests on another agency's side: a person the agency
// names whose only active record is elsewhere has no active record in the view (§4.1 step 4
// refuses them there), a function held on a record elsewhere covers nothing in it, and adding
// a person who is active elsewhere looks possible in the view and is refused (active_elsewhere)
// by the authoritative edit. AgencyShard is the document that answers as the whole does.
func (m *Model) AgencyView(agency string) ([]byte, error) {
	out, _, err := m.agencyDocument(agency, nil)
	return out, err
}

// agencyDocument writes the view of agency (AgencyView), keeping as well the people also
// adds to the names it found; kept are the ids of the people the document keeps.
func (m *Model) agencyDocument(agency string, also func(named map[string]bool)) (out []byte, kept map[string]bool, err error) {
	if m.readOnly() {
		return nil, nil, readOnlyError(": it keeps no document to show")
	}
	return agencyDocumentOf(m.Snapshot(), agency, also)
}

// ShardView is the view of an agency written from its shard document (AgencyShard): what
// AgencyView of the whole snapshot gives, byte for byte, since the shard holds the agency, the
// top-level fields and the people the view keeps as the whole writes them; the people only the
// shard keeps (holders of system-scope functions) and records_elsewhere are left out. A reader
// that holds agency shards, not the whole state, shows a coordinator their view this way
// (SPEC §10.1).
func ShardView(shard []byte) ([]byte, error) {
	agencies := gjson.GetBytes(shard, "agencies.#.id").Array()
	if len(agencies) != 1 || !gjson.GetBytes(shard, "records_elsewhere").IsArray() {
		return nil, fmt.Errorf("the document is not an agency shard: it holds %d agencies and records_elsewhere is %s", len(agencies), gjson.GetBytes(shard, "records_elsewhere").Type)
	}
	view, _, err := agencyDocumentOf(shard, agencies[0].Str, nil)
	if err != nil {
		return nil, err
	}
	out, err := sjson.DeleteBytes(view, "records_elsewhere")
	return keepTail(view, out), err
}

// keepTail ends after as before ends: sjson, adding or deleting a field of the document's
// object, drops what follows it (a final newline), which a view written from a shard keeps
// so that it is the whole's view byte for byte.
func keepTail(before, after []byte) []byte {
	tail := before[len(bytes.TrimRight(before, " \t\r\n")):]
	if bytes.HasSuffix(after, tail) {
		return after
	}
	return append(bytes.TrimRight(after, " \t\r\n"), tail...)
}

// agencyDocumentOf is agencyDocument on the document raw.
func agencyDocumentOf(raw []byte, agency string, also func(named map[string]bool)) (out []byte, kept map[string]bool, err error) {
	doc := gjson.ParseBytes(raw)
	var ag gjson.Result
	doc.Get("agencies").ForEach(func(_, a gjson.Result) bool {
		if a.Get("id").String() == agency {
			ag = a
			return false
		}
		return true
	})
	if !ag.Exists() {
		return nil, nil, &RequestError{Code: CodeUnknownReference, Message: fmt.Sprintf("there is no agency %s in this snapshot", agency)}
	}
	named := map[string]bool{}
	collectNames(ag, named)
	collectNames(doc.Get("site_defaults"), named)
	collectNames(doc.Get("administrators"), named)
	if also != nil {
		also(named)
	}

	people, kept := keptPeople(doc.Get("people"), named)

	out, err = sjson.SetRawBytes(append([]byte(nil), raw...), "agencies", []byte("["+ag.Raw+"]"))
	if err == nil {
		out, err = sjson.SetRawBytes(out, "people", []byte(people))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the view of %s could not be written: %w", agency, err)
	}
	return out, kept, nil
}

// keptPeople are the people of the list people whose ids are named, as a JSON list in their
// order, and the set of their ids.
func keptPeople(people gjson.Result, named map[string]bool) (string, map[string]bool) {
	kept := map[string]bool{}
	var list strings.Builder
	list.WriteByte('[')
	people.ForEach(func(_, p gjson.Result) bool {
		if id := p.Get("id").String(); named[id] {
			kept[id] = true
			if list.Len() > 1 {
				list.WriteByte(',')
			}
			list.WriteString(p.Raw)
		}
		return true
	})
	list.WriteByte(']')
	return list.String(), kept
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
