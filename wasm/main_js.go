//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/connsec/connsec/wasm/binding"
)

// main registers connsec.call on the JavaScript global object and stays alive, so one loaded
// snapshot serves every later call.
func main() {
	s := &binding.Session{}
	api := js.Global().Get("Object").New()
	api.Set("call", js.FuncOf(func(this js.Value, argv []js.Value) any {
		method, argsJSON := "", ""
		if len(argv) > 0 && argv[0].Type() == js.TypeString {
			method = argv[0].String()
		}
		if len(argv) > 1 && argv[1].Type() == js.TypeString {
			argsJSON = argv[1].String()
		}
		return s.Call(method, argsJSON)
	}))
	js.Global().Set("connsec", api)
	if ready := js.Global().Get("connsecReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}
