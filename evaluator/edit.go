package evaluator

// EditError refuses an edit batch (SPEC §5): the code, the index of the first failing edit,
// the JSON path inside the batch and a message for the coordinator.
type EditError struct {
	Code    string `json:"code"`
	Index   int    `json:"index"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (e *EditError) Error() string { return e.Code + ": " + e.Message }

// AccessChange is one row of a what-if access diff (SPEC §6).
type AccessChange struct {
	Subject  string `json:"subject"`
	Resource string `json:"resource"`
	Before   Level  `json:"before"`
	After    Level  `json:"after"`
}

// applyForScenario applies a scenario step's edits. Coordinator edits are not part of this
// build yet, so every step with edits is reported as failed with that reason: a scenario that
// needs them never passes silently.
func (m *Model) applyForScenario(st *step) (*Model, []AccessChange, *EditError) {
	return nil, nil, &EditError{Code: "edits_unavailable", Index: 0, Path: "edits",
		Message: "coordinator edits are not available in this build of connsec yet, so this step cannot be run"}
}

func judgeDiff(diff []AccessChange, i int, st *step, at string, res *ScenarioResult) {
	for j, row := range st.diff.includes {
		found := false
		for _, c := range diff {
			if c.Subject == row.subject && c.Resource == row.resource &&
				(row.before == "" || string(c.Before) == row.before) && (row.after == "" || string(c.After) == row.after) {
				found = true
			}
		}
		if found {
			res.pass()
		} else {
			res.fail(i, st, index(field(at, "diff.includes"), j), "expected %s on %s to change (%s → %s), which is not in the diff", row.subject, row.resource, orAny(row.before), orAny(row.after))
		}
	}
	for j, row := range st.diff.excludes {
		found := false
		for _, c := range diff {
			if c.Subject == row.subject && c.Resource == row.resource {
				found = true
			}
		}
		if found {
			res.fail(i, st, index(field(at, "diff.excludes"), j), "%s on %s changed, but this step expects no change there", row.subject, row.resource)
		} else {
			res.pass()
		}
	}
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}
