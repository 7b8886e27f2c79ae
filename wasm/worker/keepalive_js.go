//go:build js && wasm

package main

import (
	"bytes"
	"net/http"
	"syscall/js"
)

// rawBodyWriter is what syumai/workers' response writer offers for a body that is already a
// JavaScript value.
type rawBodyWriter interface {
	WriteRawJSBody(body js.Value)
}

// answer collects a handler's response in memory.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header { return a.header }
func (a *answer) WriteHeader(s int) {
	if a.status == 0 {
		a.status = s
	}
}
func (a *answer) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.body.Write(p)
}

// keepAlive serves each request into memory and hands the body to JavaScript as one
// Uint8Array. syumai/workers streams a body through a pipe whose close also ends the Go
// program's Serve (it is made for one instance per request); a raw body never touches that
// pipe, so one instance can answer every request of its isolate and keep its read model warm.
func keepAlive(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := &answer{header: http.Header{}}
		h.ServeHTTP(a, r)
		for k, v := range a.header {
			w.Header()[k] = v
		}
		if a.status == 0 {
			a.status = http.StatusOK
		}
		raw, ok := w.(rawBodyWriter)
		if !ok { // not under syumai/workers: write as usual
			w.WriteHeader(a.status)
			w.Write(a.body.Bytes())
			return
		}
		w.WriteHeader(a.status)
		arr := js.Global().Get("Uint8Array").New(a.body.Len())
		js.CopyBytesToJS(arr, a.body.Bytes())
		raw.WriteRawJSBody(arr)
	})
}
