package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/connsec/connsec/evaluator"
)

// runSuggest is `connsec suggest`: for a request that is not allowed, the edit batches that
// would allow it, each verified, with who may make it and who else it lets in (§11 of the
// rules). Exit 0 when there is a suggestion (or the request is allowed already), 1 when there
// is none, 2 on bad input.
func runSuggest(args []string, stdout, stderr io.Writer) int {
	c := newCommand("suggest", "--snapshot F --subject P --action A --resource R [--as-of D] [--json]", stdout, stderr)
	var r evaluator.Request
	if code, ok := c.parseRequest(args, &r); !ok {
		return code
	}
	m, ok := c.load()
	if !ok {
		return 2
	}
	r.AsOf = c.asOf
	d, err := m.Check(r)
	if err != nil {
		return c.requestFailed(err)
	}
	got, err := m.Suggest(r)
	if err != nil {
		return c.requestFailed(err)
	}
	if c.json {
		c.printJSON(got)
	} else {
		switch {
		case d.Allowed:
			fmt.Fprintf(stdout, "%s may already %s on %s: nothing to suggest\n", r.Subject, r.Action, r.Resource)
		case len(got) == 0:
			fmt.Fprintf(stdout, "No single change found that would allow %s %s on %s\n", r.Subject, r.Action, r.Resource)
		}
		for i, s := range got {
			fmt.Fprintf(stdout, "%d. %s\n", i+1, s.Summary)
			for _, e := range s.Edits {
				fmt.Fprintf(stdout, "     %s\n", editLine(e))
			}
		}
	}
	if !d.Allowed && len(got) == 0 {
		return 1
	}
	return 0
}

// editLine words an edit in one line: its op, then its fields; a list of entries is shown
// as principal (role) pairs.
func editLine(raw json.RawMessage) string {
	var e map[string]any
	if json.Unmarshal(raw, &e) != nil {
		return string(raw)
	}
	keys := make([]string, 0, len(e))
	for k := range e {
		if k != "op" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := []string{fmt.Sprint(e["op"])}
	for _, k := range keys {
		v := e[k]
		if k == "entries" {
			var es []string
			for _, x := range v.([]any) {
				en := x.(map[string]any)
				es = append(es, fmt.Sprintf("%v (%v)", en["principal"], en["role"]))
			}
			v = strings.Join(es, ", ")
		}
		parts = append(parts, fmt.Sprintf("%s: %v", k, v))
	}
	return strings.Join(parts, "; ")
}
