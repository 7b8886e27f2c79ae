//go:build js && wasm

package main

import (
	"runtime"
	"syscall/js"
	"unsafe"

	"github.com/connsec/connsec/wasm/binding"
	"github.com/connsec/connsec/wasm/collector"
)

// main registers connsec.call on the JavaScript global object and stays alive, so one loaded
// snapshot serves every later call. connsec.call(method, args) takes the arguments as a JSON
// string or as its UTF-8 bytes in a Uint8Array (the cheaper way to pass a large snapshot).
func main() {
	pace.Start()
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
		paced(method, func() {
			s.CallPiecesTo(method, argsJSON, func(piece string) { parts.Call("push", piece) }, func() { parts = array.New() })
		})
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

// pace is the module's collector (collector.Pace): between calls the heap may grow past what
// is live by room to work (a quarter, 16 MB at least, and 16 MB for the runtime's own), so
// that a query that allocates less than that is never collected; a call that goes past it
// is collected each time the heap grows by a tenth (GOGC 10), but a load (loadGCPercent). A
// tab has no fixed budget, so there is no floor; what the module's memory reached it keeps.
// At the largest agency a writer's what-if of a propagation took the module to 154 MB when a
// call's heap could grow by as much as between calls, and to 137 MB so, in as much time
// (53 s); its apply to 175.5 and 158.5 MB (wasm/bench/memory.mjs).
var pace = &collector.Pace{Idle: 800, Busy: 10}

// loadGCPercent is the collector's goal while a snapshot loads: the heap may grow by half of
// what it held at the last collection before the next, not by all of it (GOGC=100). A load
// holds the document beside what it reads and compiles, and the module keeps whatever it
// reached: at the largest agency a writer's load reached 93.5 MB with the default and 88 MB
// with 50, and a reader's 69.5 and 69 MB (wasm/bench/memory.mjs), for a few more collections.
// At 10 a reader's load reached 66.5 MB, and took 2.3 s in place of 1.9 (under Node).
const loadGCPercent = 50

// paced runs the call: a load with the collector at loadGCPercent, then a collection, so that
// the pace after it follows the model now held and not the load's peak (the memory a load
// reached is then reused by the calls after it instead of growing past it). After every call
// the pace is set from what is live.
func paced(method string, call func()) {
	switch method {
	case "load", "load_text", "read_text":
		collector.At(pace, loadGCPercent, func() struct{} { call(); return struct{}{} })
		runtime.GC()
	default:
		call()
	}
	pace.Settle()
}
