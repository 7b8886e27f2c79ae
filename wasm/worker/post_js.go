//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"net/http"
	"syscall/js"
)

// fetchShard sends one request to the Shard object named object and reads its answer whole,
// into a slice of its size (POST with body, a Uint8Array, or GET with none). It calls the
// SHARD binding itself rather than syumai/workers' DurableObjectStub.Fetch: that one
// makes a Go request body a ReadableStream whose pull and cancel functions are never released,
// and they hold the body's reader, so every body an instance sent stayed in its memory for
// good. The directory's object sends each agency its first state and has the seed's cuts
// checked by the agencies' objects (tens of MB each), and every agency's object sends its
// state with each cut it asks for: measured after a seed of the state profile, the directory's
// object held 157 MB live, most of it bodies already sent. Here the body is copied into a
// Uint8Array once, and every function made is released when its promise settles. Reading the
// answer through syumai's stream grew a slice by doubling (NYC's shard, 27 MB, took 59 MB of
// a reader isolate's memory on its way in).
func fetchShard(method, object, path string, body js.Value) (*http.Response, []byte, error) {
	env := js.Global().Get("context").Get("env")
	ns := env.Get("SHARD")
	if ns.IsUndefined() || ns.IsNull() {
		return nil, nil, errors.New("the worker has no SHARD binding: its Durable Objects are not configured")
	}
	stub := ns.Call("get", ns.Call("idFromName", object))
	headers := js.Global().Get("Object").New()
	headers.Set("x-connsec-object", object)
	init := js.Global().Get("Object").New()
	init.Set("method", method)
	init.Set("headers", headers)
	if method != http.MethodGet {
		init.Set("body", body)
	}
	res, err := settled(stub.Call("fetch", "https://shard"+path, init))
	if err != nil {
		return nil, nil, fmt.Errorf("the writer of %s did not answer: %w", object, err)
	}
	buf, err := settled(res.Call("arrayBuffer"))
	if err != nil {
		return nil, nil, fmt.Errorf("the answer of the writer of %s was cut short: %w", object, err)
	}
	out := make([]byte, buf.Get("byteLength").Int())
	js.CopyBytesToGo(out, js.Global().Get("Uint8Array").New(buf))
	h := http.Header{}
	for _, name := range []string{"Content-Type", "X-Connsec-Versions"} {
		if v := res.Get("headers").Call("get", name); v.Type() == js.TypeString {
			h.Set(name, v.String())
		}
	}
	return &http.Response{StatusCode: res.Get("status").Int(), Header: h}, out, nil
}

// settled waits for promise p: its value, or its rejection as an error. Both functions it
// makes are released once p settles.
func settled(p js.Value) (js.Value, error) {
	type outcome struct {
		v   js.Value
		err error
	}
	done := make(chan outcome, 1)
	var then, catch js.Func
	release := func() { then.Release(); catch.Release() }
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		done <- outcome{v: args[0]}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		defer release()
		msg := "the promise was rejected"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		done <- outcome{err: errors.New(msg)}
		return nil
	})
	p.Call("then", then, catch)
	o := <-done
	return o.v, o.err
}
