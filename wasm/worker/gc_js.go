//go:build js && wasm

package main

import "github.com/connsec/connsec/wasm/collector"

// heapBudget is the memory an instance lets its Go heap grow to between collections: an
// isolate has 128 MB, and the module, JavaScript and the request in flight need the rest. At
// 96 MB, after the edits of the state-profile figures, the reader isolate had taken 132 MB,
// the directory's object 147 MB and Albany's 123 MB; at 64 MB 119, 121 and 103 MB, with as
// many edits a second (bench-edge).
const heapBudget = 64 << 20

// pace is the instance's collector (collector.Pace): a small live heap may grow up to
// heapBudget between requests (GOGC up to 800), since collections are what an edit costs
// most in WebAssembly; a large one only by room to work. It is started in main, so that a
// long request (a seed of the state profile takes a minute) is paced after each collection:
// from a small live heap, a GOGC of 800 let the heap grow nine times what the next
// collection found live, and the directory's object took 414 MB so during a seed of the
// state profile while it held 50 MB live.
var pace = &collector.Pace{Floor: heapBudget, Idle: 800}

// tuneGC sets the pace after a model is loaded and after every request and step.
func tuneGC() { pace.Settle() }

// lowMidRequest is GOGC in the middle of a step that holds a large part of the state while it
// makes more of it: the seed, in the directory's object (every agency thin, a line of up to
// 27 MB, the cut it writes), an agency's object checking its cut of the seed (NYC whole
// beside every agency thin), and the directory's object making the readers' index (a model
// of the state thin) or carrying an agency's shard (NYC's is 27 MB). At 100, and with the
// room up to heapBudget given after a request, the heap grew to twice what each collection
// found live, and an object's memory never shrinks: the directory's object took 182 MB
// during a seed of the state profile, and 137 MB making the index after it. These steps are
// few (once per seed, once per state the readers ask of), so collecting more often is cheap.
const lowMidRequest = 25

// sparingly runs f with the collector at lowMidRequest in the middle of it.
func sparingly[T any](f func() T) T { return collector.At(pace, lowMidRequest, f) }
