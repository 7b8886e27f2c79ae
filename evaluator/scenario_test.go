package evaluator_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/connsec/connsec/evaluator"
)

// TestScenarioCorpus runs every scenario file of fixtures/scenarios (SPEC §9): each
// expectation a trainer wrote must hold.
func TestScenarioCorpus(t *testing.T) {
	files, err := filepath.Glob("../fixtures/scenarios/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			res, err := runScenarioFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Failures {
				t.Errorf("step %d (%s) %s: %s", f.Step, f.Note, f.Path, f.Message)
			}
			if res.Passed == 0 {
				t.Errorf("the scenario judged no expectation")
			}
		})
	}
}

func runScenarioFile(file string) (*evaluator.ScenarioResult, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return evaluator.RunScenario(data, func(path string) ([]byte, error) {
		return os.ReadFile(filepath.Join(filepath.Dir(file), path))
	})
}
