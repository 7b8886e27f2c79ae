package edge

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// The directory index travels from the writer to the readers (the Ledger's GET /directory,
// README "The edge") in a compact binary form: every id once, and agencies as their index in
// the list of agencies. A reader decodes it without trusting it: any count, index or length
// that does not fit is an error, never a panic.
//
//	"connsec.directory/1\n"
//	agencies: n, then for each: id, name, its units in snapshot order, its pages and groups sorted
//	capabilities: n, ids
//	people: n, then for each in snapshot order: id, name, flags (1 everywhere, 2 administrator),
//	        records, kept, coordinates, staff: each n, then agency indexes
//
// A number is an unsigned varint; an id or a name is its length, then its bytes.
const directoryMagic = "connsec.directory/1\n"

// MarshalBinary writes the index in the form above; the same index always gives the same bytes.
func (d *DirectoryIndex) MarshalBinary() ([]byte, error) {
	b := []byte(directoryMagic)
	num := func(n int) { b = binary.AppendUvarint(b, uint64(n)) }
	str := func(s string) { num(len(s)); b = append(b, s...) }
	others := make([][]string, len(d.Agencies)) // pages and groups: the holder's ids that are not units
	isUnit := map[string]bool{}
	for _, us := range d.units {
		for _, u := range us {
			isUnit[u] = true
		}
	}
	for i := range d.holder.len() {
		if id := d.holder.id(i); !isUnit[id] {
			a := d.holder.agency[i]
			others[a] = append(others[a], id)
		}
	}
	num(len(d.Agencies))
	for a, id := range d.Agencies {
		str(id)
		str(d.agencyNames[a])
		num(len(d.units[a]))
		for _, u := range d.units[a] {
			str(u)
		}
		num(len(others[a])) // in order, as the ids are held
		for _, id := range others[a] {
			str(id)
		}
	}
	num(len(d.caps))
	for _, c := range d.caps {
		str(c)
	}
	num(len(d.people))
	for i := range d.people {
		p := &d.people[i]
		str(p.id)
		str(p.name)
		flags := 0
		if p.everywhere {
			flags |= 1
		}
		if p.admin {
			flags |= 2
		}
		num(flags)
		for _, list := range [][]uint16{p.records, p.kept, p.coords, p.staff} {
			num(len(list))
			for _, a := range list {
				num(int(a))
			}
		}
	}
	return b, nil
}

// directoryReader reads the form above, keeping the first problem.
type directoryReader struct {
	b   []byte
	err error
}

func (r *directoryReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("the directory index does not read: %s", what)
	}
}

func (r *directoryReader) num(limit int, what string) int {
	if r.err != nil {
		return 0
	}
	n, k := binary.Uvarint(r.b)
	if k <= 0 || limit < 0 || n > uint64(limit) {
		r.fail(what)
		return 0
	}
	r.b = r.b[k:]
	return int(n)
}

// count reads how many elements follow: each takes a byte at least, so no more than are left.
func (r *directoryReader) count(what string) int { return r.num(len(r.b), what) }

func (r *directoryReader) str(what string) string { return strings.Clone(r.view(what)) }

// view is str read in place, over the bytes read: for what is copied before they are let go.
func (r *directoryReader) view(what string) string {
	n := r.count(what)
	if r.err == nil && n > len(r.b) { // the length is read before what is left is known
		r.fail(what)
	}
	if r.err != nil {
		return ""
	}
	s := inPlace(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *directoryReader) agencies(n int, what string) []uint16 {
	k := r.count(what)
	var out []uint16
	for i := 0; i < k && r.err == nil; i++ {
		out = append(out, uint16(r.num(n-1, what+": an agency index past the list of agencies")))
	}
	return out
}

// UnmarshalBinary reads an index MarshalBinary wrote.
func (d *DirectoryIndex) UnmarshalBinary(data []byte) error {
	if len(data) < len(directoryMagic) || string(data[:len(directoryMagic)]) != directoryMagic {
		return errors.New("the directory index does not read: it does not begin as connsec.directory/1")
	}
	r := &directoryReader{b: data[len(directoryMagic):]}
	out := DirectoryIndex{personAt: map[string]int32{}}
	var held []heldPair // read over data: laid out (copied) once all are read
	n := r.count("the number of agencies")
	if n > 0x10000 {
		r.fail("more than 65,536 agencies")
	}
	for a := 0; a < n && r.err == nil; a++ {
		out.Agencies = append(out.Agencies, r.str("an agency id"))
		out.agencyNames = append(out.agencyNames, r.str("an agency's name"))
		var units []string
		for i, k := 0, r.count("the number of units"); i < k && r.err == nil; i++ {
			u := r.str("a unit id")
			units = append(units, u)
			held = append(held, heldPair{u, uint16(a)})
		}
		out.units = append(out.units, units)
		for i, k := 0, r.count("the number of pages and groups"); i < k && r.err == nil; i++ {
			held = append(held, heldPair{r.view("a page or group id"), uint16(a)})
		}
	}
	out.holder = heldFromPairs(held)
	held = nil
	for i, k := 0, r.count("the number of capabilities"); i < k && r.err == nil; i++ {
		out.caps = append(out.caps, r.str("a capability"))
	}
	for i, k := 0, r.count("the number of people"); i < k && r.err == nil; i++ {
		p := dirPerson{id: r.str("a person id"), name: r.str("a person's name")}
		flags := r.num(3, "a person's flags")
		p.everywhere, p.admin = flags&1 != 0, flags&2 != 0
		p.records = r.agencies(n, "a person's records")
		p.kept = r.agencies(n, "the agencies keeping a person")
		p.coords = r.agencies(n, "the agencies a person coordinates")
		p.staff = r.agencies(n, "the agencies a person is staff of")
		if _, twice := out.personAt[p.id]; twice && r.err == nil {
			r.fail("the person " + clip(p.id) + " is listed twice")
		}
		out.personAt[p.id] = int32(len(out.people))
		out.people = append(out.people, p)
	}
	if r.err == nil && len(r.b) > 0 {
		r.fail("bytes are left after the people")
	}
	if r.err != nil {
		return r.err
	}
	*d = out
	return nil
}
