package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/connsec/connsec/evaluator"
)

// runValidate is `connsec validate FILE…` (SPEC §9): it runs every scenario file and judges
// every expectation. Exit 0 when all hold, 1 when any fails, 2 when a file cannot be read or
// run. Each failure is printed; the last line is always "N passed, M failed".
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: connsec validate [--json] FILE...")
		fs.PrintDefaults()
	}
	asJSON := fs.Bool("json", false, "print each file's result as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "connsec validate: name at least one scenario file")
		return 2
	}
	passed, failed, broken := 0, 0, false
	type fileResult struct {
		File   string
		Result *evaluator.ScenarioResult
		Error  error
	}
	var results []fileResult
	for _, file := range fs.Args() {
		res, err := validateFile(file)
		results = append(results, fileResult{File: file, Result: res, Error: err})
		if err != nil {
			broken = true
			fmt.Fprintf(stderr, "%s: %v\n", file, err)
			continue
		}
		passed += res.Passed
		failed += res.Failed
		if *asJSON {
			continue
		}
		status := "ok"
		if res.Failed > 0 {
			status = "FAILED"
		}
		fmt.Fprintf(stdout, "%s  %s — %s (%d passed, %d failed)\n", status, file, res.Title, res.Passed, res.Failed)
		for _, f := range res.Failures {
			where := fmt.Sprintf("step %d", f.Step)
			if f.Note != "" {
				where += " (" + f.Note + ")"
			}
			fmt.Fprintf(stdout, "    %s, %s: %s\n", where, f.Path, f.Message)
		}
	}
	if *asJSON {
		var out []map[string]any
		for _, r := range results {
			row := map[string]any{"file": r.File}
			if r.Error != nil {
				row["error"] = r.Error.Error()
				var se *evaluator.ScenarioError
				if errors.As(r.Error, &se) {
					row["problems"] = se.Problems
				}
			} else {
				row["result"] = r.Result
			}
			out = append(out, row)
		}
		(&command{stdout: stdout}).printJSON(out)
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	switch {
	case broken:
		return 2
	case failed > 0:
		return 1
	}
	return 0
}

// validateFile runs one scenario file; its snapshot_file is read relative to it.
func validateFile(file string) (*evaluator.ScenarioResult, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(file)
	return evaluator.RunScenario(data, func(path string) ([]byte, error) {
		if filepath.IsAbs(path) {
			return os.ReadFile(path)
		}
		return os.ReadFile(filepath.Join(dir, path))
	})
}
