package edge

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/connsec/connsec/evaluator"
)

// The coordinator's read routes over agency shards (SPEC §10, §10.1; RULES.md §10.3): the
// view of an agency, its staff security report, a person's profile and lint, each read from
// the shards of the agencies that hold the answer — never the whole model — and composed so
// that it is what the whole snapshot answers, byte for byte.

// errNoAgency answers what a state without agencies has no shard to read from.
var errNoAgency = fail(http.StatusServiceUnavailable, codeNotSeeded, "the snapshot has no agency, so there is nothing to decide on")

// agencyAt is the index of a known agency, or false.
func (d *DirectoryIndex) agencyAt(agency string) (uint16, bool) {
	for i, a := range d.Agencies {
		if a == agency {
			return uint16(i), true
		}
	}
	return 0, false
}

// AgencyView is the agency's view (AgencyView of the whole, SPEC §10), written from the
// agency's shard document as the writer cuts it at the view's state (evaluator.ShardView):
// the view holds nothing the shard does not.
func (w *view) AgencyView(agency string) ([]byte, error) {
	if _, ok := w.dir.agencyAt(agency); !ok {
		return nil, &evaluator.RequestError{Code: evaluator.CodeUnknownReference, Message: fmt.Sprintf("there is no agency %s in this snapshot", agency)}
	}
	doc, v, err := w.s.Source.AgencyShard(w.ctx, agency)
	if err != nil {
		return nil, err
	}
	if v.String() != w.v.String() {
		return nil, errMoved
	}
	return evaluator.ShardView(doc)
}

// Report is the agency's staff security report (SPEC §8) from its own shard: every row is one
// of the agency's staff records, with the person's name and login (the shard holds its staff),
// its units and the catalog's functions. An agency the state lacks is refused by any shard, as
// the whole refuses it.
func (w *view) Report(agency, asOf string) (*evaluator.Report, error) {
	m, err := w.agencyModel(agency)
	if err != nil {
		return nil, err
	}
	return m.Report(agency, asOf)
}

// agencyModel is the model of a known agency, or any model (which refuses the id as the whole
// does) for an unknown one.
func (w *view) agencyModel(agency string) (*evaluator.Model, error) {
	if _, ok := w.dir.agencyAt(agency); ok {
		return w.model(agency)
	}
	return w.anyModel(nil)
}

// Profile is the person's business function profile (SPEC §4.5): one part for each staff
// record active on the day, each worded from the record's own agency (its units, its
// out-assignments, the scopes it reaches), so the profile is the parts of the shards of the
// agencies where the person has records, in the snapshot's order of agencies (the whole's
// order of a person's records). A person with no record has a profile without records.
func (w *view) Profile(person, asOf string) (*evaluator.Profile, error) {
	p := w.dir.person(person)
	if p == nil { // unknown: any shard refuses it as the whole does
		m, err := w.anyModel(nil)
		if err != nil {
			return nil, err
		}
		return m.Profile(person, asOf)
	}
	if len(p.records) == 0 {
		return w.noRecords(p, asOf)
	}
	var out *evaluator.Profile
	for _, a := range p.records {
		m, err := w.model(w.dir.Agencies[a])
		if err != nil {
			return nil, err
		}
		part, err := m.Profile(person, asOf)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = part
		} else {
			out.Records = append(out.Records, part.Records...)
		}
	}
	return out, nil
}

// noRecords is the profile of a person with no staff record: the day's, without records. A
// shard that keeps them answers it; otherwise any shard answers it of a person it keeps
// (whether as_of is a day does not depend on whom it is asked of), and the person is named
// from the directory.
func (w *view) noRecords(p *dirPerson, asOf string) (*evaluator.Profile, error) {
	m, err := w.anyModel(p)
	if err != nil {
		return nil, err
	}
	if kept := w.dir.keptBy(p); len(kept) > 0 {
		return m.Profile(p.id, asOf)
	}
	stand := w.standIn(0)
	if stand == "" {
		return nil, fail(http.StatusServiceUnavailable, codeFailed, "the shard of %s keeps no person to answer about the day %q of; ask again once the state has an administrator", w.dir.Agencies[0], asOf)
	}
	day, err := m.Profile(stand, asOf)
	if err != nil {
		return nil, err
	}
	return &evaluator.Profile{Person: p.id, Name: p.name, AsOf: day.AsOf, Records: []evaluator.ProfileRecord{}}, nil
}

// about: a finding concerns the agencies when its target belongs to one of them (an agency, a
// unit, a page) or is a person on the staff of one (SPEC §10: a coordinator sees what
// concerns their own agencies). A finding about a function (build_functions_unassigned)
// concerns the catalog, which is the administrators': it concerns no agency.
func about(rd whoIs, f evaluator.Finding, agencies []string) bool {
	typ, id, _ := strings.Cut(f.Target, ":")
	if typ == "function" {
		return false
	}
	for _, a := range agencies {
		if rd.AgencyOf(id) == a {
			return true
		}
	}
	return staffOf(rd, id, agencies)
}

// Findings lists the lint findings (SPEC §7) about the agencies, or every finding when
// agencies is nil, in Lint's order.
func (m wholeReading) Findings(agencies []string) ([]evaluator.Finding, error) {
	out := []evaluator.Finding{}
	for _, f := range m.Lint() {
		if agencies == nil || about(m, f, agencies) {
			out = append(out, f)
		}
	}
	return out, nil
}

// Findings is lint composed from agency shards (RULES.md §10.3), exactly the whole's:
//   - an agency's, its units' and its pages' findings, and those of its staff records
//     (staff_in_temporary_unit, out_assignment_expired), read nothing outside the agency and
//     are taken from its shard;
//   - end_dated_person_id_active reads every record of the person, which a shard of an agency
//     where they have a record holds (its own and records_elsewhere): it is taken from the
//     shard of their first agency;
//   - build_functions_unassigned (a function of the newest build no active staff holds) is
//     found by every shard for what it holds, so the state's are those every shard finds.
//
// Findings about agencies read the shards of those agencies and of the other agencies where
// their staff have active records (a staff record's findings come from the agency holding
// it); every finding needs every shard.
func (w *view) Findings(agencies []string) ([]evaluator.Finding, error) {
	if len(w.dir.Agencies) == 0 {
		return nil, errNoAgency
	}
	read := make([]bool, len(w.dir.Agencies))
	for _, a := range agencies {
		if i, ok := w.dir.agencyAt(a); ok {
			read[i] = true
		}
	}
	if agencies == nil {
		for i := range read {
			read[i] = true
		}
	} else {
		asked := slices.Clone(read)
		for i := range w.dir.people {
			p := &w.dir.people[i]
			if slices.ContainsFunc(p.staff, func(a uint16) bool { return asked[a] }) {
				for _, a := range p.staff {
					read[a] = true
				}
			}
		}
	}
	out := []evaluator.Finding{}
	var build []evaluator.Finding // the first shard's, kept while every other finds them too
	first := true
	for a, ok := range read {
		if !ok {
			continue
		}
		m, err := w.model(w.dir.Agencies[a])
		if err != nil {
			return nil, err
		}
		found := map[evaluator.Finding]bool{}
		for _, f := range m.Lint() {
			switch f.Code {
			case "build_functions_unassigned":
				found[f] = true
				if first {
					build = append(build, f)
				}
				continue
			case "end_dated_person_id_active":
				if p := w.dir.person(strings.TrimPrefix(f.Target, "person:")); p == nil || len(p.records) == 0 || p.records[0] != uint16(a) {
					continue
				}
			}
			if agencies == nil || about(w, f, agencies) {
				out = append(out, f)
			}
		}
		kept := build[:0]
		for _, f := range build {
			if found[f] {
				kept = append(kept, f)
			}
		}
		build, first = kept, false
	}
	if agencies == nil {
		out = append(out, build...)
	}
	evaluator.SortFindings(out)
	return out, nil
}
