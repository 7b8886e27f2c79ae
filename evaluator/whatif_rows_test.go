package evaluator

import "slices"

// The diff's reference for the tests: its rows counted and cut as the diff lists them, from
// every row made (accessDiff).

// tallyChanges counts rows already listed.
func tallyChanges(rows []AccessChange) diffCounts {
	var t accessTally[string]
	rank := map[Level]role{LevelNone: roleNotSet, LevelDenied: roleDenied, LevelReader: roleReader, LevelEditor: roleEditor, LevelFull: roleFull}
	for _, c := range rows {
		t.add(c.Subject, c.Resource, rank[c.Before.Level], rank[c.After.Level])
	}
	return t.counts()
}

// firstChanges is the first n of rows already in the diff's order (n < 0: all).
func firstChanges(rows []AccessChange, n int) []AccessChange {
	if n >= 0 && len(rows) > n {
		return slices.Clone(rows[:n])
	}
	return rows
}
