//go:build js && wasm

package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// heapBudget is the memory an instance lets its Go heap grow to between collections: an
// isolate has 128 MB, and the module, JavaScript and the request in flight need the rest. At
// 96 MB, after the edits of the state-profile figures, the reader isolate had taken 132 MB,
// the directory's object 147 MB and Albany's 123 MB; at 64 MB 119, 121 and 103 MB, with as
// many edits a second (bench-edge).
const heapBudget = 64 << 20

// liveHeap reads the bytes the heap held at the end of the last collection.
var liveHeap = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// tuneGC sets, after a model is loaded and after every request and step, how far the heap may
// grow past what is live before Go collects. Collections are what an edit costs most in
// WebAssembly (there is one thread, so the program waits for each), so a small live heap may
// grow up to heapBudget (GOGC up to 800); a large one only by room to work — a quarter of what
// is live, 16 MB at least, and 16 MB for the runtime's own — where Go's default would let it
// double, taking linear memory an instance never gives back. The goal is set through GOGC,
// which is relative to what the next collection finds live, and not as a memory limit: in
// WebAssembly a limit under what a call holds live made the collector run without end (the
// directory's object stalled so, with a fixed 96 MB and with one set from the live heap).
func tuneGC() { tuneGCUpTo(800) }

// tuneGCUpTo is tuneGC with GOGC at most most.
func tuneGCUpTo(most uint64) {
	metrics.Read(liveHeap)
	if liveHeap[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := liveHeap[0].Value.Uint64()
	if live == 0 { // no collection yet: Go's default
		debug.SetGCPercent(100)
		return
	}
	goal := max(heapBudget, live+max(live/4, 16<<20)+16<<20)
	debug.SetGCPercent(int(min(max((goal-live)*100/live, 10), most)))
}

// retuneEachCycle tunes the collector again after every collection, not only after a
// request: a long one (a seed of the state profile takes a minute) starts from a small live
// heap, whose GOGC of up to 800 then let the heap grow nine times what the next collection
// found live. The directory's object took 414 MB so during a seed of the state profile while
// it held 50 MB live. In the middle of a request GOGC is at most Go's default of 100 (the heap
// at most doubles what is live); the room up to heapBudget is given back once it ends. A
// finalizer runs once per cycle on a sentinel that is made again each time; it runs whenever
// the instance's one thread is free (a wait on JavaScript), which a long request reaches at
// each step it sends.
func retuneEachCycle() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		tuneGCUpTo(midRequest.Load())
		retuneEachCycle()
	})
}

// midRequest is the most GOGC the collector is given in the middle of a request: Go's default
// of 100, or lowMidRequest while a step that loads state whole runs (sparingly).
var midRequest atomic.Uint64

func init() { midRequest.Store(100) }

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

// sparingly runs f with the collector at lowMidRequest in the middle of it, and at Go's
// default again after it.
func sparingly[T any](f func() T) T {
	midRequest.Store(lowMidRequest)
	debug.SetGCPercent(lowMidRequest)
	defer func() {
		midRequest.Store(100)
		tuneGC()
	}()
	return f()
}

type gcSentinel struct{ _ [16]byte } // not zero-sized: a zero-sized value may never be collected
