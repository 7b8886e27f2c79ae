package peers

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/connsec/connsec/evaluator"
	"github.com/connsec/connsec/tools/gen"
)

// A pair is one snapshot read by both engines.
type pair struct {
	name  string
	data  []byte
	model *evaluator.Model
	tr    *Translation
}

func loadPair(tb testing.TB, name string, data []byte, day string) *pair {
	tb.Helper()
	m, err := evaluator.Load(data)
	if err != nil {
		tb.Fatalf("%s: connsec refuses the snapshot: %v", name, err)
	}
	tr, err := Translate(data, day)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return &pair{name: name, data: data, model: m, tr: tr}
}

func exampleSnapshot(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile("../../fixtures/example/snapshot.json")
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func generated(tb testing.TB, o gen.Options) []byte {
	tb.Helper()
	data, err := gen.Generate(o)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// requests draws n valid requests: pages with read, edit, manage_security and every create
// kind that fits under the page, and capabilities on agencies, units and persons. Subjects
// are biased towards the people a page's entries name (so that allowed answers, denies and
// creators are common), administrators and the subject's own person for capabilities.
// asOf is put into every request (empty: the snapshot's own day).
func requests(t *Translation, n int, seed uint64, asOf string) []evaluator.Request {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	out := make([]evaluator.Request, 0, n)
	for len(out) < n {
		subject := pick(t.People)
		var action, resource string
		if rng.IntN(100) < 80 || len(t.Capabilities) == 0 {
			pg := t.Pages[rng.IntN(len(t.Pages))]
			resource = "page:" + pg.ID
			switch x := rng.IntN(100); {
			case x < 25:
				action = "read"
			case x < 45:
				action = "edit"
			case x < 65:
				action = "manage_security"
			default:
				action = "create:" + pick(childKinds(pg.Kind))
			}
			switch x := rng.IntN(100); {
			case x < 65 && len(t.named[pg.ID]) > 0:
				// someone an entry of the page names
				ref := t.named[pg.ID][rng.IntN(len(t.named[pg.ID]))]
				if ref.Type == "User" {
					subject = string(ref.ID)
				} else {
					subject = pick(t.members[string(ref.ID)])
				}
			case x < 70 && len(t.Admins) > 0:
				subject = pick(t.Admins)
			case x < 80:
				// the creator, whose rule is otherwise rare
				if c := creators(t.w.pages[pg.ID]); len(c) > 0 {
					subject = pick(c)
				}
			}
		} else {
			action = pick(t.Capabilities)
			switch rng.IntN(5) {
			case 0:
				resource = "agency:" + pick(t.Agencies)
			case 1:
				resource = "unit:" + pick(t.Units)
			case 2:
				resource = "person:" + subject
			case 3:
				// someone in one of the subject's units (in- or out-assigned), where unit
				// scopes and out-assignments decide
				resource = "person:" + pick(t.People)
				if mates := t.unitMates(subject); len(mates) > 0 {
					resource = "person:" + pick(mates)
				}
			default:
				resource = "person:" + pick(t.People)
			}
		}
		out = append(out, evaluator.Request{Subject: subject, Action: action, Resource: resource, AsOf: asOf})
	}
	return out
}

// invalidRequests are requests that connsec must answer with an error (SPEC §4.1 step 1),
// where Cedar, which has no notion of a malformed request, would simply deny.
func invalidRequests(t *Translation, seed uint64) []evaluator.Request {
	rng := rand.New(rand.NewPCG(seed, 0xbad))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	var out []evaluator.Request
	for i := 0; i < 50; i++ {
		p, pg := pick(t.People), t.Pages[rng.IntN(len(t.Pages))]
		out = append(out,
			evaluator.Request{Subject: "p-nobody", Action: "read", Resource: "page:" + pg.ID},
			evaluator.Request{Subject: p, Action: "read", Resource: "page:pg-nowhere"},
			evaluator.Request{Subject: p, Action: "edit", Resource: "unit:" + pick(t.Units)},
			evaluator.Request{Subject: p, Action: "read", Resource: "person:p-nobody"},
		)
		if len(t.Capabilities) > 0 {
			out = append(out, evaluator.Request{Subject: p, Action: pick(t.Capabilities), Resource: "page:" + pg.ID})
		}
		for {
			k := pick(allKinds)
			if !t.Valid(p, "create:"+k, "page:"+pg.ID) {
				out = append(out, evaluator.Request{Subject: p, Action: "create:" + k, Resource: "page:" + pg.ID})
				break
			}
		}
	}
	return out
}

var allKinds = func() []string {
	ks := map[string]bool{"organization": true}
	for k, cs := range ChildKinds {
		ks[k] = true
		for _, c := range cs {
			ks[c] = true
		}
	}
	return sortedKeys(ks)
}()

// unitMates are the people of every unit p is in on the translation's day.
func (t *Translation) unitMates(p string) []string {
	var out []string
	for _, r := range t.w.recs[p] {
		if !activeOn(r.Start, r.End, t.w.day) {
			continue
		}
		units := []string{r.Unit}
		for _, o := range r.Outs {
			if activeOn(o.Start, o.End, t.w.day) {
				units = append(units, o.Unit)
			}
		}
		for _, u := range units {
			out = append(out, t.members["unit@"+u]...)
		}
	}
	return out
}

// allRequests is every (person, page, page action) and every (person, capability, target)
// of a small snapshot.
func allRequests(t *Translation) []evaluator.Request {
	var out []evaluator.Request
	for _, p := range t.People {
		for _, pg := range t.Pages {
			for _, a := range append([]string{"read", "edit", "manage_security"}, prefixed("create:", childKinds(pg.Kind))...) {
				out = append(out, evaluator.Request{Subject: p, Action: a, Resource: "page:" + pg.ID})
			}
		}
		targets := append(append(prefixed("agency:", t.Agencies), prefixed("unit:", t.Units)...), prefixed("person:", t.People)...)
		for _, c := range t.Capabilities {
			for _, tg := range targets {
				out = append(out, evaluator.Request{Subject: p, Action: c, Resource: tg})
			}
		}
	}
	return out
}

func prefixed(p string, s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = p + x
	}
	return out
}
