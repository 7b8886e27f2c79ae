// Package collector paces Go's garbage collector in a WebAssembly instance: the browser's
// module and the worker's isolates and objects. An instance's linear memory only grows, so
// what the heap reaches between two collections is taken for good; and there is one thread,
// so each collection is time the caller waits. The pace is set through GOGC, which is
// relative to what the next collection finds live, and never as a memory limit: a limit
// under what a call holds live makes the collector run without end (in the module, a
// writer's what-if of a propagation at the largest agency took 71 s so, 55 s without the
// limit; in the worker, the directory's object stalled).
package collector

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Pace is how far an instance lets its heap grow past what is live before Go collects.
// Between calls a small live heap may grow up to Floor (GOGC up to Idle); a large one only
// by room to work: a quarter of what is live, 16 MB at least, and 16 MB for the runtime's
// own, where Go's default would let it double. A call that ends within that room is never
// collected. One that collects is paced again after each collection, with GOGC at most Busy
// (or what At gives it), and the room up to Floor is given back once it ends (Settle).
type Pace struct {
	Floor uint64 // the heap may grow to this between collections, whatever is live
	Idle  int    // the most GOGC between calls
	Busy  int    // the most GOGC in the middle of a call (0: Go's default, 100)
	mid   atomic.Int64
}

// busy is the most GOGC in the middle of a call.
func (p *Pace) busy() int {
	if p.Busy > 0 {
		return p.Busy
	}
	return 100
}

// Settle sets the pace after a call, from what the last collection found live.
func (p *Pace) Settle() { p.upTo(p.Idle) }

// Start sets the pace now and after every collection from here on: a long call (a load, a
// what-if of a propagation, a seed) that starts from a small live heap would otherwise let
// the heap grow as far past what it makes live as the pace set before it allowed. A
// finalizer runs once per cycle on a sentinel made again each time; it runs whenever the
// instance's one thread is free (a wait on JavaScript, or a long call's runtime.Gosched).
func (p *Pace) Start() {
	p.mid.Store(int64(p.busy()))
	p.Settle()
	p.retuneEachCycle()
}

func (p *Pace) retuneEachCycle() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		p.upTo(int(p.mid.Load()))
		p.retuneEachCycle()
	})
}

type sentinel struct{ _ [16]byte } // not zero-sized: a zero-sized value may never be collected

// upTo sets GOGC for the goal of Pace, at most most.
func (p *Pace) upTo(most int) {
	// the bytes the heap held at the end of the last collection (a sample of its own: the
	// finalizer and a call may read at once where there are threads)
	liveHeap := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(liveHeap)
	if liveHeap[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := liveHeap[0].Value.Uint64()
	if live == 0 { // no collection yet: Go's default
		debug.SetGCPercent(100)
		return
	}
	debug.SetGCPercent(Percent(live, p.Floor, most))
}

// Percent is the GOGC that lets a heap of live bytes grow to the goal of Pace with floor,
// between 10 and most.
func Percent(live, floor uint64, most int) int {
	goal := max(floor, live+max(live/4, 16<<20)+16<<20)
	return int(min(max((goal-live)*100/live, 10), uint64(most)))
}

// At runs f with GOGC at most gogc in the middle of it, in place of Busy, and settles the
// pace after it. The worker runs so, at a lower GOGC, a step that holds a large part of the
// state while it makes more of it (a seed, a cut of the state): at 100 the heap grew to twice
// what each collection found live. The module runs its loads so, at a higher one: a load
// holds the document beside the model it compiles, and the coordinator waits for it.
func At[T any](p *Pace, gogc int, f func() T) T {
	p.mid.Store(int64(gogc))
	debug.SetGCPercent(gogc)
	defer func() {
		p.mid.Store(int64(p.busy()))
		p.Settle()
	}()
	return f()
}
