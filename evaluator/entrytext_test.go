package evaluator

import (
	"hash/maphash"
	"testing"
)

// Entries that read the same share their words, and entries that read otherwise never do,
// whatever their hashes: here every hash clashes, and some words differ only in where the
// principal ends and the create list starts.
func TestEntryTextInterned(t *testing.T) {
	for name, hash := range map[string]func(maphash.Seed, []byte) uint64{
		"hashed":       maphash.Bytes,
		"all clashing": func(maphash.Seed, []byte) uint64 { return 7 },
	} {
		t.Run(name, func(t *testing.T) {
			defer func(h func(maphash.Seed, []byte) uint64) { wordsHash = h }(wordsHash)
			wordsHash = hash
			words := []struct {
				principal string
				create    []string
			}{
				{"everyone", nil},
				{"user:p1", nil},
				{"user:p1", []string{"project"}},
				{"user:p1", []string{"project", "department"}},
				{"user:p1\x00project", nil},
				{"unit:u1", []string{"task"}},
				{"", nil},
			}
			r := &reader{}
			first := map[int]*entryText{}
			for round := 0; round < 2; round++ {
				for i, w := range words {
					got := r.entryText(w.principal, append([]string(nil), w.create...))
					if got.principal != w.principal || len(got.create) != len(w.create) {
						t.Fatalf("%q %q: got the words %q %q", w.principal, w.create, got.principal, got.create)
					}
					if round == 0 {
						for j, other := range first {
							if other == got {
								t.Fatalf("%q %q share words with %q %q", w.principal, w.create, words[j].principal, words[j].create)
							}
						}
						first[i] = got
					} else if first[i] != got {
						t.Errorf("%q %q read twice: two entryTexts", w.principal, w.create)
					}
				}
			}
			n := 0
			r.words.each(func(*entryText) { n++ })
			if n != len(words) {
				t.Errorf("%d words interned, want %d", n, len(words))
			}
		})
	}
}
