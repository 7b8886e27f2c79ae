package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/connsec/connsec/evaluator"
)

// batchFlag adds --batch to a command; loadWithBatch reads it after the snapshot.
func (c *command) batchFlag() *string {
	return c.fs.String("batch", "", "the edit batch {actor, base_version, edits} (- for standard input)")
}

// loadWithBatch loads the snapshot and reads the batch; false means exit 2, already said.
func (c *command) loadWithBatch(file string) (*evaluator.Model, []byte, bool) {
	m, ok := c.load()
	if !ok {
		return nil, nil, false
	}
	b, ok := c.readBatch(file)
	return m, b, ok
}

// readBatch reads --batch (a file, or - for standard input).
func (c *command) readBatch(file string) ([]byte, bool) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		fmt.Fprintf(c.stderr, "connsec %s: cannot read the batch: %v\n", c.name, err)
		return nil, false
	}
	return data, true
}

// runApply is `connsec apply`: it applies a batch and writes the new snapshot to --out.
// On refusal it writes nothing, says why, and exits 1.
func runApply(args []string, stdout, stderr io.Writer) int {
	c := newCommand("apply", "--snapshot IN --batch B --out OUT [--json]", stdout, stderr)
	batchFile := c.batchFlag()
	out := c.fs.String("out", "", "where to write the new snapshot (may be the same file as --snapshot)")
	if code, ok := c.parse(args, "batch", "out"); !ok {
		return code
	}
	m, b, ok := c.loadWithBatch(*batchFile)
	if !ok {
		return 2
	}
	applied, err := m.Apply(b, time.Now())
	if err != nil {
		return c.refused(err)
	}
	if err := writeFileAtomic(*out, applied.Model.Snapshot()); err != nil {
		fmt.Fprintf(stderr, "connsec apply: cannot write %s: %v\n", *out, err)
		return 2
	}
	if c.json {
		c.printJSON(map[string]any{"version": applied.Model.Version(), "audit": applied.Audit, "notifications": applied.Notifications})
		return 0
	}
	fmt.Fprintf(stdout, "applied: version %d written to %s\n", applied.Model.Version(), *out)
	for _, n := range applied.Notifications {
		fmt.Fprintf(stdout, "  notify %s: their business function profile changed (+%d, -%d)\n", n.Person, len(n.Added), len(n.Removed))
	}
	return 0
}

// refused prints a refused batch: the edit, its path and the reason. Exit 1.
func (c *command) refused(err error) int {
	var ee *evaluator.EditError
	if !errors.As(err, &ee) {
		fmt.Fprintf(c.stderr, "connsec %s: %v\n", c.name, err)
		return 2
	}
	if c.json {
		c.printJSON(map[string]any{"error": ee})
	}
	where := "the batch"
	if ee.Index >= 0 {
		where = fmt.Sprintf("edit %d", ee.Index)
	}
	fmt.Fprintf(c.stderr, "connsec %s: refused at %s (%s): %s: %s\nnothing was changed\n", c.name, where, ee.Path, ee.Code, ee.Message)
	return 1
}

// writeFileAtomic writes through a temporary file, so a reader never sees half a snapshot.
func writeFileAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// runWhatIf is `connsec whatif`: the impact of a batch, a one-line summary first.
func runWhatIf(args []string, stdout, stderr io.Writer) int {
	c := newCommand("whatif", "--snapshot IN --batch B [--access-rows N] [--json]", stdout, stderr)
	batchFile := c.batchFlag()
	rows := c.fs.Int("access-rows", evaluator.DefaultAccessRows, "how many changes of page access to list (-1: every one); the summary counts them all")
	if code, ok := c.parse(args, "batch"); !ok {
		return code
	}
	m, b, ok := c.loadWithBatch(*batchFile)
	if !ok {
		return 2
	}
	w := m.WhatIfN(b, *rows)
	if c.json {
		c.printJSON(w)
	} else {
		fmt.Fprintln(stdout, w.Summary)
		if w.Accepted {
			printWhatIf(stdout, w)
		}
	}
	if !w.Accepted {
		return 1
	}
	return 0
}

func printWhatIf(w io.Writer, r *evaluator.WhatIf) {
	if len(r.Access) > 0 {
		fmt.Fprintln(w, "\nAccess:")
		for _, c := range r.Access {
			fmt.Fprintf(w, "  %-10s %-28s %s → %s\n", c.Subject, c.Resource, cellWords(c.Before), cellWords(c.After))
		}
	}
	if more := r.AccessTotal - len(r.Access); more > 0 {
		fmt.Fprintf(w, "  … and %d more changes of page access (--access-rows -1 lists every one)\n", more)
	}
	if len(r.Functions) > 0 {
		fmt.Fprintln(w, "\nBusiness function profiles:")
		for _, f := range r.Functions {
			fmt.Fprintf(w, "  %s\n", f.Person)
			for _, l := range f.Gained {
				fmt.Fprintf(w, "    + %s\n", l)
			}
			for _, l := range f.Lost {
				fmt.Fprintf(w, "    - %s\n", l)
			}
		}
	}
	if len(r.Lint.Added)+len(r.Lint.Resolved) > 0 {
		fmt.Fprintln(w, "\nLint:")
		for _, f := range r.Lint.Added {
			fmt.Fprintf(w, "  + %s %s: %s\n", f.Code, f.Target, f.Message)
		}
		for _, f := range r.Lint.Resolved {
			fmt.Fprintf(w, "  - %s %s (resolved)\n", f.Code, f.Target)
		}
	}
	if len(r.Notifications) > 0 {
		fmt.Fprintf(w, "\nNotifications: %d workers are to be shown their new profile\n", len(r.Notifications))
	}
}

func cellWords(c evaluator.Cell) string {
	if len(c.Create) == 0 {
		return string(c.Level)
	}
	return string(c.Level) + " (create " + strings.Join(c.Create, ", ") + ")"
}

// runCandidates is `connsec candidates`: who a build's new functions suggest (SPEC §5.9).
func runCandidates(args []string, stdout, stderr io.Writer) int {
	c := newCommand("candidates", "--snapshot F --build ID [--json]", stdout, stderr)
	var build string
	c.fs.StringVar(&build, "build", "", "the build id (B25.1 …)")
	if code, ok := c.parse(args, "build"); !ok {
		return code
	}
	m, ok := c.load()
	if !ok {
		return 2
	}
	list, err := m.BuildCandidates(build)
	if err != nil {
		return c.requestFailed(err)
	}
	if c.json {
		c.printJSON(list)
		return 0
	}
	for _, f := range list {
		fmt.Fprintf(stdout, "%s — %s: %d %s\n", f.Function, f.Name, len(f.People), plural(len(f.People), "candidate", "candidates"))
		for _, p := range f.People {
			fmt.Fprintf(stdout, "  %-10s %-24s %s (%s)\n", p.Person, p.Name, p.Agency, p.Why)
		}
	}
	return 0
}
