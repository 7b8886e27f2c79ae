package evaluator_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/connsec/connsec/evaluator"
)

func readExample(path string) ([]byte, error) {
	if path != "example.json" {
		return nil, errors.New("only example.json is here")
	}
	return os.ReadFile("../fixtures/example/snapshot.json")
}

// A wrong expectation is a failure with its path, never a pass.
func TestScenarioWrongExpectationFails(t *testing.T) {
	sc := `{"format": "connsec.scenario/v1", "title": "wrong on purpose", "snapshot_file": "example.json",
	  "steps": [{"note": "an administrator reads the organization page",
	    "checks": [{"subject": "p-admin", "action": "read", "resource": "page:pg-alb-org", "allowed": false},
	               {"subject": "p-admin", "action": "read", "resource": "page:pg-alb-org", "allowed": true, "level": "full"},
	               {"subject": "p-nobody", "action": "read", "resource": "page:pg-alb-org", "error": "unknown_reference"}],
	    "who": [{"action": "read", "resource": "page:pg-alb-org", "subjects": ["p-admin"]}]}]}`
	res, err := evaluator.RunScenario([]byte(sc), readExample)
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed != 2 || res.Failed != 2 {
		t.Fatalf("passed %d, failed %d; want 2 and 2: %+v", res.Passed, res.Failed, res.Failures)
	}
	paths := []string{res.Failures[0].Path, res.Failures[1].Path}
	if paths[0] != "steps[0].checks[0]" || paths[1] != "steps[0].who[0]" {
		t.Errorf("failure paths %v", paths)
	}
	if !strings.Contains(res.Failures[1].Message, "p-") {
		t.Errorf("a who failure names the people that differ: %q", res.Failures[1].Message)
	}
}

// A malformed scenario is refused as a whole, each problem with its path.
func TestScenarioMalformed(t *testing.T) {
	cases := map[string]string{
		"allowed and error": `{"format": "connsec.scenario/v1", "title": "x", "snapshot_file": "example.json",
		  "steps": [{"checks": [{"subject": "p-admin", "action": "read", "resource": "page:pg-alb-org", "allowed": true, "error": "cycle"}]}]}`,
		"no snapshot":  `{"format": "connsec.scenario/v1", "title": "x", "steps": []}`,
		"wrong format": `{"format": "connsec.scenario/v2", "title": "x", "snapshot_file": "example.json", "steps": []}`,
		"not json":     `{"format": `,
		"missing file": `{"format": "connsec.scenario/v1", "title": "x", "snapshot_file": "nowhere.json", "steps": []}`,
	}
	for name, sc := range cases {
		t.Run(name, func(t *testing.T) {
			res, err := evaluator.RunScenario([]byte(sc), readExample)
			var se *evaluator.ScenarioError
			if !errors.As(err, &se) || len(se.Problems) == 0 {
				t.Fatalf("want a ScenarioError, got %v (result %+v)", err, res)
			}
			for _, p := range se.Problems {
				if p.Code == "" || p.Message == "" {
					t.Errorf("problem without code or message: %+v", p)
				}
			}
		})
	}
}
