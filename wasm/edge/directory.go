package edge

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unsafe"

	"github.com/connsec/connsec/evaluator"
	"github.com/tidwall/gjson"
)

// DirectoryIndex is the index a sharded reader routes by (README "The edge"): which agency holds
// each page, unit and custom group, and for each person, in the whole snapshot's order, the agencies where
// they have a staff record and the agencies whose shard keeps them (RULES.md §10.3: named by
// the agency, or kept everywhere as an administrator, a person the site defaults name or a
// holder of a system-scope function). It holds no security: no entry, no record's dates, no
// function. The writer makes it from the whole model (Ledger.Directory).
type DirectoryIndex struct {
	Agencies    []string    // in snapshot order
	agencyNames []string    // each agency's name ("" when it has none)
	holder      heldIDs     // page, unit or group id → its agency's index
	units       [][]string  // each agency's units, in snapshot order
	people      []dirPerson // in snapshot order
	personAt    map[string]int32
	caps        []string // every capability, sorted (Model.Capabilities)
}

type dirPerson struct {
	id         string
	name       string   // "" when the snapshot gives none
	everywhere bool     // kept by every agency's shard
	records    []uint16 // agencies with a record of any date, in snapshot order
	kept       []uint16 // agencies whose shard keeps the person (records or named), in snapshot order
	admin      bool     // an administrator whose Person ID is active (Standing)
	coords     []uint16 // agencies the person coordinates while active staff (Standing)
	staff      []uint16 // agencies of the person's records active on the snapshot's day (Standing)
}

// NewDirectory indexes a whole model: its document is read once, for the ids each agency
// names, as AgencyShard collects them.
func NewDirectory(m *evaluator.Model) (*DirectoryIndex, error) {
	doc := gjson.Parse(inPlace(m.Snapshot())) // in place: what the index keeps it copies
	var agencies []agencyHolding
	for _, ag := range doc.Get("agencies").Array() {
		agencies = append(agencies, agencyHolding{obj: ag})
	}
	return newDirectory(m, doc, agencies)
}

// agencyHolding is what the index reads of one agency: its object (whole, or thin as the
// directory's writer holds it), and for a thin one the ids of the pages it leaves out and the
// people those pages name (held, so that the directory need not keep the agency whole).
type agencyHolding struct {
	obj   gjson.Result
	pages []string
	named []string
}

// newDirectory indexes the state whose people, records, units, catalog and top level m holds
// (a whole model, or one whose agencies are thin: their pages left out, as the directory's
// writer holds them), with agencies, every agency in the state's order, for the pages each
// agency holds and the ids it names; doc is m's document.
func newDirectory(m *evaluator.Model, doc gjson.Result, agencies []agencyHolding) (*DirectoryIndex, error) {
	d := &DirectoryIndex{personAt: map[string]int32{}, caps: m.Capabilities()}
	// the ids placed: pages, then units (a later one holds an id), then custom groups (where no
	// page or unit holds it, the first); laid out once all are known (heldLayered)
	var held, groups []heldPair
	for i, id := range m.IDs("person") {
		d.personAt[id] = int32(i)
		d.people = append(d.people, dirPerson{id: id})
	}
	names := map[string]string{}
	doc.Get("people").ForEach(func(_, p gjson.Result) bool {
		names[p.Get("id").String()] = strings.Clone(p.Get("name").String())
		return true
	})
	for i := range d.people {
		d.people[i].name = names[d.people[i].id]
	}
	agencyAt := map[string]uint16{}
	for i, id := range m.IDs("agency") {
		if i > 0xffff {
			return nil, fmt.Errorf("the directory indexes at most 65,536 agencies")
		}
		agencyAt[id] = uint16(i)
		d.Agencies = append(d.Agencies, id)
	}
	d.units = make([][]string, len(d.Agencies))
	d.agencyNames = make([]string, len(d.Agencies))
	for _, h := range agencies {
		ai := agencyAt[h.obj.Get("id").String()]
		h.obj.Get("pages.#.id").ForEach(func(_, id gjson.Result) bool {
			held = append(held, heldPair{id.String(), ai}) // in place: laying out copies the ids
			return true
		})
		for _, id := range h.pages {
			held = append(held, heldPair{id, ai})
		}
	}
	for _, id := range m.IDs("unit") {
		a := agencyAt[m.AgencyOf(id)]
		held = append(held, heldPair{id, a})
		d.units[a] = append(d.units[a], id)
	}
	everywhere := map[string]bool{}
	collectIDs(doc.Get("site_defaults"), everywhere)
	collectIDs(doc.Get("administrators"), everywhere)
	system := map[string]bool{}
	doc.Get("business_functions").ForEach(func(_, f gjson.Result) bool {
		f.Get("attributes").ForEach(func(_, at gjson.Result) bool {
			if at.Get("scope").String() == "system" {
				system[f.Get("code").String()] = true
			}
			return true
		})
		return true
	})
	for _, h := range agencies {
		ag := h.obj
		ai := agencyAt[ag.Get("id").String()]
		d.agencyNames[ai] = strings.Clone(ag.Get("name").String())
		ag.Get("groups.#.id").ForEach(func(_, g gjson.Result) bool {
			groups = append(groups, heldPair{g.String(), ai})
			return true
		})
		named := map[string]bool{}
		collectIDs(ag, named)
		for _, id := range h.named {
			named[id] = true
		}
		ag.Get("staff").ForEach(func(_, rec gjson.Result) bool {
			if p, ok := d.personAt[rec.Get("person").String()]; ok {
				d.people[p].records = appendOnce(d.people[p].records, ai)
				for _, f := range rec.Get("functions").Array() {
					if system[f.String()] {
						everywhere[d.people[p].id] = true
					}
				}
			}
			return true
		})
		for id := range named {
			if p, ok := d.personAt[id]; ok {
				d.people[p].kept = append(d.people[p].kept, ai)
			}
		}
	}
	d.holder = heldLayered(held, groups)
	held, groups = nil, nil
	for i := range d.people {
		p := &d.people[i]
		p.everywhere = everywhere[p.id]
		st, err := m.Standing(p.id)
		if err != nil {
			return nil, err
		}
		p.admin = st.Administrator
		for _, a := range st.Coordinates {
			p.coords = append(p.coords, agencyAt[a])
		}
		for _, a := range st.StaffOf {
			p.staff = append(p.staff, agencyAt[a])
		}
	}
	return d, nil
}

// collectIDs adds every text in v that may name a person, as AgencyShard reads them: plain ids
// and the ids of user: principals.
func collectIDs(v gjson.Result, into map[string]bool) {
	switch {
	case v.IsObject() || v.IsArray():
		v.ForEach(func(_, item gjson.Result) bool {
			collectIDs(item, into)
			return true
		})
	case v.Type == gjson.String:
		into[strings.TrimPrefix(v.String(), "user:")] = true
	}
}

func appendOnce(list []uint16, a uint16) []uint16 {
	if len(list) > 0 && list[len(list)-1] == a {
		return list
	}
	return append(list, a)
}

// person is the person with the id, or nil.
func (d *DirectoryIndex) person(id string) *dirPerson {
	if p, ok := d.personAt[id]; ok {
		return &d.people[p]
	}
	return nil
}

// agencyOf is the agency holding a resource ("page:x", "unit:x", "agency:x"), or "" when the
// directory knows no such resource; person resources hold no one agency.
func (d *DirectoryIndex) agencyOf(resource string) string {
	typ, id, _ := strings.Cut(resource, ":")
	switch typ {
	case "page", "unit":
		if a, ok := d.holder.get(id); ok {
			return d.Agencies[a]
		}
	case "agency":
		for _, a := range d.Agencies {
			if a == id {
				return a
			}
		}
	}
	return ""
}

// AgencyOf names the agency an agency, unit, custom group or page id belongs to, and "" for
// any other id, as the whole model's AgencyOf does (who may list who has access, SPEC §10).
func (d *DirectoryIndex) AgencyOf(id string) string {
	if a, ok := d.holder.get(id); ok {
		return d.Agencies[a]
	}
	if slices.Contains(d.Agencies, id) {
		return id
	}
	return ""
}

// Standing is who the person is to the API on the snapshot's day (SPEC §10), as the whole
// model's Standing says: an administrator, the agencies they coordinate and those where they
// are active staff, each sorted by id; an unknown person is a RequestError.
func (d *DirectoryIndex) Standing(person string) (evaluator.Standing, error) {
	p := d.person(person)
	if p == nil {
		return evaluator.Standing{}, &evaluator.RequestError{Code: evaluator.CodeUnknownReference, Message: fmt.Sprintf("there is no person %s in this snapshot", person)}
	}
	return evaluator.Standing{Administrator: p.admin, Coordinates: d.names(p.coords), StaffOf: d.names(p.staff)}, nil
}

// keeps tells whether agency a's shard keeps the person.
func (d *DirectoryIndex) keeps(p *dirPerson, a uint16) bool {
	return p.everywhere || contains16(p.kept, a)
}

// keptBy lists, in snapshot order, the agencies whose shard keeps the person.
func (d *DirectoryIndex) keptBy(p *dirPerson) []uint16 {
	if !p.everywhere {
		return p.kept
	}
	all := make([]uint16, len(d.Agencies))
	for i := range all {
		all[i] = uint16(i)
	}
	return all
}

// targetShards lists, in snapshot order, the agencies a capability on a person target is asked
// of (RULES.md §10.3): each agency where the target has a record; for a target with none,
// every agency that keeps them.
func (d *DirectoryIndex) targetShards(t *dirPerson) []uint16 {
	if len(t.records) > 0 {
		return t.records
	}
	return d.keptBy(t)
}

func contains16(list []uint16, a uint16) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func (d *DirectoryIndex) names(list []uint16) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = d.Agencies[a]
	}
	return out
}

// label words a person or an agency as the evaluator's reasons do: the name, then the id.
func label(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

// Size estimates the index's bytes: its maps and lists, and the ids they hold.
func (d *DirectoryIndex) Size() int64 {
	n := int64(0)
	for _, name := range d.agencyNames {
		n += int64(len(name)) + 16
	}
	n += d.holder.size()
	for i := range d.people {
		p := &d.people[i]
		n += int64(len(p.id))*2 + int64(len(p.name)) + 16 + 16 + 16 + 4 + 8 + 96 + 2*int64(len(p.records)+len(p.kept)+len(p.coords)+len(p.staff))
	}
	for _, c := range d.caps {
		n += int64(len(c)) + 16
	}
	return n
}

// indexKey is a digest of everything newDirectory reads of a state of the directory's writer
// — the top level (top: people, administrators, site defaults, the catalog), the agencies in
// their order (order), and of each agency (its holding: the thin object as the directory
// holds it, and the pages and names it leaves out) only what the index is made of
// (holdingKey). Two states with one key have one index, so the directory makes it again only
// when one of those moved: a batch that changes reports-to, a page's security or a unit's
// approver leaves it as it was. agencies[i] is order[i]'s holding; keys keeps each agency's
// digest with the holding it was made of, so that only an agency whose holding is another
// one (it moved) is read again.
func indexKey(top []byte, order []string, agencies []agencyHolding, keys map[string]agencyKey) [sha256.Size]byte {
	h := sha256.New()
	h.Write(lengthOf(len(top)))
	h.Write(top)
	for i, a := range order {
		k, ok := keys[a]
		if !ok || !k.of(agencies[i]) {
			k = agencyKey{h: agencies[i], sum: holdingKey(agencies[i])}
			keys[a] = k
		}
		h.Write(lengthOf(len(a)))
		h.Write([]byte(a))
		h.Write(k.sum[:])
	}
	if len(keys) > len(order) { // an agency no longer in the state: its holding is let go
		maps.DeleteFunc(keys, func(a string, _ agencyKey) bool { return !slices.Contains(order, a) })
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}

// agencyKey is an agency's holdingKey with the holding it was made of.
type agencyKey struct {
	h   agencyHolding
	sum [sha256.Size]byte
}

// of reports whether h is the holding k was made of: the same texts, not only equal ones
// (the directory never writes to a holding it made; a new state of the agency is a new one).
func (k agencyKey) of(h agencyHolding) bool {
	same := func(a, b []string) bool { return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b) }
	return len(k.h.obj.Raw) == len(h.obj.Raw) && unsafe.StringData(k.h.obj.Raw) == unsafe.StringData(h.obj.Raw) &&
		same(k.h.pages, h.pages) && same(k.h.named, h.named)
}

// holdingKey is a digest of what the index is made of in one agency's holding: its id and
// name, the ids of its pages, units and custom groups in order, its coordinators, each staff
// record's person, dates and functions (the records any agency holds, and Standing: active
// staff on the day, coordinators while active, holders of a system-scope function), and the
// set of texts it holds that may name a person (collectIDs, and the names of the pages it
// leaves out).
func holdingKey(ag agencyHolding) [sha256.Size]byte {
	h := sha256.New()
	put := func(s string) {
		h.Write(lengthOf(len(s)))
		h.Write([]byte(s))
	}
	obj := ag.obj
	for _, path := range []string{"id", "name", "pages.#.id", "units.#.id", "groups.#.id", "coordinators"} {
		put(obj.Get(path).Raw)
	}
	obj.Get("staff").ForEach(func(_, rec gjson.Result) bool {
		for _, f := range []string{"person", "start", "end", "functions"} {
			put(rec.Get(f).Raw)
		}
		return true
	})
	put("|")
	for _, id := range ag.pages {
		put(id)
	}
	names := map[string]bool{}
	collectIDs(obj, names)
	for _, id := range ag.named {
		names[id] = true
	}
	put("|")
	for _, id := range slices.Sorted(maps.Keys(names)) {
		put(id)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// lengthOf is n as a varint, which each text a digest reads is prefixed with.
func lengthOf(n int) []byte {
	return binary.AppendUvarint(nil, uint64(n))
}
