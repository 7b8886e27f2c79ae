package evaluator_test

import (
	"testing"

	"github.com/connsec/connsec/evaluator"
)

// A prepared request is answered as Allowed answers the request, and only by the model that
// prepared it.
func TestPreparedAnswersAsAllowed(t *testing.T) {
	m, data := loadExample(t)
	info, err := readSnapInfo(data)
	if err != nil {
		t.Fatal(err)
	}
	s := &benchSnap{name: "example", model: m, info: info}
	for _, reqs := range [][]evaluator.Request{benchPageRequests(s), benchCapabilityRequests(s)} {
		for _, r := range reqs {
			want, err := m.Allowed(r)
			if err != nil {
				t.Fatal(err)
			}
			p, err := m.Prepare(r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.AllowedPrepared(p)
			if err != nil || got != want {
				t.Fatalf("%+v: prepared %v (%v), Allowed %v", r, got, err, want)
			}
		}
	}
	p0, _ := m.Prepare(evaluator.Request{Subject: "p-1012", Action: "edit", Resource: "page:pg-alb-dep-cpsi1"})
	if n := testing.AllocsPerRun(100, func() { m.AllowedPrepared(p0) }); n != 0 {
		t.Errorf("AllowedPrepared allocates %v times a call", n)
	}
	if _, err := m.Prepare(evaluator.Request{Subject: "p-nobody", Action: "read", Resource: "page:pg-alb-org"}); err == nil {
		t.Error("a request about nobody was prepared")
	}
	other, err := evaluator.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := m.Prepare(evaluator.Request{Subject: "p-1012", Action: "read", Resource: "page:pg-alb-org"})
	if _, err := other.AllowedPrepared(p); err == nil {
		t.Error("another model answered a request prepared on this one")
	}
}
