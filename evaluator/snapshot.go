package evaluator

// The snapshot as read from its JSON document (SPEC §2). Ids stay strings here; the model
// (model.go) interns them and builds the indexes that decisions use.

type person struct {
	ID, Name, NTAccount string
	Status              string // active | disabled | deleted
}

type build struct{ ID, Date, Notes string }

type attribute struct{ Name, Capability, Scope string }

type function struct {
	Code, Name, Build string
	Tasks             []string
	Attributes        []attribute
	SuggestFunctions  []string
	SuggestSpecs      []string
	Restricted        bool
}

// section is a list of entries; present distinguishes an empty section from a missing one
// (SPEC §3: a present but empty default section grants nothing). The entries are read as
// compiled entries whose references are not resolved yet (ref -1): their words are interned
// by the reader, their role is not_set when it is missing or not a role (reported), and the
// compiled section is made over them in place (compiler.sectionAt), so that a load holds
// the entries of the document once, not once read and once compiled.
type section struct {
	Entries []entryC
	Present bool
}

type defaultSection struct {
	Kind string
	section
}

type page struct {
	ID, Kind, Parent, Title, CreatedBy string
	Unit                               string // department
	Person                             string // individual
	// what only compiling the page reads: the model keeps it compiled, and the loader lets it
	// go (nil) once the page is compiled. A page that has none of it has none (nil) from the
	// start: at the largest agency, 27,000 of 60,000 pages (3 MB while the document is read).
	*pageRead
}

// noRead is the pageRead of a page that has none: nothing writes to it.
var noRead pageRead

// fields is what only compiling the page reads; empty (noRead) when the page has none.
func (pg *page) fields() *pageRead {
	if pg.pageRead == nil {
		return &noRead
	}
	return pg.pageRead
}

type pageRead struct {
	Security    section
	Defaults    []defaultSection
	Roles       map[string][]string // project: sponsor, leader, member, consultant
	Owners      []string            // *_metric
	Responsible []string            // *_task
}

type outAssignment struct {
	Unit       string
	Start, End Date
}

type staffRecord struct {
	Person, Unit   string // Unit is empty for an end-dated record whose unit was deleted
	Start, End     Date
	Functions      []string
	ReportsTo      []string
	OutAssignments []outAssignment
}

type unit struct {
	ID, Name, Specialization string
	Temporary                bool
	Approver                 string
	Editors, Leaders         []string
}

type group struct {
	ID, Name string
	Members  []string
}

type coordinator struct{ Person, Role string }

type agency struct {
	ID, Name     string
	Coordinators []coordinator
	OrgEditors   []string
	OrgLeaders   []string
	Groups       []group
	Units        []unit
	Staff        []staffRecord
	Pages        []page
	Reviews      []Date // the days of its security reviews, oldest first (§5.10)
}

type siteTemplate struct {
	Security section
	Defaults []defaultSection
}

type snapshot struct {
	Version        int64
	AsOf           Date
	Administrators []string
	Builds         []build
	Functions      []function
	People         []person
	SiteDefaults   map[string]*siteTemplate // department, individual
	Agencies       []agency
	Elsewhere      []recordElsewhere // an agency shard's records_elsewhere (shard.go)
	// IDsElsewhere are ids held in other shards' documents (a writer's cut, README "The
	// edge"): taken, so no edit may give them to something new (SPEC §1). Once the document
	// is loaded they are sorted, and idTaken searches them (idsElsewhere): a writer's cut at
	// the state profile lists 200,000 ids, and a set of them took 11 MB.
	IDsElsewhere []string
	idsElsewhere []string
}

var projectRoleNames = []string{"sponsor", "leader", "member", "consultant"}
