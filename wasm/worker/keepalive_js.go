//go:build js && wasm

package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"syscall/js"
)

// rawBodyWriter is what syumai/workers' response writer offers for a body that is already a
// JavaScript value.
type rawBodyWriter interface {
	WriteRawJSBody(body js.Value)
}

// jsBytes is a copy of p in a JavaScript Uint8Array.
func jsBytes(p []byte) js.Value {
	arr := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(arr, p)
	return arr
}

// answer collects a handler's response in memory, unless the handler flushes: then the
// status and headers go out at the first Flush and the body follows as a stream, each
// flushed chunk enqueued once the caller has taken the one before (the export, SPEC §10).
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer

	canStream bool
	streamed  chan struct{} // closed at the first Flush of a response that streams
	stream    *bodyStream
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
	if a.stream != nil && a.stream.cancelled() {
		return 0, errCancelled
	}
	return a.body.Write(p)
}

// FlushError sends what was written since the last flush, waiting until the caller wants
// more; the first one hands the response to JavaScript. An answer that cannot stream keeps
// collecting.
func (a *answer) FlushError() error {
	if !a.canStream {
		return nil
	}
	if a.stream == nil {
		if a.status == 0 {
			a.status = http.StatusOK
		}
		a.stream = newBodyStream()
		close(a.streamed)
	}
	err := a.stream.send(a.body.Bytes())
	a.body.Reset()
	return err
}

// end closes a streamed body when the handler is done: with what is left, or as failed when
// fewer bytes were sent than its Content-Length says (the caller's client must not take a
// body cut short for a whole one).
func (a *answer) end() {
	if a.stream == nil {
		return
	}
	err := a.stream.send(a.body.Bytes())
	a.body.Reset()
	if n, perr := strconv.ParseInt(a.header.Get("Content-Length"), 10, 64); err == nil && perr == nil && n != a.stream.sent {
		err = errors.New("the answer was cut short of its Content-Length: the service failed while it was being sent")
	}
	a.stream.close(err)
}

// keepAlive serves each request into memory and hands the body to JavaScript as one
// Uint8Array, or, for a handler that flushes, as a ReadableStream fed chunk by chunk.
// syumai/workers streams a body through a pipe whose close also ends the Go program's Serve
// (it is made for one instance per request); a raw body never touches that pipe, so one
// instance can answer every request of its isolate and keep its read model warm.
func keepAlive(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, ok := w.(rawBodyWriter)
		a := &answer{header: http.Header{}, canStream: ok, streamed: make(chan struct{})}
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer tuneGC() // the collector follows what the request left live
			h.ServeHTTP(a, r)
			a.end()
		}()
		select {
		case <-done:
		case <-a.streamed:
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		if a.status == 0 {
			a.status = http.StatusOK
		}
		w.WriteHeader(a.status)
		switch {
		case a.stream != nil:
			raw.WriteRawJSBody(a.stream.readable)
		case !ok: // not under syumai/workers: write as usual
			w.Write(a.body.Bytes())
		default:
			raw.WriteRawJSBody(jsBytes(a.body.Bytes()))
		}
	})
}

var errCancelled = errors.New("the caller stopped reading the answer")

// bodyStream is a ReadableStream whose chunks Go enqueues one at a time, each when the
// stream pulls (its queue holds one chunk at most), so that a slow caller holds the writer
// back instead of filling the isolate.
type bodyStream struct {
	readable js.Value
	ctrl     js.Value
	pulls    chan js.Value // the resolve of the pull that waits for a chunk
	gone     chan struct{} // closed when the caller cancels
	goneOnce sync.Once
	funcs    []js.Func
	sent     int64
}

func newBodyStream() *bodyStream {
	s := &bodyStream{pulls: make(chan js.Value, 1), gone: make(chan struct{})}
	start := js.FuncOf(func(_ js.Value, args []js.Value) any {
		s.ctrl = args[0]
		return nil
	})
	pull := js.FuncOf(func(js.Value, []js.Value) any {
		var wait js.Func
		wait = js.FuncOf(func(_ js.Value, p []js.Value) any {
			wait.Release()
			select {
			case s.pulls <- p[0]:
			default: // never: a stream pulls again only once its last pull is resolved
				p[0].Invoke()
			}
			return nil
		})
		return js.Global().Get("Promise").New(wait)
	})
	cancel := js.FuncOf(func(js.Value, []js.Value) any {
		s.goneOnce.Do(func() { close(s.gone) })
		return nil
	})
	s.funcs = []js.Func{start, pull, cancel}
	source := js.Global().Get("Object").New()
	source.Set("start", start)
	source.Set("pull", pull)
	source.Set("cancel", cancel)
	s.readable = js.Global().Get("ReadableStream").New(source)
	return s
}

func (s *bodyStream) cancelled() bool {
	select {
	case <-s.gone:
		return true
	default:
		return false
	}
}

// send enqueues p as one chunk once the stream pulls; errCancelled when the caller has gone.
func (s *bodyStream) send(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	select {
	case resolve := <-s.pulls:
		defer resolve.Invoke()
		if s.cancelled() {
			return errCancelled
		}
		if err := call(s.ctrl, "enqueue", jsBytes(p)); err != nil {
			return errCancelled
		}
		s.sent += int64(len(p))
		return nil
	case <-s.gone:
		return errCancelled
	}
}

// call calls a method of a JavaScript value, returning what it throws (a stream the caller
// has let go of throws) as an error instead of a panic.
func call(v js.Value, method string, args ...any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	v.Call(method, args...)
	return nil
}

// close ends the stream: closed, or errored with err, which the caller's client sees as a
// failed transfer. A pull still waiting is resolved, and the stream's functions released.
func (s *bodyStream) close(err error) {
	if !s.cancelled() {
		if err != nil && err != errCancelled {
			call(s.ctrl, "error", js.Global().Get("Error").New(err.Error()))
		} else if err == nil {
			call(s.ctrl, "close")
		}
	}
	select {
	case resolve := <-s.pulls:
		resolve.Invoke()
	default:
	}
	for _, f := range s.funcs {
		f.Release()
	}
}
