//go:build js && wasm

package main

import (
	"runtime/debug"
	"runtime/metrics"
)

// heapBudget is the memory an instance lets its Go heap grow to between collections: an
// isolate has 128 MB, and the module, JavaScript and the request in flight need the rest.
const heapBudget = 96 << 20

// tuneGC sets how far the heap may grow past what is live before Go collects, after a model
// is loaded. Collections are what an edit costs most in WebAssembly (there is one thread, so
// the program waits for each), so a small model lets the heap grow up to heapBudget, and a
// large one keeps Go's default (a collection when the heap doubles).
func tuneGC() {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	live := sample[0].Value.Uint64()
	percent := 100
	if live > 0 && live < heapBudget/2 {
		percent = min(int((heapBudget/live-1)*100), 800)
	}
	debug.SetGCPercent(percent)
}
