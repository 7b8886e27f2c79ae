package edge

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Shard names one writer of the state (SPEC §10.1): an agency shard (Agency set) or the
// directory (Agency empty). Written as "agency:<id>" or "directory" in answers and journals.
type Shard struct{ Agency string }

// Directory is the shard of people, administrators, the catalog, site templates and the
// agency list.
var Directory = Shard{}

func (s Shard) String() string {
	if s.Agency == "" {
		return "directory"
	}
	return "agency:" + s.Agency
}

// ParseShard reads a shard's name as String writes it.
func ParseShard(name string) (Shard, bool) {
	if name == "directory" {
		return Directory, true
	}
	id, ok := strings.CutPrefix(name, "agency:")
	return Shard{Agency: id}, ok && id != ""
}

// Versions is the state an answer came from: the version of every shard, that is how many
// batches were applied to it since the edge was seeded (SPEC §10.2). A shard it does not name
// is at version 0. Its String is the consistency token callers see.
type Versions struct {
	Directory int64
	Agencies  map[string]int64
}

// Of is the version of one shard.
func (v Versions) Of(s Shard) int64 {
	if s.Agency == "" {
		return v.Directory
	}
	return v.Agencies[s.Agency]
}

// With is v with shard s at version n (v is not changed).
func (v Versions) With(s Shard, n int64) Versions {
	out := Versions{Directory: v.Directory, Agencies: make(map[string]int64, len(v.Agencies)+1)}
	for a, x := range v.Agencies {
		out.Agencies[a] = x
	}
	if s.Agency == "" {
		out.Directory = n
	} else if n == 0 {
		delete(out.Agencies, s.Agency)
	} else {
		out.Agencies[s.Agency] = n
	}
	return out
}

// Covers: every shard is at the version want names, or newer.
func (v Versions) Covers(want Versions) bool {
	if v.Directory < want.Directory {
		return false
	}
	for a, n := range want.Agencies {
		if v.Agencies[a] < n {
			return false
		}
	}
	return true
}

// Newest is, shard by shard, the newer of v and w: the state that covers both.
func (v Versions) Newest(w Versions) Versions {
	out := v
	if w.Directory > v.Directory {
		out = out.With(Directory, w.Directory)
	}
	for a, n := range w.Agencies {
		if n > out.Agencies[a] {
			out = out.With(Shard{Agency: a}, n)
		}
	}
	return out
}

// behind names the first shard of want that v has not reached, for a refusal.
func (v Versions) behind(want Versions) (Shard, int64, int64) {
	if v.Directory < want.Directory {
		return Directory, want.Directory, v.Directory
	}
	agencies := make([]string, 0, len(want.Agencies))
	for a := range want.Agencies {
		agencies = append(agencies, a)
	}
	slices.Sort(agencies)
	for _, a := range agencies {
		if v.Agencies[a] < want.Agencies[a] {
			return Shard{Agency: a}, want.Agencies[a], v.Agencies[a]
		}
	}
	return Directory, 0, 0
}

// String is the consistency token: "d<directory version>", then "~<agency id>.<version>" for
// every agency shard past version 0, in the order of the ids. Ids are letters, digits, ".",
// "_" and "-" (RULES §1), so "~" separates them and the version follows the last "."; every
// character is one a URL, a header and JSON carry as it is. Callers treat it as opaque: they
// send it back (at_least_version, ?at_least=, base_version) and never take it apart.
func (v Versions) String() string {
	agencies := make([]string, 0, len(v.Agencies))
	for a, n := range v.Agencies {
		if n > 0 {
			agencies = append(agencies, a)
		}
	}
	slices.Sort(agencies)
	var b strings.Builder
	b.WriteByte('d')
	b.WriteString(strconv.FormatInt(v.Directory, 10))
	for _, a := range agencies {
		b.WriteByte('~')
		b.WriteString(a)
		b.WriteByte('.')
		b.WriteString(strconv.FormatInt(v.Agencies[a], 10))
	}
	return b.String()
}

// ParseVersions reads a consistency token as String writes it.
func ParseVersions(token string) (Versions, error) {
	bad := fail(http.StatusBadRequest, codeBadRequest, "%q is not a consistency token: send back the version of an earlier answer as it was given", clip(token))
	parts := strings.Split(token, "~")
	dir, ok := strings.CutPrefix(parts[0], "d")
	n, err := strconv.ParseInt(dir, 10, 64)
	if !ok || err != nil || n < 0 || (len(dir) > 1 && dir[0] == '0') {
		return Versions{}, bad
	}
	v := Versions{Directory: n, Agencies: map[string]int64{}}
	for _, p := range parts[1:] {
		dot := strings.LastIndexByte(p, '.')
		if dot <= 0 {
			return Versions{}, bad
		}
		id, num := p[:dot], p[dot+1:]
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n <= 0 || num[0] == '0' || !validID(id) {
			return Versions{}, bad
		}
		if _, twice := v.Agencies[id]; twice {
			return Versions{}, bad
		}
		v.Agencies[id] = n
	}
	return v, nil
}

// validID: letters, digits, ".", "_" and "-", at most 128 (RULES §1).
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// clip shortens what a caller sent before it is quoted back.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
