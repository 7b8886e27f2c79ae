//go:build js && wasm

package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"syscall/js"
	"unsafe"

	"github.com/connsec/connsec/wasm/binding"
)

// main registers connsec.call on the JavaScript global object and stays alive, so one loaded
// snapshot serves every later call. connsec.call(method, args) takes the arguments as a JSON
// string or as its UTF-8 bytes in a Uint8Array (the cheaper way to pass a large snapshot).
func main() {
	s := &binding.Session{}
	uint8Array := js.Global().Get("Uint8Array")
	api := js.Global().Get("Object").New()
	array := js.Global().Get("Array")
	api.Set("call", js.FuncOf(func(this js.Value, argv []js.Value) any {
		method := ""
		if len(argv) > 0 && argv[0].Type() == js.TypeString {
			method = argv[0].String()
		}
		var argsJSON []byte
		if len(argv) > 1 && argv[1].Type() == js.TypeObject && argv[1].InstanceOf(uint8Array) {
			// the arguments as UTF-8 bytes: copied once into the module, where a string is
			// copied twice (syscall/js reads it into bytes and then makes a string of them),
			// which for a 30 MB snapshot raises the module's memory by 60 MB for good
			argsJSON = make([]byte, argv[1].Length())
			js.CopyBytesToGo(argsJSON, argv[1])
		} else if len(argv) > 1 && argv[1].Type() == js.TypeString {
			// read in place, as Session.Call reads it
			text := argv[1].String()
			argsJSON = unsafe.Slice(unsafe.StringData(text), len(text))
		}
		// each piece of the reply is copied into a JavaScript string as soon as it is written,
		// and joined there: a long answer is never held whole in the module
		parts := array.New()
		loading(method, func() {
			s.CallPiecesTo(method, argsJSON, func(piece string) { parts.Call("push", piece) }, func() { parts = array.New() })
		})
		settled(method)
		if parts.Length() == 1 {
			return parts.Index(0)
		}
		return parts.Call("join", "")
	}))
	js.Global().Set("connsec", api)
	if ready := js.Global().Get("connsecReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// loadGCPercent is the collector's goal while a snapshot loads: the heap may grow by half of
// what it held at the last collection before the next, not by all of it (GOGC=100). A load
// holds the document beside what it reads and compiles, and the module keeps whatever it
// reached: at the largest agency a writer's load reached 93.5 MB with the default and 88 MB
// with 50, and a reader's 69.5 and 69 MB (wasm/bench/memory.mjs), for a few more collections.
const loadGCPercent = 50

// loading runs the call; when it loads a snapshot, with the collector's goal at loadGCPercent.
func loading(method string, call func()) {
	switch method {
	case "load", "load_text", "read_text":
		defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent))
	}
	call()
}

// settled collects after a load, so that the collector's next goal follows the model now held
// and not the load's peak: the memory a load reached (which a module never gives back) is
// then reused by the calls after it instead of growing past it. After every call it keeps the
// module's memory near what it holds (keepNear).
func settled(method string) {
	switch method {
	case "load", "load_text", "read_text":
		runtime.GC()
	}
	keepNear()
}

// liveHeap reads the bytes the heap held at the end of the last collection.
var liveHeap = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// keepNear sets the collector's memory limit to what the module holds with room to work: a
// quarter more, 16 MB at least, and 16 MB for the runtime's own. Go's collector otherwise lets
// the heap reach twice what it held at the last collection before it collects again, and in
// WebAssembly that growth is never given back: at the largest agency a writer's what-if of a
// propagation reached 209 MB, and 176.5 MB with this limit (wasm/bench/memory.mjs), as fast. The
// limit is set again after every call, so a model that grows is never held under its own
// size; within a call, past the limit, the collector only runs more often.
func keepNear() {
	metrics.Read(liveHeap)
	if liveHeap[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := liveHeap[0].Value.Uint64()
	debug.SetMemoryLimit(int64(live + max(live/4, 16<<20) + 16<<20))
}
