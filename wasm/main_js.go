//go:build js && wasm

package main

import (
	"runtime"
	"syscall/js"

	"github.com/connsec/connsec/wasm/binding"
)

// main registers connsec.call on the JavaScript global object and stays alive, so one loaded
// snapshot serves every later call. connsec.call(method, args) takes the arguments as a JSON
// string or as its UTF-8 bytes in a Uint8Array (the cheaper way to pass a large snapshot).
func main() {
	s := &binding.Session{}
	uint8Array := js.Global().Get("Uint8Array")
	api := js.Global().Get("Object").New()
	api.Set("call", js.FuncOf(func(this js.Value, argv []js.Value) any {
		method, argsJSON := "", ""
		if len(argv) > 0 && argv[0].Type() == js.TypeString {
			method = argv[0].String()
		}
		if len(argv) > 1 && argv[1].Type() == js.TypeObject && argv[1].InstanceOf(uint8Array) {
			// the arguments as UTF-8 bytes: copied once into the module, where a string is
			// copied twice (syscall/js reads it into bytes and then makes a string of them),
			// which for a 30 MB snapshot raises the module's memory by 60 MB for good
			b := make([]byte, argv[1].Length())
			js.CopyBytesToGo(b, argv[1])
			return settled(method, s.CallBytes(method, b))
		}
		if len(argv) > 1 && argv[1].Type() == js.TypeString {
			argsJSON = argv[1].String()
		}
		return settled(method, s.Call(method, argsJSON))
	}))
	js.Global().Set("connsec", api)
	if ready := js.Global().Get("connsecReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

// settled collects after a load, so that the collector's next goal follows the model now held
// and not the load's peak: the memory a load reached (which a module never gives back) is
// then reused by the calls after it instead of growing past it.
func settled(method, reply string) string {
	switch method {
	case "load", "load_text", "read_text":
		runtime.GC()
	}
	return reply
}
